// Documents from inputs: files, folders (recursively, sorted), JSONL ({"text": ...} per line), JSON
// arrays of strings, and the built-in corpus (npm nlp-corpus: 100,000 English sentences, ~9 MB,
// each sentence a document). A single plain-text input is cut into ~8 KB documents at paragraph
// breaks (kept contiguous and rejoined with its own blank lines), like nanoGPT's contiguous splits.
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export interface Doc {
  text: string;
  /** Text put between this document and the next one of the same split (an EOT token is added instead when null). */
  joiner: string | null;
  source: string;
}

const TEXT_EXT = /\.(txt|md|text|rst|csv|tsv|html?|xml|js|ts|py|c|h|cpp|json|jsonl|ndjson)$/i;

/** The files behind the inputs (folders expanded recursively, sorted for determinism). */
export function expandInputs(inputs: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (p: string): void => {
    if (!existsSync(p)) throw new Error(`input ${p}: no such file or folder`);
    const st = statSync(p);
    if (st.isDirectory()) {
      for (const f of readdirSync(p).sort()) if (!f.startsWith('.')) {
        const q = join(p, f);
        if (statSync(q).isDirectory() || TEXT_EXT.test(f)) walk(q);
      }
    } else out.push(p);
  };
  for (const i of inputs) walk(i);
  if (out.length === 0) throw new Error(`no input files found in ${inputs.join(', ')}`);
  return out;
}

/** Lines of a file, read in chunks (bounded memory for large JSONL files). */
function* lines(path: string): Generator<[string, number]> {
  const fd = openSync(path, 'r');
  const buf = Buffer.alloc(1 << 20);
  let rest = '', lineNo = 0;
  const dec = new TextDecoder('utf-8');
  try {
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      const parts = (rest + dec.decode(buf.subarray(0, n), { stream: true })).split('\n');
      rest = parts.pop()!;
      for (const p of parts) yield [p, ++lineNo];
    }
    rest += dec.decode();
    if (rest) yield [rest, ++lineNo];
  } finally {
    closeSync(fd);
  }
}

function* jsonlDocs(path: string): Generator<Doc> {
  for (const [line, n] of lines(path)) {
    if (!line.trim()) continue;
    let o: unknown;
    try {
      o = JSON.parse(line);
    } catch (e) {
      throw new Error(`${path}:${n}: invalid JSON (${(e as Error).message})`);
    }
    const text = typeof o === 'string' ? o : (o as { text?: unknown })?.text;
    if (typeof text !== 'string') throw new Error(`${path}:${n}: expected a string or an object with a "text" string`);
    yield { text, joiner: null, source: path };
  }
}

function* jsonArrayDocs(path: string, text: string): Generator<Doc> {
  let arr: unknown;
  try {
    arr = JSON.parse(text);
  } catch (e) {
    throw new Error(`${path}: invalid JSON (${(e as Error).message})`);
  }
  if (!Array.isArray(arr)) throw new Error(`${path}: expected a JSON array of strings or {"text": ...} objects`);
  for (let i = 0; i < arr.length; i++) {
    const v = arr[i] as unknown;
    const t = typeof v === 'string' ? v : (v as { text?: unknown })?.text;
    if (typeof t !== 'string') throw new Error(`${path}: entry ${i} is not a string or an object with a "text" string`);
    yield { text: t, joiner: null, source: path };
  }
}

/**
 * Cut one text into ~chunkChars documents at paragraph breaks (else line breaks), each rejoined to the
 * next with the separator it had, so the splits stay contiguous runs of the original text.
 */
function* paragraphChunks(text: string, source: string, chunkChars = 8192): Generator<Doc> {
  let start = 0;
  while (start < text.length) {
    let end = Math.min(text.length, start + chunkChars);
    if (end < text.length) {
      const para = text.indexOf('\n\n', end);
      const line = text.indexOf('\n', end);
      end = para >= 0 && para < end + chunkChars ? para : line >= 0 ? line : text.length;
    }
    let next = end;
    while (next < text.length && text[next] === '\n') next++;
    yield { text: text.slice(start, end), joiner: text.slice(end, next) || '\n', source };
    start = next;
  }
}

/** Every document of the inputs, in a deterministic order. Empty inputs = the built-in corpus. */
export function* documents(inputs: readonly string[]): Generator<Doc> {
  if (inputs.length === 0) {
    yield* builtinCorpus();
    return;
  }
  const files = expandInputs(inputs);
  for (const f of files) {
    if (/\.(jsonl|ndjson)$/i.test(f)) { yield* jsonlDocs(f); continue; }
    const text = readFileSync(f, 'utf8');
    if (/\.json$/i.test(f)) { yield* jsonArrayDocs(f, text); continue; }
    if (files.length === 1) { yield* paragraphChunks(text, f); continue; }
    yield { text, joiner: null, source: f };
  }
}

/** The folder of the npm package nlp-corpus (a dependency). */
export function builtinCorpusDir(): string {
  const req = createRequire(import.meta.url);
  let entry: string;
  try {
    entry = req.resolve('nlp-corpus'); // <pkg>/src/server/index.js
  } catch {
    throw new Error('the built-in corpus needs the npm package nlp-corpus (npm install nlp-corpus)');
  }
  return join(dirname(entry), '..', '..', 'builds');
}

export function* builtinCorpus(): Generator<Doc> {
  const dir = builtinCorpusDir();
  for (let i = 0; existsSync(join(dir, `doc-${i}.json`)); i++) {
    const p = join(dir, `doc-${i}.json`);
    yield* jsonArrayDocs(p, readFileSync(p, 'utf8'));
  }
}

/** The built-in corpus as one string (sentences joined by newlines), e.g. for tokenizer benchmarks. */
export function builtinCorpusText(): string {
  const parts: string[] = [];
  for (const d of builtinCorpus()) parts.push(d.text);
  return parts.join('\n');
}
