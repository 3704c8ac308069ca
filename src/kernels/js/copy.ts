// Strided copies: the engine of contiguous(), concat and the backward of every view op.
import type { Storage } from '../../tensor/dtype.js';
import type { F } from '../abi.js';

/** Calls visit(srcIndex, linearIndex) for every element of `shape`, row-major. */
function forEachStrided(shape: readonly number[], off: number, strides: readonly number[], visit: (si: number, li: number) => void): void {
  const rank = shape.length;
  let n = 1;
  for (const d of shape) n *= d;
  if (n === 0) return;
  if (rank === 0) { visit(off, 0); return; }
  const idx = new Array<number>(rank).fill(0);
  const last = rank - 1;
  const lastN = shape[last]!, lastS = strides[last]!;
  let li = 0;
  let base = off;
  for (;;) {
    for (let j = 0; j < lastN; j++) visit(base + j * lastS, li++);
    // advance the outer index
    let d = last - 1;
    for (; d >= 0; d--) {
      idx[d]!++;
      base += strides[d]!;
      if (idx[d]! < shape[d]!) break;
      base -= strides[d]! * shape[d]!;
      idx[d] = 0;
    }
    if (d < 0) return;
  }
}

export function stridedCopy(src: Storage, srcOff: number, shape: readonly number[], srcStrides: readonly number[], dst: Storage, dstOff: number): void {
  forEachStrided(shape, srcOff, srcStrides, (si, li) => { dst[dstOff + li] = src[si]!; });
}

export function stridedAccumulate(src: F, shape: readonly number[], dst: F, dstOff: number, dstStrides: readonly number[]): void {
  forEachStrided(shape, dstOff, dstStrides, (di, li) => { dst[di] += src[li]!; });
}

/** Visits three broadcast-strided operands at once (used by binary and where kernels). */
export function forEach3(shape: readonly number[], aOff: number, aS: readonly number[], bOff: number, bS: readonly number[],
  cOff: number, cS: readonly number[], visit: (ai: number, bi: number, ci: number, li: number) => void): void {
  const rank = shape.length;
  let n = 1;
  for (const d of shape) n *= d;
  if (n === 0) return;
  if (rank === 0) { visit(aOff, bOff, cOff, 0); return; }
  const idx = new Array<number>(rank).fill(0);
  const last = rank - 1;
  const lastN = shape[last]!, la = aS[last]!, lb = bS[last]!, lc = cS[last]!;
  let a = aOff, b = bOff, c = cOff, li = 0;
  for (;;) {
    for (let j = 0; j < lastN; j++) visit(a + j * la, b + j * lb, c + j * lc, li++);
    let d = last - 1;
    for (; d >= 0; d--) {
      idx[d]!++;
      a += aS[d]!; b += bS[d]!; c += cS[d]!;
      if (idx[d]! < shape[d]!) break;
      a -= aS[d]! * shape[d]!; b -= bS[d]! * shape[d]!; c -= cS[d]! * shape[d]!;
      idx[d] = 0;
    }
    if (d < 0) return;
  }
}
