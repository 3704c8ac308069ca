// Rotary position embeddings (RoPE, Su et al. 2021) as one op, in Hugging Face's rotate-half layout
// (dimension i pairs with i + HS/2), plus the row permutations between that layout and the Meta/GGUF
// interleaved one (pairs (2i, 2i+1)) applied to q/k projection weights (FACTS §3.5).
import { Tensor, zeros } from '../tensor/tensor.js';
import { allocate, type DType, type FloatArray } from '../tensor/dtype.js';
import { fmtShape } from '../tensor/shape.js';
import { gradOf, record } from '../autograd/tape.js';
import { assertFloat, K } from './util.js';
import { contiguous } from './view.js';

export interface RopeOptions {
  /** Base of the frequencies θ_i = theta^(−2i/HS) (Llama 1/2: 10000; HF `rope_theta`). */
  theta?: number;
  /** Position of the first of the T rows (the KV cache length during incremental decoding). */
  offset?: number;
}

interface Tables { cos: FloatArray; sin: FloatArray; positions: number }
const tables = new Map<string, Tables>();

/**
 * cos/sin of angle pos·θ_i for positions [offset, offset + T), i < HS/2, as (T, HS/2) arrays.
 * Computed in float64 (then stored in `dtype`) and cached per (theta, HS, dtype), grown on demand.
 * @example const { cos, sin } = ropeTables(16, 64, 10000, 0, 'float32');
 */
export function ropeTables(T: number, HS: number, theta: number, offset: number, dtype: DType = 'float32'): { cos: FloatArray; sin: FloatArray } {
  if (dtype === 'int32') throw new Error('ropeTables: dtype must be float32 or float64');
  const h = HS / 2, key = `${theta}:${HS}:${dtype}`;
  let tb = tables.get(key);
  const need = offset + T;
  if (!tb || tb.positions < need) {
    const positions = Math.max(need, tb ? tb.positions * 2 : 64);
    const cos = allocate(dtype, positions * h) as FloatArray, sin = allocate(dtype, positions * h) as FloatArray;
    for (let i = 0; i < h; i++) {
      const invFreq = 1 / Math.pow(theta, (2 * i) / HS);
      for (let p = 0; p < positions; p++) {
        const a = p * invFreq;
        cos[p * h + i] = Math.cos(a);
        sin[p * h + i] = Math.sin(a);
      }
    }
    tables.set(key, (tb = { cos, sin, positions }));
  }
  return { cos: tb.cos.subarray(offset * h, need * h), sin: tb.sin.subarray(offset * h, need * h) };
}

/**
 * Rotate q or k by their positions (HF rotate-half layout): out = x·cos + rotate_half(x)·sin.
 * @param x (B, H, T, HS) with HS even; positions run from opts.offset (default 0).
 * @example const q2 = rope(q, { theta: 10000, offset: cache.length });
 */
export function rope(xIn: Tensor, opts: RopeOptions = {}): Tensor {
  assertFloat('rope', xIn);
  if (xIn.ndim !== 4) throw new Error(`rope: input must be (B, H, T, HS), got ${fmtShape(xIn.shape)}`);
  const [B, H, T, HS] = xIn.shape as [number, number, number, number];
  if (HS % 2 !== 0) throw new Error(`rope: head size must be even, got ${HS} in ${fmtShape(xIn.shape)}`);
  const theta = opts.theta ?? 10000, offset = opts.offset ?? 0;
  if (!(theta > 0)) throw new Error(`rope: theta must be > 0, got ${theta}`);
  if (!Number.isInteger(offset) || offset < 0) throw new Error(`rope: offset must be a non-negative integer, got ${offset}`);
  const x = contiguous(xIn);
  const { cos, sin } = ropeTables(T, HS, theta, offset, x.dtype);
  const out = zeros(x.shape, { dtype: x.dtype });
  const R = B * H;
  K(x).ropeForward(R, T, HS, x.fbuffer(), cos, sin, out.fbuffer());
  return record(out, 'rope', [x], (g) => {
    K(x).ropeBackward(R, T, HS, cos, sin, g, gradOf(x));
  });
}

/** Permute the rows of a (nHeads·HS, ...) tensor head by head: new row j·half + i ← old row map(i, j). */
function permuteRows(w: Tensor, nHeads: number, toInterleaved: boolean, what: string): Tensor {
  const rows = w.shape[0] ?? 0;
  if (w.ndim < 1 || nHeads <= 0 || rows % nHeads !== 0 || (rows / nHeads) % 2 !== 0) {
    throw new Error(`${what}: ${fmtShape(w.shape)} cannot be split into ${nHeads} heads of even size`);
  }
  const src = contiguous(w).buffer();
  const cols = rows === 0 ? 0 : w.size / rows, HS = rows / nHeads, half = HS / 2;
  const out = allocate(w.dtype, w.size);
  for (let hd = 0; hd < nHeads; hd++) {
    for (let i = 0; i < half; i++) {
      for (let j = 0; j < 2; j++) {
        const hf = hd * HS + j * half + i, meta = hd * HS + 2 * i + j; // rotate-half row ↔ interleaved row
        const [from, to] = toInterleaved ? [hf, meta] : [meta, hf];
        out.set(src.subarray(from * cols, (from + 1) * cols) as never, to * cols);
      }
    }
  }
  return new Tensor(out, w.shape);
}

/**
 * HF (rotate-half) q/k weight rows → Meta/GGUF interleaved rows, as llama.cpp's converter does:
 * `w.reshape(nHeads, 2, HS/2, ...).swapaxes(1, 2)`. Use nHeads = num_key_value_heads for k_proj.
 * @example const wq = ropeHfToInterleaved(q_proj.weight, 32);
 */
export function ropeHfToInterleaved(w: Tensor, nHeads: number): Tensor {
  return permuteRows(w, nHeads, true, 'ropeHfToInterleaved');
}

/**
 * Meta/GGUF interleaved q/k weight rows → HF rotate-half rows (HF's convert_llama_weights_to_hf
 * `permute`: `w.view(nHeads, HS/2, 2, dim).transpose(1, 2)`). Inverse of ropeHfToInterleaved.
 */
export function ropeInterleavedToHf(w: Tensor, nHeads: number): Tensor {
  return permuteRows(w, nHeads, false, 'ropeInterleavedToHf');
}
