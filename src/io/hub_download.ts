// One file from a Hugging Face-compatible hub: HEAD the resolve URL (without following the redirect, to
// read X-Linked-Etag / X-Linked-Size as the hub sends them for LFS files), GET into a `.part` file with an
// HTTP Range that resumes what an interrupted transfer left, verify (size; sha256 or git blob sha1 from
// the ETag), then rename into place. A bad checksum deletes the part file: nothing half-written stays.
import { closeSync, existsSync, mkdirSync, openSync, readSync, renameSync, rmSync, statSync, ftruncateSync, writeSync, fsyncSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname } from 'node:path';

export type HubEvent =
  | { type: 'file-start'; file: string; total: number | null; resumeFrom: number }
  | { type: 'progress'; file: string; received: number; total: number | null }
  | { type: 'file-done'; file: string; bytes: number; verified: 'sha256' | 'git-sha1' | 'size' | 'none'; cached: boolean }
  | { type: 'retry'; file: string; attempt: number; received: number; reason: string };

export interface RemoteFileInfo {
  /** Where the bytes come from (the redirect target for LFS files). */
  url: string;
  /** The ETag without quotes or W/ (sha256 for LFS files, git blob sha1 for others), if any. */
  etag: string | null;
  size: number | null;
  /** X-Repo-Commit, if the hub sent it. */
  commit: string | null;
}

export interface DownloadOptions {
  headers?: Record<string, string>;
  /** Attempts after the first when the transfer breaks (each resumes with a Range request). Default 3. */
  retries?: number;
  onEvent?: (e: HubEvent) => void;
  /** Delay before retry n, in ms (default 200·n). */
  retryDelayMs?: (n: number) => number;
}

function cleanEtag(v: string | null): string | null {
  if (!v) return null;
  return v.replace(/^W\//, '').replace(/^"|"$/g, '') || null;
}

/**
 * HEAD a resolve URL. Redirects on the same host (renamed repos, the hub's resolve cache) are followed; a
 * redirect to another host (the CDN of LFS files) is not: the hub's metadata headers are on that response.
 */
export async function headFile(url: string, headers: Record<string, string> = {}, what = url): Promise<RemoteFileInfo> {
  let res: Response;
  let cur = url;
  for (let hop = 0; ; hop++) {
    try {
      res = await fetch(cur, { method: 'HEAD', redirect: 'manual', headers });
    } catch (e) {
      throw new Error(`${what}: cannot reach ${cur} (${(e as Error).message})`);
    }
    const loc = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && loc && hop < 5 && new URL(loc, cur).origin === new URL(cur).origin && !res.headers.get('x-linked-etag')) {
      cur = new URL(loc, cur).toString();
      continue;
    }
    break;
  }
  if (res.status === 401 || res.status === 403) throw new Error(`${what}: HTTP ${res.status} from ${cur}: the hub wants authentication (set HF_TOKEN)`);
  if (res.status === 404) throw new Error(`${what}: not found (HTTP 404 from ${cur})`);
  const redirect = res.status >= 300 && res.status < 400;
  if (!redirect && !res.ok) throw new Error(`${what}: HTTP ${res.status} from ${cur}`);
  const h = res.headers;
  const location = h.get('location');
  const sizeHeader = h.get('x-linked-size') ?? (redirect ? null : h.get('content-length'));
  return {
    url: redirect && location ? new URL(location, cur).toString() : cur,
    etag: cleanEtag(h.get('x-linked-etag') ?? h.get('etag')),
    size: sizeHeader !== null && /^\d+$/.test(sizeHeader) ? Number(sizeHeader) : null,
    commit: h.get('x-repo-commit'),
  };
}

function hashFile(path: string, algo: 'sha256' | 'sha1', prefix?: string): string {
  const h = createHash(algo);
  if (prefix) h.update(prefix);
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (let pos = 0; ;) {
      const n = readSync(fd, buf, 0, buf.length, pos);
      if (n === 0) break;
      h.update(buf.subarray(0, n));
      pos += n;
    }
  } finally {
    closeSync(fd);
  }
  return h.digest('hex');
}

/** Verify a complete file against the hub's metadata; returns what was checked. Throws on mismatch. */
export function verifyFile(path: string, info: Pick<RemoteFileInfo, 'etag' | 'size'>, what: string): 'sha256' | 'git-sha1' | 'size' | 'none' {
  const size = statSync(path).size;
  if (info.size !== null && size !== info.size) throw new Error(`${what}: size mismatch: the hub announced ${info.size} bytes, got ${size} (truncated or corrupted download)`);
  const etag = info.etag?.toLowerCase() ?? '';
  if (/^[0-9a-f]{64}$/.test(etag)) {
    const got = hashFile(path, 'sha256');
    if (got !== etag) throw new Error(`${what}: sha256 mismatch: the hub says ${etag}, the download has ${got} (corrupted download)`);
    return 'sha256';
  }
  if (/^[0-9a-f]{40}$/.test(etag)) {
    const got = hashFile(path, 'sha1', `blob ${size}\0`);
    if (got !== etag) throw new Error(`${what}: git blob sha1 mismatch: the hub says ${etag}, the download has ${got} (corrupted download)`);
    return 'git-sha1';
  }
  return info.size !== null ? 'size' : 'none';
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Download `info.url` to `finalPath` through `partPath` (resumed if present), verify, rename.
 * @example await downloadFile(await headFile(url), 'cache/x.part', 'cache/x', 'model.safetensors')
 */
export async function downloadFile(info: RemoteFileInfo, partPath: string, finalPath: string, what: string, opts: DownloadOptions = {}): Promise<void> {
  const emit = opts.onEvent ?? (() => {});
  const retries = opts.retries ?? 3;
  mkdirSync(dirname(partPath), { recursive: true });
  let total = info.size;
  let have = existsSync(partPath) ? statSync(partPath).size : 0;
  if (total !== null && have > total) { rmSync(partPath, { force: true }); have = 0; }
  emit({ type: 'file-start', file: what, total, resumeFrom: have });
  for (let attempt = 0; ; attempt++) {
    if (total !== null && have === total) break;
    const headers: Record<string, string> = { ...opts.headers };
    if (have > 0) headers.Range = `bytes=${have}-`;
    let received = have;
    try {
      const res = await fetch(info.url, { headers, redirect: 'follow' });
      if (res.status === 416) {
        // the part file is not a prefix the server can continue: complete (size unknown) or start over
        await res.body?.cancel();
        if (total === null) break;
        rmSync(partPath, { force: true });
        have = 0;
        throw new Error(`the server refused Range bytes=${received}- (HTTP 416)`);
      }
      if (res.status === 401 || res.status === 403) throw Object.assign(new Error(`${what}: HTTP ${res.status}: the hub wants authentication (set HF_TOKEN)`), { fatal: true });
      if (res.status !== 200 && res.status !== 206) throw Object.assign(new Error(`${what}: HTTP ${res.status} from ${info.url}`), { fatal: res.status < 500 });
      let fd: number;
      if (res.status === 206) {
        const m = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(res.headers.get('content-range') ?? '');
        if (!m || Number(m[1]) !== have) throw Object.assign(new Error(`${what}: the server answered Range bytes=${have}- with Content-Range '${res.headers.get('content-range')}'`), { fatal: true });
        if (m[2] !== '*') total ??= Number(m[2]);
        fd = openSync(partPath, 'a');
      } else {
        // the server ignored the Range (or there was none): start over
        received = 0;
        const len = res.headers.get('content-length');
        if (total === null && len && /^\d+$/.test(len)) total = Number(len);
        fd = openSync(partPath, 'w');
        ftruncateSync(fd, 0);
      }
      try {
        if (res.body) {
          for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
            writeSync(fd, chunk);
            received += chunk.length;
            emit({ type: 'progress', file: what, received, total });
          }
        }
        fsyncSync(fd);
      } finally {
        closeSync(fd);
        have = existsSync(partPath) ? statSync(partPath).size : 0;
      }
      if (total === null || have >= total) break;
      throw new Error(`the connection closed after ${have} of ${total} bytes`);
    } catch (e) {
      const err = e as Error & { fatal?: boolean };
      if (err.fatal) throw err;
      if (attempt >= retries) {
        throw new Error(`${what}: download interrupted after ${have}${total !== null ? ` of ${total}` : ''} bytes (${err.message}); run the command again to resume`);
      }
      emit({ type: 'retry', file: what, attempt: attempt + 1, received: have, reason: err.message });
      await sleep((opts.retryDelayMs ?? ((n) => 200 * n))(attempt + 1));
    }
  }
  let verified: ReturnType<typeof verifyFile>;
  try {
    verified = verifyFile(partPath, { etag: info.etag, size: total }, what);
  } catch (e) {
    rmSync(partPath, { force: true });
    throw new Error(`${(e as Error).message}; the partial file was removed, nothing was cached`);
  }
  mkdirSync(dirname(finalPath), { recursive: true });
  renameSync(partPath, finalPath);
  emit({ type: 'file-done', file: what, bytes: statSync(finalPath).size, verified, cached: false });
}
