// The weights of a Hugging Face model folder: model.safetensors, or the shards named by
// model.safetensors.index.json (`weight_map`: tensor -> file). Opened lazily; errors name the folder,
// the shard and the tensors a missing or inconsistent shard should hold.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openSafetensors, type SafetensorsReader } from '../safetensors.js';

export interface HfWeights {
  /** Tensor key -> the open file that holds it. */
  readonly entries: Map<string, { file: string; reader: SafetensorsReader }>;
  /** The safetensors files, in order. */
  readonly files: string[];
  close(): void;
}

function listSome(keys: string[], n = 5): string {
  return keys.slice(0, n).join(', ') + (keys.length > n ? ` and ${keys.length - n} more` : '');
}

/**
 * Open every safetensors file of an HF folder (single file or sharded index).
 * @example const w = openHfWeights('gpt2'); try { w.entries.get('wte.weight')!.reader.get('wte.weight'); } finally { w.close(); }
 */
export function openHfWeights(dir: string): HfWeights {
  const indexPath = join(dir, 'model.safetensors.index.json');
  const single = join(dir, 'model.safetensors');
  const readers: SafetensorsReader[] = [];
  const entries = new Map<string, { file: string; reader: SafetensorsReader }>();
  const close = (): void => { for (const r of readers) r.close(); };
  try {
    if (existsSync(indexPath)) {
      let index: { weight_map?: Record<string, unknown> };
      try {
        index = JSON.parse(readFileSync(indexPath, 'utf8')) as typeof index;
      } catch (e) {
        throw new Error(`${indexPath}: not valid JSON (${(e as Error).message})`);
      }
      const map = index.weight_map;
      if (!map || typeof map !== 'object') throw new Error(`${indexPath}: no "weight_map" object`);
      const byFile = new Map<string, string[]>();
      for (const [key, f] of Object.entries(map)) {
        if (typeof f !== 'string' || f.includes('/') || f.includes('\\')) throw new Error(`${indexPath}: weight_map["${key}"] must be a file name in the folder, got ${JSON.stringify(f)}`);
        if (!byFile.has(f)) byFile.set(f, []);
        byFile.get(f)!.push(key);
      }
      for (const [f, keys] of byFile) {
        const p = join(dir, f);
        if (!existsSync(p)) throw new Error(`${p}: missing shard (model.safetensors.index.json maps ${keys.length} tensor${keys.length === 1 ? '' : 's'} to it: ${listSome(keys)})`);
        const r = openSafetensors(p);
        readers.push(r);
        for (const k of keys) {
          if (!r.has(k)) throw new Error(`${p}: tensor '${k}' is listed in model.safetensors.index.json but is not in this shard`);
          entries.set(k, { file: p, reader: r });
        }
      }
      return { entries, files: [...byFile.keys()].map((f) => join(dir, f)), close };
    }
    if (existsSync(single)) {
      const r = openSafetensors(single);
      readers.push(r);
      for (const k of r.keys()) entries.set(k, { file: single, reader: r });
      return { entries, files: [single], close };
    }
    const hint = existsSync(join(dir, 'pytorch_model.bin')) || existsSync(join(dir, 'pytorch_model.bin.index.json'))
      ? ' (only pytorch_model.bin: pickle checkpoints are not read; convert them to safetensors first)' : '';
    throw new Error(`${dir}: no model.safetensors or model.safetensors.index.json${hint}`);
  } catch (e) {
    close();
    throw e;
  }
}
