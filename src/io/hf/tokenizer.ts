// Tokenizer files of a Hugging Face model folder: tokenizer.json as is, or GPT-2's vocab.json + merges.txt
// turned into the equivalent tokenizer.json (byte-level BPE, the layout of the hub's gpt2 tokenizer.json).
// Writing an lmforge tokenizer as tokenizer.json goes through the tokenizers module (saveTokenizer 'hf').
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface HfTokenizerFiles {
  /** tokenizer.json text. */
  json: string;
  /** Where it came from (file names in the folder). */
  source: string;
}

/**
 * tokenizer.json text from GPT-2's vocab files. Tokens that are neither a single byte nor the result of a
 * merge (GPT-2: `<|endoftext|>`) become added special tokens. Errors name the file and the line or entry.
 * @example const json = gpt2VocabToTokenizerJson(readFileSync('vocab.json', 'utf8'), readFileSync('merges.txt', 'utf8'))
 */
export function gpt2VocabToTokenizerJson(vocabJson: string, mergesTxt: string, vocabPath = 'vocab.json', mergesPath = 'merges.txt'): string {
  let vocab: Record<string, unknown>;
  try {
    vocab = JSON.parse(vocabJson) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`${vocabPath}: invalid JSON (${(e as Error).message})`);
  }
  if (!vocab || typeof vocab !== 'object' || Array.isArray(vocab)) throw new Error(`${vocabPath}: expected an object of token -> id`);
  for (const [tok, id] of Object.entries(vocab)) {
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) throw new Error(`${vocabPath}: entry "${tok}" has id ${JSON.stringify(id)}, expected a non-negative integer`);
  }
  const merges: string[] = [];
  const made = new Set<string>();
  const lines = mergesTxt.split('\n');
  lines.forEach((raw, i) => {
    const line = raw.replace(/\r$/, '');
    if (line === '' || (i === 0 && line.startsWith('#version'))) return;
    const parts = line.split(' ');
    if (parts.length !== 2 || !parts[0] || !parts[1]) throw new Error(`${mergesPath}: line ${i + 1}: expected two tokens separated by one space, got '${line}'`);
    for (const p of parts) if (!(p in vocab)) throw new Error(`${mergesPath}: line ${i + 1}: token '${p}' is not in ${vocabPath}`);
    if (!(parts[0] + parts[1] in vocab)) throw new Error(`${mergesPath}: line ${i + 1}: merge result '${parts[0] + parts[1]}' is not in ${vocabPath}`);
    merges.push(line);
    made.add(parts[0] + parts[1]);
  });
  const added = Object.entries(vocab)
    .filter(([tok]) => [...tok].length > 1 && !made.has(tok))
    .map(([content, id]) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: true, special: true }));
  return JSON.stringify({
    version: '1.0', truncation: null, padding: null, added_tokens: added, normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: '', end_of_word_suffix: '', fuse_unk: false, byte_fallback: false, vocab, merges },
  }, null, 2);
}

/**
 * The tokenizer of an HF folder as tokenizer.json text: tokenizer.json itself, else vocab.json + merges.txt;
 * null when the folder has neither.
 */
export function readHfTokenizerFiles(dir: string): HfTokenizerFiles | null {
  const tj = join(dir, 'tokenizer.json');
  if (existsSync(tj)) return { json: readFileSync(tj, 'utf8'), source: tj };
  const v = join(dir, 'vocab.json'), m = join(dir, 'merges.txt');
  if (existsSync(v) && existsSync(m)) return { json: gpt2VocabToTokenizerJson(readFileSync(v, 'utf8'), readFileSync(m, 'utf8'), v, m), source: `${v} + ${m}` };
  return null;
}

/** True when the JSON text is a Hugging Face tokenizer.json (a "model" object), not lmforge's own format. */
export function isHfTokenizerJson(text: string): boolean {
  try {
    const o = JSON.parse(text) as Record<string, unknown>;
    return !!o && typeof o.model === 'object' && o.model !== null && o.format === undefined;
  } catch {
    return false;
  }
}
