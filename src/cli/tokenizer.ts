// `lmforge tokenizer train | encode | decode | count`: thin CLI over src/tokenizers. Inputs stream in
// bounded memory; long inputs show a progress bar (cli-progress, on stderr when it is a terminal).
// ids.bin files are little-endian uint16 when the vocabulary fits in 16 bits, else uint32 (--dtype overrides).

import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { closeSync, createReadStream, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import {
  BpeTokenizer, loadTokenizer, saveTokenizer, encodeFile, PATTERN_NAMES,
  type EncodeOptions, type PatternName, type Tokenizer, type SpecialPolicy,
} from '../tokenizers/index.js';

const PROGRESS_MIN_BYTES = 1 << 20;

function fail(e: unknown): void {
  const msg = (e as Error).message;
  console.error(`lmforge tokenizer: ${msg}${msg.includes('special token') ? ' (CLI: --special-policy allow | text)' : ''}`);
  process.exitCode = 1;
}

/** A progress bar on stderr for long inputs (`show` defaults to: at least 1 MiB) when stderr is a terminal. */
function progressBar(total: number, label: string, show = total >= PROGRESS_MIN_BYTES): { update(v: number): void; stop(): void } {
  if (!show || !process.stderr.isTTY) return { update() {}, stop() {} };
  const bar = new cliProgress.SingleBar({
    format: `${label} [{bar}] {percentage}% | {value}/{total} {unit} | ETA {eta_formatted}`,
    stream: process.stderr, hideCursor: true,
  }, cliProgress.Presets.shades_classic);
  bar.start(total, 0, { unit: label === 'merge' ? 'merges' : 'bytes' });
  return { update: (v) => bar.update(v), stop: () => bar.stop() };
}

function parsePattern(p: string): PatternName {
  if (!(PATTERN_NAMES as readonly string[]).includes(p)) throw new Error(`--pattern: unknown '${p}' (${PATTERN_NAMES.join(', ')})`);
  return p as PatternName;
}

function parsePolicy(p: string): SpecialPolicy {
  if (p !== 'raise' && p !== 'allow' && p !== 'text') throw new Error(`--special-policy: unknown '${p}' (raise, allow, text)`);
  return p;
}

type Dtype = 'uint16' | 'uint32';
function dtypeFor(tok: Tokenizer, given?: string): Dtype {
  if (given !== undefined && given !== 'uint16' && given !== 'uint32') throw new Error(`--dtype: unknown '${given}' (uint16, uint32)`);
  const d = (given as Dtype | undefined) ?? (tok.vocabSize <= 65536 ? 'uint16' : 'uint32');
  if (d === 'uint16' && tok.vocabSize > 65536) throw new Error(`--dtype uint16 cannot hold ids of a ${tok.vocabSize}-token vocabulary`);
  return d;
}

async function load(name: string, pattern?: string): Promise<Tokenizer> {
  return loadTokenizer(name, pattern ? { pattern: parsePattern(pattern) } : {});
}

interface TrainOpts { input: string[]; vocabSize: string; pattern: string; special: string[]; out: string; format: string }

async function train(o: TrainOpts): Promise<void> {
  const vocabSize = Number(o.vocabSize);
  if (!Number.isInteger(vocabSize) || vocabSize < 256) throw new Error(`--vocab-size: '${o.vocabSize}' must be an integer >= 256`);
  if (o.format !== 'lmforge' && o.format !== 'hf') throw new Error(`--format: unknown '${o.format}' (lmforge, hf)`);
  const pattern = parsePattern(o.pattern);
  let total = 0;
  for (const f of o.input) { try { total += statSync(f).size; } catch { throw new Error(`--input: cannot read '${f}'`); } }
  const t0 = performance.now();
  let bar = progressBar(total, 'count');
  let phase = 'count';
  const tok = await BpeTokenizer.trainFromFiles(o.input, {
    vocabSize, pattern, specialTokens: o.special, name: o.out,
    onProgress: (p) => {
      if (p.phase !== phase) { bar.stop(); phase = p.phase; bar = progressBar(p.total, 'merge', total >= PROGRESS_MIN_BYTES); }
      bar.update(p.done);
    },
  });
  bar.stop();
  saveTokenizer(tok, o.out, o.format === 'hf' ? 'hf' : 'lmforge');
  const s = ((performance.now() - t0) / 1000).toFixed(2);
  console.error(`trained ${tok.merges.length} merges (vocab ${tok.vocabSize}, pattern ${pattern}) on ${total} bytes in ${s} s -> ${o.out}`);
}

interface EncodeOpts { tokenizer: string; input: string; out?: string; json?: boolean; dtype?: string; specialPolicy: string; pattern?: string }

async function encode(o: EncodeOpts): Promise<void> {
  const tok = await load(o.tokenizer, o.pattern);
  const opts: EncodeOptions = { policy: parsePolicy(o.specialPolicy) };
  const dtype = dtypeFor(tok, o.dtype);
  const fd = o.out ? openSync(o.out, 'w') : -1;
  const all: number[] = [];
  let bar: ReturnType<typeof progressBar> | undefined;
  try {
    const count = await encodeFile(tok, o.input, opts, (ids, read, total) => {
      bar ??= progressBar(total, 'encode');
      bar.update(read);
      if (fd >= 0) {
        const arr = dtype === 'uint16' ? Uint16Array.from(ids) : Uint32Array.from(ids);
        writeSync(fd, new Uint8Array(arr.buffer, 0, arr.byteLength)); // little-endian on every platform Node runs on
      }
      if (o.json || fd < 0) for (const id of ids) all.push(id);
    });
    bar?.stop();
    if (o.json) process.stdout.write(JSON.stringify({ ids: all, count }) + '\n');
    else if (fd < 0) process.stdout.write(all.join(' ') + '\n');
    if (fd >= 0) console.error(`${count} tokens (${dtype}) -> ${o.out}`);
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}

interface DecodeOpts { tokenizer: string; input: string; out?: string; dtype?: string; pattern?: string }

/** ids from a JSON file ({"ids": [...]} or [...]) or a binary uint16/uint32 file. */
async function* readIds(path: string, dtype: Dtype): AsyncGenerator<number[]> {
  const head = readFileSync(path).subarray(0, 1).toString();
  if (path.endsWith('.json') || head === '{' || head === '[') {
    const v = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    const ids = Array.isArray(v) ? v : (v as { ids?: unknown }).ids;
    if (!Array.isArray(ids) || !ids.every((x) => Number.isInteger(x))) throw new Error(`${path}: expected [ids...] or {"ids": [...]}`);
    yield ids as number[];
    return;
  }
  const w = dtype === 'uint16' ? 2 : 4;
  const size = statSync(path).size;
  if (size % w !== 0) throw new Error(`${path}: ${size} bytes is not a whole number of ${dtype} ids (wrong --dtype?)`);
  let carry = Buffer.alloc(0);
  for await (const c of createReadStream(path, { highWaterMark: 1 << 22 })) {
    const b = Buffer.concat([carry, c as Buffer]);
    const n = b.length - (b.length % w);
    const ids: number[] = new Array(n / w);
    for (let i = 0; i < n; i += w) ids[i / w] = w === 2 ? b.readUInt16LE(i) : b.readUInt32LE(i);
    carry = b.subarray(n);
    yield ids;
  }
}

async function decode(o: DecodeOpts): Promise<void> {
  const tok = await load(o.tokenizer, o.pattern);
  const dtype = dtypeFor(tok, o.dtype);
  const fd = o.out ? openSync(o.out, 'w') : 1;
  try {
    for await (const ids of readIds(o.input, dtype)) {
      const bytes = tok.decodeBytes(ids);
      let off = 0;
      while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    }
  } finally {
    if (fd !== 1) closeSync(fd);
  }
}

interface CountOpts { tokenizer: string; input: string[]; json?: boolean; specialPolicy: string; pattern?: string }

async function count(o: CountOpts): Promise<void> {
  const tok = await load(o.tokenizer, o.pattern);
  const opts: EncodeOptions = { policy: parsePolicy(o.specialPolicy) };
  const per: Record<string, number> = {};
  let total = 0;
  for (const f of o.input) {
    let bar: ReturnType<typeof progressBar> | undefined;
    const n = await encodeFile(tok, f, opts, (_ids, read, size) => { bar ??= progressBar(size, 'count'); bar.update(read); });
    bar?.stop();
    per[f] = n; total += n;
  }
  if (o.json) process.stdout.write(JSON.stringify({ files: per, count: total }) + '\n');
  else {
    for (const [f, n] of Object.entries(per)) console.log(`${String(n).padStart(12)}  ${f}`);
    if (o.input.length > 1) console.log(`${String(total).padStart(12)}  total`);
  }
}

const collect = (v: string, prev: string[]) => [...prev, v];

/** Adds `lmforge tokenizer` with subcommands train, encode, decode, count. */
export function register(program: Command): void {
  const t = program.command('tokenizer').description('train byte-level BPE tokenizers; encode, decode and count tokens (gpt2, cl100k_base, o200k_base or a file)');
  t.command('train')
    .description('train a byte-level BPE on text files')
    .requiredOption('--input <files...>', 'training text files (streamed)')
    .requiredOption('--vocab-size <n>', 'final vocabulary size: 256 bytes + merges + special tokens')
    .option('--pattern <name>', `split pattern: ${PATTERN_NAMES.join(' | ')}`, 'gpt2')
    .option('--special <token>', 'a special token (repeatable), e.g. <|endoftext|>', collect, [] as string[])
    .requiredOption('--out <file>', 'output tokenizer file')
    .option('--format <fmt>', 'lmforge (versioned JSON) or hf (Hugging Face tokenizer.json)', 'lmforge')
    .action((o: TrainOpts) => train(o).catch(fail));
  t.command('encode')
    .description('encode a text file to token ids')
    .requiredOption('--tokenizer <name|file>', 'gpt2 | r50k_base | cl100k_base | o200k_base | char | a tokenizer file')
    .requiredOption('--input <file>', 'text file (streamed; bytes that are not UTF-8 are kept)')
    .option('--out <ids.bin>', 'write ids as little-endian uint16/uint32')
    .option('--json', 'print {"ids": [...], "count": N} on stdout')
    .option('--dtype <t>', 'uint16 | uint32 (default: uint16 if the vocabulary fits)')
    .option('--special-policy <p>', 'special-token text: raise | allow | text', 'raise')
    .option('--pattern <name>', 'split pattern of a .tiktoken file')
    .action((o: EncodeOpts) => encode(o).catch(fail));
  t.command('decode')
    .description('decode token ids (ids.bin or JSON) back to text')
    .requiredOption('--tokenizer <name|file>', 'gpt2 | r50k_base | cl100k_base | o200k_base | char | a tokenizer file')
    .requiredOption('--input <file>', 'ids.bin (uint16/uint32) or JSON ({"ids": [...]} or [...])')
    .option('--out <file>', 'output file (default: stdout); bytes are written exactly')
    .option('--dtype <t>', 'uint16 | uint32 (default: uint16 if the vocabulary fits)')
    .option('--pattern <name>', 'split pattern of a .tiktoken file')
    .action((o: DecodeOpts) => decode(o).catch(fail));
  t.command('count')
    .description('count tokens in text files')
    .requiredOption('--tokenizer <name|file>', 'gpt2 | r50k_base | cl100k_base | o200k_base | char | a tokenizer file')
    .requiredOption('--input <files...>', 'text files')
    .option('--json', 'print {"files": {...}, "count": N}')
    .option('--special-policy <p>', 'special-token text: raise | allow | text', 'raise')
    .option('--pattern <name>', 'split pattern of a .tiktoken file')
    .action((o: CountOpts) => count(o).catch(fail));
}
