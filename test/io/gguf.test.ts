// GGUF: our writer read back by our reader and by an independent one (@huggingface/gguf: same metadata,
// tensor names, shapes, types and offsets); export -> import bit-exact for Llama (q/k permuted to the
// interleaved layout and back) and GPT-2, F16 = round-to-nearest-even of F32; Q8_0 dequantisation
// (value = d·q per block of 32, exact); malformed files give errors naming the file, the tensor, the offset.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, truncateSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gguf } from '@huggingface/gguf';
import { openGguf, writeGguf, type GgufValue } from '../../src/io/gguf.js';
import { readModelGguf, writeModelGguf, ggufTensorName } from '../../src/io/gguf_model.js';
import { loadHfModel } from '../../src/io/hf/import.js';
import { ropeHfToInterleaved } from '../../src/ops/rope.js';
import { BpeTokenizer, loadTokenizerSync, type Tokenizer } from '../../src/tokenizers/index.js';
import { parseHfTokenizerJson } from '../../src/tokenizers/formats/hf_json.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { encodeFloat16, decodeFloat16, toFloat16Bits } from '../../src/io/half.js';
import { fixturePath } from '../helpers/fixtures.js';
import { tempDir } from '../helpers/tmp.js';

const tmp = (): string => tempDir('lmforge-gguf-');
const hfTokenizer = (dir: string): Tokenizer => loadTokenizerSync(join(dir, 'tokenizer.json'));

function fixtureModel(name: string): { model: ReturnType<typeof loadHfModel>['model']; tok: Tokenizer } {
  const { model, tokenizer } = loadHfModel(fixturePath(name));
  const dir = tmp();
  writeFileSync(join(dir, 'tokenizer.json'), tokenizer!.json);
  return { model, tok: hfTokenizer(dir) };
}

test('Llama F32: export -> import is bit-exact (q/k permuted and back), tokenizer and metadata survive', () => {
  const { model, tok } = fixtureModel('hf_llama_gqa');
  const file = join(tmp(), 'llama.gguf');
  assert.deepEqual(writeModelGguf(model, file, { tokenizer: tok, name: 'tiny' }).warnings, []);
  const g = openGguf(file);
  try {
    assert.equal(g.get('general.architecture'), 'llama');
    assert.equal(g.get('llama.attention.head_count_kv'), 2);
    assert.equal(g.get('llama.rope.dimension_count'), 8);
    assert.equal(g.get('llama.rope.freq_base'), 500000);
    assert.equal(g.get('llama.feed_forward_length'), 40);
    assert.equal(g.get('tokenizer.ggml.model'), 'gpt2');
    assert.equal(g.get('tokenizer.ggml.pre'), 'gpt-2');
    assert.equal((g.get('tokenizer.ggml.tokens') as string[]).length, 324, 'padded to vocab_size');
    assert.equal((g.get('tokenizer.ggml.tokens') as string[])[323], '[PAD323]');
    assert.equal((g.get('tokenizer.ggml.token_type') as number[])[316], 3, '<|endoftext|> is a control token');
    // q is stored in the interleaved layout llama.cpp expects
    const q = model.stateDict().get('model.layers.0.self_attn.q_proj.weight')!;
    assert.deepEqual(g.read('blk.0.attn_q.weight').toArray(), ropeHfToInterleaved(q, 4).toArray());
    const k = g.tensors.find((t) => t.name === 'blk.1.attn_k.weight')!;
    assert.deepEqual([k.shape, k.type], [[16, 32], 0]);
  } finally {
    g.close();
  }
  const back = readModelGguf(file);
  assert.deepEqual(back.warnings, []);
  assert.deepEqual(back.config, model.config);
  for (const [n, t] of model.namedParameters()) assert.deepEqual(back.model.stateDict().get(n)!.toArray(), t.toArray(), `${n} bit-exact`);
  const tok2 = new BpeTokenizer(parseHfTokenizerJson(back.tokenizerJson!, 'from-gguf'));
  const text = 'Once upon a time, Tom and Max ran to the river. <|endoftext|> The end!';
  assert.deepEqual(tok2.encode(text, { policy: 'allow' }), tok.encode(text, { policy: 'allow' }));
});

test('GPT-2 F16: 2-D weights rounded to half (norms and biases F32), positions and tied head kept', () => {
  const { model, tok } = fixtureModel('hf_gpt2_tiny');
  const file = join(tmp(), 'gpt2.gguf');
  writeModelGguf(model, file, { tokenizer: tok, dtype: 'F16' });
  const g = openGguf(file);
  const types = new Map(g.tensors.map((t) => [t.name, t.type]));
  g.close();
  assert.equal(types.get('blk.0.attn_qkv.weight'), 1);
  assert.equal(types.get('blk.0.attn_qkv.bias'), 0);
  assert.equal(types.get('position_embd.weight'), 1);
  assert.equal(types.get('output_norm.weight'), 0);
  assert.ok(!types.has('output.weight'), 'tied head: no output.weight');
  const back = readModelGguf(file);
  assert.equal(back.config.arch, 'gpt');
  assert.ok(back.config.arch === 'gpt' && back.config.tie_word_embeddings && back.config.block_size === 32);
  for (const [n, t] of model.namedParameters()) {
    const v = t.toArray();
    const want = t.ndim >= 2 ? decodeFloat16(encodeFloat16(v)) : v;
    assert.deepEqual(back.model.stateDict().get(n)!.toArray(), Float32Array.from(want), `${n}: F16 = round-to-nearest-even of F32`);
  }
});

test('an independent reader (@huggingface/gguf) lists the same metadata and tensors', async () => {
  for (const name of ['hf_llama_gqa', 'hf_gpt2_tiny']) {
    const { model, tok } = fixtureModel(name);
    const file = join(tmp(), `${name}.gguf`);
    writeModelGguf(model, file, { tokenizer: tok, dtype: name === 'hf_gpt2_tiny' ? 'F16' : 'F32' });
    const theirs = await gguf(file, { allowLocalFile: true });
    const ours = openGguf(file);
    try {
      const md = theirs.metadata as Record<string, unknown>;
      assert.equal(md.version, 3);
      assert.equal(Number(md.tensor_count), ours.tensors.length);
      assert.equal(Number(md.kv_count), ours.metadata.size);
      for (const [k, v] of ours.metadata) {
        const t = md[k];
        if (v.type === 'f32') assert.equal(t, Math.fround(v.value), k);
        else if (v.type === 'array') assert.deepEqual(t, v.value, k);
        else assert.equal(typeof t === 'bigint' ? Number(t) : t, v.value, k);
      }
      assert.equal(theirs.tensorInfos.length, ours.tensors.length);
      theirs.tensorInfos.forEach((ti, i) => {
        const o = ours.tensors[i]!;
        assert.equal(ti.name, o.name);
        assert.deepEqual(ti.shape.map(Number), [...o.shape].reverse(), `${o.name}: ggml order (innermost first)`);
        assert.equal(ti.dtype, o.type);
        assert.equal(Number(theirs.tensorDataOffset + ti.offset), o.offset, `${o.name} data offset`);
      });
      const names = new Set(model.namedParameters().map(([n]) => ggufTensorName(model.config, n)));
      for (const n of names) assert.ok(theirs.tensorInfos.some((t) => t.name === n), `${n} listed`);
    } finally {
      ours.close();
    }
  }
});

/** Q8_0 the way ggml's quantize_row_q8_0_ref does it, written independently: bytes and dequantised values. */
function quantizeQ8(x: ArrayLike<number>): { bytes: Buffer; values: Float32Array } {
  const n = x.length, bytes = Buffer.alloc((n / 32) * 34), values = new Float32Array(n);
  for (let b = 0; b < n / 32; b++) {
    let amax = 0;
    for (let j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[b * 32 + j]!));
    const d = Math.fround(amax / 127), id = d === 0 ? 0 : Math.fround(1 / d);
    const bits = toFloat16Bits(d), dh = decodeFloat16(Uint16Array.of(bits))[0]!;
    bytes.writeUInt16LE(bits, b * 34);
    for (let j = 0; j < 32; j++) {
      const v = Math.fround(x[b * 32 + j]! * id);
      const q = (v < 0 ? -Math.round(-v) : Math.round(v)) || 0; // roundf: half away from zero (no -0 in int8)
      bytes.writeInt8(q, b * 34 + 2 + j);
      values[b * 32 + j] = dh * q;
    }
  }
  return { bytes, values };
}

test('Q8_0: written as ggml quantises (bytes checked), read back as d·q exactly; rows not a multiple of 32 fall back to F16', () => {
  const { model, tok } = fixtureModel('hf_llama_gqa');
  const file = join(tmp(), 'q8.gguf');
  writeModelGguf(model, file, { tokenizer: tok, dtype: 'Q8_0' });
  const sd = model.stateDict();
  const g = openGguf(file);
  try {
    assert.equal(g.get('general.file_type'), 7);
    assert.equal(g.get('general.quantization_version'), 2);
    const types = new Map(g.tensors.map((t) => [t.name, t.type]));
    assert.deepEqual([types.get('token_embd.weight'), types.get('blk.0.ffn_gate.weight'), types.get('blk.0.ffn_down.weight'), types.get('blk.0.attn_norm.weight')], [8, 8, 1, 0]);
    for (const [gname, ours] of [['token_embd.weight', 'model.embed_tokens.weight'], ['blk.0.ffn_gate.weight', 'model.layers.0.mlp.gate_proj.weight']]) {
      const want = quantizeQ8(sd.get(ours!)!.toArray());
      const info = g.tensors.find((t) => t.name === gname)!;
      const raw = readFileSync(file).subarray(info.offset, info.offset + info.byteLength);
      assert.ok(Buffer.compare(raw, want.bytes) === 0, `${gname}: Q8_0 bytes as ggml writes them`);
      assert.deepEqual(g.read(gname!).toArray(), want.values, `${gname}: dequantised d·q`);
    }
  } finally {
    g.close();
  }
  const back = readModelGguf(file);
  assert.deepEqual(back.model.stateDict().get('model.embed_tokens.weight')!.toArray(), quantizeQ8(sd.get('model.embed_tokens.weight')!.toArray()).values);
  const down = sd.get('model.layers.0.mlp.down_proj.weight')!.toArray();
  assert.deepEqual(back.model.stateDict().get('model.layers.0.mlp.down_proj.weight')!.toArray(), decodeFloat16(encodeFloat16(down)));
});

test('malformed GGUF files: errors name the file, the tensor and the offset', () => {
  const { model } = fixtureModel('hf_llama_tied');
  const dir = tmp();
  const good = join(dir, 'good.gguf');
  writeModelGguf(model, good, { tokenizer: null });
  const bytes = readFileSync(good);
  const bad = join(dir, 'bad.gguf');
  writeFileSync(bad, Buffer.concat([Buffer.from('GGUX'), bytes.subarray(4)]));
  assert.throws(() => openGguf(bad), /bad\.gguf: not a GGUF file \(magic 0x58554747, expected "GGUF"\) \(at byte offset 0\)/);
  // a tensor of an unknown (quantised) type: patch blk.0.attn_q.weight's type field to 12 (Q4_K)
  const g = openGguf(good);
  const info = g.tensors.find((t) => t.name === 'blk.0.attn_q.weight')!;
  g.close();
  const nameAt = bytes.indexOf(Buffer.from('blk.0.attn_q.weight'));
  const typeAt = nameAt + 'blk.0.attn_q.weight'.length + 4 + 8 * info.shape.length;
  const patched = Buffer.from(bytes);
  patched.writeUInt32LE(12, typeAt);
  writeFileSync(bad, patched);
  assert.throws(() => openGguf(bad).read('blk.0.attn_q.weight'), /bad\.gguf: tensor 'blk\.0\.attn_q\.weight' has ggml type 12 \(Q4_K\), which lmforge cannot read \(supported: F32, F16, Q8_0\)/);
  assert.throws(() => readModelGguf(bad), /tensor 'blk\.0\.attn_q\.weight' has ggml type 12 \(Q4_K\)/);
  // truncated: the last tensor's data runs past the end
  writeFileSync(bad, bytes.subarray(0, bytes.length - 100));
  assert.throws(() => openGguf(bad), /bad\.gguf: tensor '.+' \(F32, shape \[.+\]\) needs bytes \d+\.\.\d+, the file has \d+ \(truncated\)/);
  truncateSync(bad, 40);
  assert.throws(() => openGguf(bad), /bad\.gguf: metadata key 0: string length \d+ runs past the end of the file|unexpected end of file/);
  // an architecture we do not know, and a missing tensor
  const md = new Map<string, GgufValue>([['general.architecture', { type: 'string', value: 'mamba' }]]);
  writeGguf(bad, md, [{ name: 'token_embd.weight', tensor: new Tensor(new Float32Array(8), [2, 4]), type: 'F32' }]);
  assert.throws(() => readModelGguf(bad), /bad\.gguf: unsupported architecture 'mamba' \(supported: llama, gpt2\)/);
  const g3 = openGguf(good);
  const md3 = g3.metadata;
  const ts = g3.tensors.filter((t) => t.name !== 'blk.0.ffn_up.weight').map((t) => ({ name: t.name, tensor: g3.read(t.name), type: 'F32' as const }));
  g3.close();
  writeGguf(bad, md3, ts);
  assert.throws(() => readModelGguf(bad), /bad\.gguf: tensors do not match a llama model: missing \(1\): blk\.0\.ffn_up\.weight/);
});
