// Hugging Face-compatible hub download into a local cache: list a repository's files at a revision
// (/api/models/OWNER/NAME/revision/REV), fetch config, tokenizer files and weights (the shards of a
// safetensors index too) through /OWNER/NAME/resolve/REV/FILE (hub_download.ts: resume, verify, rename),
// and mark the snapshot complete. LMFORGE_OFFLINE=1 answers from the cache only; a model id or a local
// path work alike wherever a model is named (resolveModelSource).
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, normalize, sep } from 'node:path';
import { writeFileAtomic } from './atomic.js';
import { downloadFile, headFile, type HubEvent } from './hub_download.js';

export type { HubEvent } from './hub_download.js';

export const DEFAULT_HUB_URL = 'https://huggingface.co';
const COMPLETE = '.lmforge-complete.json';

export interface HubOptions {
  /** Branch, tag or commit (default 'main'). */
  revision?: string;
  /** Cache root (default LMFORGE_CACHE or ~/.cache/lmforge). */
  cacheDir?: string;
  /** Hub base URL (default LMFORGE_HUB_URL or https://huggingface.co). */
  hubUrl?: string;
  /** Use the cache only (default: LMFORGE_OFFLINE=1). */
  offline?: boolean;
  /** Bearer token (default HF_TOKEN). */
  token?: string;
  /** Download exactly these files instead of the default selection (config, tokenizer, safetensors weights). */
  files?: string[];
  /** Transfer retries per file, each resuming with a Range request (default 3). */
  retries?: number;
  onEvent?: (e: HubEvent) => void;
  retryDelayMs?: (n: number) => number;
}

export interface PulledModel {
  /** The local folder holding the files (a cache snapshot). */
  dir: string;
  repo: string;
  revision: string;
  /** Commit the snapshot belongs to (or the revision when the hub did not say). */
  commit: string;
  files: { name: string; size: number }[];
  /** True when nothing had to be downloaded. */
  fromCache: boolean;
}

/** True for a hub model id OWNER/NAME (optionally @REVISION). */
export function isModelId(s: string): boolean {
  return /^[A-Za-z0-9][\w.-]*\/[\w.-]+(@[\w./-]+)?$/.test(s) && !s.includes('..');
}

/** The cache root. */
export function cacheRoot(opts: HubOptions = {}): string {
  return opts.cacheDir ?? process.env.LMFORGE_CACHE ?? join(homedir(), '.cache', 'lmforge');
}

/** Folder of a repository in the cache: ROOT/hub/models--OWNER--NAME. */
export function repoCacheDir(repo: string, opts: HubOptions = {}): string {
  return join(cacheRoot(opts), 'hub', `models--${repo.replace('/', '--')}`);
}

const safeRef = (r: string): string => r.replace(/[^\w.-]/g, '_');

function splitId(id: string, revision?: string): { repo: string; revision: string } {
  const at = id.indexOf('@');
  if (at < 0) return { repo: id, revision: revision ?? 'main' };
  return { repo: id.slice(0, at), revision: revision ?? id.slice(at + 1) };
}

/** Reject file names that would leave the snapshot folder. */
function checkName(name: string, repo: string): string {
  const n = normalize(name);
  if (!name || isAbsolute(name) || n.startsWith('..') || n.split(sep).includes('..')) throw new Error(`${repo}: refusing the file name '${name}' (outside the snapshot)`);
  return n;
}

/** The default selection: config and tokenizer files, and safetensors weights (index + its shards, or model.safetensors). */
function selectFiles(siblings: string[]): string[] {
  const small = ['config.json', 'generation_config.json', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'vocab.json', 'merges.txt'];
  const out = siblings.filter((f) => small.includes(f));
  if (siblings.includes('model.safetensors.index.json')) out.push('model.safetensors.index.json');
  else if (siblings.includes('model.safetensors')) out.push('model.safetensors');
  return out;
}

function completeSnapshot(repoDir: string, revision: string): PulledModel | null {
  const ref = join(repoDir, 'refs', safeRef(revision));
  const commit = existsSync(ref) ? readFileSync(ref, 'utf8').trim() : revision;
  const dir = join(repoDir, 'snapshots', safeRef(commit));
  const marker = join(dir, COMPLETE);
  if (!existsSync(marker)) return null;
  const m = JSON.parse(readFileSync(marker, 'utf8')) as { repo: string; files: { name: string; size: number }[] };
  for (const f of m.files) if (!existsSync(join(dir, f.name)) || statSync(join(dir, f.name)).size !== f.size) return null;
  return { dir, repo: m.repo, revision, commit, files: m.files, fromCache: true };
}

function authHeaders(opts: HubOptions): Record<string, string> {
  const token = opts.token ?? process.env.HF_TOKEN;
  return token ? { Authorization: `Bearer ${token}` } : {};
}

/**
 * Download a model repository (config, tokenizer, safetensors weights, sharded too) into the cache.
 * @example const { dir } = await pullModel('openai-community/gpt2', { onEvent: console.log });
 */
export async function pullModel(id: string, opts: HubOptions = {}): Promise<PulledModel> {
  const { repo, revision } = splitId(id, opts.revision);
  if (!isModelId(repo)) throw new Error(`'${repo}' is not a model id of the form OWNER/NAME`);
  const repoDir = repoCacheDir(repo, opts);
  const offline = opts.offline ?? process.env.LMFORGE_OFFLINE === '1';
  if (offline) {
    const hit = completeSnapshot(repoDir, revision);
    if (!hit) throw new Error(`model ${repo} (revision ${revision}) is not in the cache at ${repoDir}, and LMFORGE_OFFLINE=1 forbids downloading it`);
    return hit;
  }
  const hub = (opts.hubUrl ?? process.env.LMFORGE_HUB_URL ?? DEFAULT_HUB_URL).replace(/\/+$/, '');
  const headers = authHeaders(opts);
  const apiUrl = `${hub}/api/models/${repo}/revision/${encodeURIComponent(revision)}`;
  let listing: { sha?: string; siblings?: { rfilename?: string }[] };
  try {
    const res = await fetch(apiUrl, { headers });
    if (res.status === 404) throw Object.assign(new Error(`model ${repo} (revision ${revision}) was not found on ${hub} (HTTP 404)`), { fatal: true });
    if (res.status === 401 || res.status === 403) throw Object.assign(new Error(`model ${repo}: HTTP ${res.status} from ${hub}: private or gated (set HF_TOKEN)`), { fatal: true });
    if (!res.ok) throw new Error(`HTTP ${res.status} from ${apiUrl}`);
    listing = (await res.json()) as typeof listing;
  } catch (e) {
    const err = e as Error & { fatal?: boolean };
    if (err.fatal) throw err;
    const hit = completeSnapshot(repoDir, revision);
    if (hit) return hit; // the hub is unreachable but the cache has it
    throw new Error(`model ${repo}: cannot list the repository at ${apiUrl} (${err.message})`);
  }
  const siblings = (listing.siblings ?? []).map((s) => s.rfilename).filter((f): f is string => typeof f === 'string');
  const commit = typeof listing.sha === 'string' && listing.sha ? listing.sha : revision;
  const snap = join(repoDir, 'snapshots', safeRef(commit));
  const partDir = join(repoDir, 'partial', safeRef(commit));
  const cached = completeSnapshot(repoDir, revision);
  if (cached && cached.commit === commit && !opts.files) return cached;
  const resolveUrl = (f: string): string => `${hub}/${repo}/resolve/${encodeURIComponent(commit)}/${f.split('/').map(encodeURIComponent).join('/')}`;
  const wanted = opts.files ?? selectFiles(siblings);
  if (opts.files) for (const f of opts.files) if (!siblings.includes(f)) throw new Error(`model ${repo}: no file '${f}' at revision ${revision} (files: ${siblings.join(', ')})`);
  const done: { name: string; size: number }[] = [];
  let downloaded = 0;
  const fetchOne = async (name: string): Promise<void> => {
    const rel = checkName(name, repo);
    const final = join(snap, rel);
    const what = `${repo}/${name}`;
    if (!existsSync(final)) {
      const info = await headFile(resolveUrl(name), headers, what);
      await downloadFile(info, join(partDir, `${rel}.part`), final, what, { headers, retries: opts.retries, onEvent: opts.onEvent, retryDelayMs: opts.retryDelayMs });
      downloaded++;
    } else {
      opts.onEvent?.({ type: 'file-done', file: what, bytes: statSync(final).size, verified: 'none', cached: true });
    }
    done.push({ name: rel, size: statSync(final).size });
  };
  for (const f of wanted) {
    await fetchOne(f);
    if (f === 'model.safetensors.index.json' && !opts.files) {
      const p = join(snap, f);
      let map: Record<string, string>;
      try {
        map = (JSON.parse(readFileSync(p, 'utf8')) as { weight_map: Record<string, string> }).weight_map;
      } catch (e) {
        throw new Error(`${repo}/${f}: not a valid safetensors index (${(e as Error).message})`);
      }
      const shards = [...new Set(Object.values(map ?? {}))];
      for (const s of shards) if (!siblings.includes(s)) throw new Error(`${repo}/${f}: names the shard '${s}', which the repository does not have`);
      for (const s of shards) await fetchOne(s);
    }
  }
  writeFileAtomic(join(snap, COMPLETE), JSON.stringify({ repo, revision, commit, files: done }, null, 2) + '\n');
  mkdirSync(join(repoDir, 'refs'), { recursive: true });
  writeFileAtomic(join(repoDir, 'refs', safeRef(revision)), commit + '\n');
  return { dir: snap, repo, revision, commit, files: done, fromCache: downloaded === 0 };
}

/**
 * A local folder or file for a model name: an existing path is returned as is; OWNER/NAME[@REV] is
 * pulled into the cache (or found there when offline). This is how every command names a model.
 * @example const dir = await resolveModelSource('TinyLlama/TinyLlama-1.1B-Chat-v1.0');
 */
export async function resolveModelSource(nameOrPath: string, opts: HubOptions = {}): Promise<string> {
  if (existsSync(nameOrPath)) return nameOrPath;
  if (!isModelId(nameOrPath)) throw new Error(`model '${nameOrPath}': no such file or folder, and not a hub model id (OWNER/NAME)`);
  return (await pullModel(nameOrPath, opts)).dir;
}
