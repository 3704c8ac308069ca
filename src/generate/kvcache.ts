// KV cache for incremental decoding: per layer, keys and values of every position seen so far
// in preallocated (B, NKV, maxT, HS) buffers; attention reads the first `length` positions in place
// (narrow views whose head stride is maxT·HS: the attention kernels take strides, nothing is copied).
import { Tensor, zeros } from '../tensor/tensor.js';
import { fmtShape } from '../tensor/shape.js';
import { contiguous, narrow } from '../ops/view.js';

export class KVCache {
  /** Number of positions already stored (the position of the next token). */
  length = 0;
  private k: Tensor[] = [];
  private v: Tensor[] = [];

  constructor(readonly nLayer: number, readonly B: number, readonly NKV: number, readonly maxT: number, readonly HS: number) {
    for (let i = 0; i < nLayer; i++) {
      this.k.push(zeros([B, NKV, maxT, HS]));
      this.v.push(zeros([B, NKV, maxT, HS]));
    }
  }

  /** Write k, v (B, NKV, T, HS) at positions [length, length+T) of `layer`; returns (B, NKV, length+T, HS) views. */
  append(layer: number, k: Tensor, v: Tensor): [Tensor, Tensor] {
    if (k.requiresGrad || v.requiresGrad) throw new Error('KVCache: the cache is for inference; run generation under noGrad()');
    const [B, NKV, T, HS] = k.shape as [number, number, number, number];
    if (B !== this.B || NKV !== this.NKV || HS !== this.HS) throw new Error(`KVCache: expected (${this.B}, ${this.NKV}, T, ${this.HS}), got ${fmtShape(k.shape)}`);
    const S = this.length + T;
    if (S > this.maxT) throw new Error(`KVCache: ${S} positions exceed the cache size ${this.maxT}`);
    const put = (dst: Tensor, src: Tensor): void => {
      const s = contiguous(src).fbuffer(); // (B, NKV, T, HS): the new rows, usually strided head views of qkv
      const d = dst.data;
      for (let b = 0; b < B; b++) {
        for (let h = 0; h < NKV; h++) {
          const from = ((b * NKV + h) * T) * HS;
          const to = ((b * NKV + h) * this.maxT + this.length) * HS;
          d.set(s.subarray(from, from + T * HS) as never, to);
        }
      }
    };
    put(this.k[layer]!, k);
    put(this.v[layer]!, v);
    return [narrow(this.k[layer]!, 2, 0, S), narrow(this.v[layer]!, 2, 0, S)];
  }

  /** Called once per forward after every layer appended T positions. */
  advance(T: number): void {
    this.length += T;
  }

  /** Forget everything (reuse the buffers for a new sequence). */
  reset(): void {
    this.length = 0;
  }
}
