// `lmforge convert`: runs <-> Hugging Face folders (or hub ids) and GGUF files; thin over io/convert.ts.
//   lmforge convert --from hf DIR|OWNER/NAME --out RUN      lmforge convert --to hf RUN --out DIR [--dtype bf16]
//   lmforge convert --from gguf FILE --out RUN              lmforge convert --to gguf RUN --out FILE [--dtype f16]
import type { Command } from 'commander';
import { convertFromGguf, convertFromHf, convertToGguf, convertToHf, type ConvertResult } from '../io/convert.js';
import { progressSink } from './pull.js';

/** '2GB' / '500MB' / '1048576' -> bytes */
export function parseSize(s: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb|kib|mib|gib)?$/i.exec(s.trim());
  if (!m) throw new Error(`--max-shard-size: cannot read '${s}' (e.g. 2GB, 500MB, 1048576)`);
  const mult: Record<string, number> = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3 };
  return Math.floor(Number(m[1]) * mult[(m[2] ?? 'b').toLowerCase()]!);
}

interface Opts { from?: string; to?: string; out?: string; dtype?: string; revision?: string; maxShardSize?: string; name?: string }

async function run(source: string, o: Opts): Promise<ConvertResult> {
  if (!!o.from === !!o.to) throw new Error('give exactly one of --from hf|gguf or --to hf|gguf');
  if (!o.out) throw new Error('--out is required');
  const dtype = o.dtype?.toUpperCase();
  if (o.from === 'hf') {
    const sink = progressSink();
    try {
      return await convertFromHf(source, o.out, { revision: o.revision, onEvent: sink.onEvent });
    } finally {
      sink.stop();
    }
  }
  if (o.from === 'gguf') return convertFromGguf(source, o.out);
  if (o.to === 'hf') {
    if (dtype && !['F32', 'F16', 'BF16'].includes(dtype)) throw new Error(`--dtype for --to hf: f32, f16 or bf16, got '${o.dtype}'`);
    return await convertToHf(source, o.out, { dtype: dtype as 'F32' | 'F16' | 'BF16' | undefined, maxShardBytes: o.maxShardSize ? parseSize(o.maxShardSize) : undefined, revision: o.revision });
  }
  if (o.to === 'gguf') {
    if (dtype && !['F32', 'F16', 'Q8_0'].includes(dtype)) throw new Error(`--dtype for --to gguf: f32, f16 or q8_0, got '${o.dtype}'`);
    return await convertToGguf(source, o.out, { dtype: dtype as 'F32' | 'F16' | 'Q8_0' | undefined, name: o.name, revision: o.revision });
  }
  throw new Error(`unknown format '${o.from ?? o.to}' (hf or gguf)`);
}

export function register(program: Command): void {
  program
    .command('convert')
    .description('convert a model between an lmforge run and a Hugging Face folder / hub id or a GGUF file')
    .argument('<source>', 'HF folder or OWNER/NAME (--from hf), GGUF file (--from gguf); with --to: a run, checkpoint, HF folder or OWNER/NAME')
    .option('--from <format>', 'import: hf or gguf')
    .option('--to <format>', 'export: hf or gguf')
    .requiredOption('--out <path>', 'run folder (import), HF folder (--to hf) or .gguf file (--to gguf)')
    .option('--dtype <type>', 'export storage type: f32 (default), f16, bf16 (hf only), q8_0 (gguf only)')
    .option('--max-shard-size <size>', '--to hf: split weights into shards of at most this size (e.g. 2GB)')
    .option('--revision <rev>', 'with a hub id: branch, tag or commit', 'main')
    .option('--name <name>', '--to gguf: general.name')
    .action(async (source: string, o: Opts) => {
      try {
        const r = await run(source, o);
        for (const w of r.warnings) console.error(`warning: ${w}`);
        const c = r.config;
        console.error(`${c.arch}: ${c.n_layer} layers, ${c.n_head} heads${c.arch === 'llama' ? ` (${c.n_kv_head} kv)` : ''}, n_embd ${c.n_embd}, vocab ${c.vocab_size}`);
        console.log(r.out);
      } catch (e) {
        console.error(`lmforge convert: ${(e as Error).message}`);
        process.exitCode = 1;
      }
    });
}
