// Helpers shared by ops: kernel lookup by dtype and argument validation with clear messages.
import type { Kernels } from '../kernels/abi.js';
import { kernelsFor } from '../kernels/backend.js';
import { Tensor, tensor } from '../tensor/tensor.js';
import { fmtShape } from '../tensor/shape.js';

export function K(t: Tensor): Kernels {
  return kernelsFor(t.dtype);
}

export function assertFloat(op: string, ...ts: (Tensor | null | undefined)[]): void {
  let dt: string | null = null;
  for (const t of ts) {
    if (!t) continue;
    if (t.dtype === 'int32') throw new Error(`${op}: expected a float tensor, got int32 of shape ${fmtShape(t.shape)}`);
    if (dt && t.dtype !== dt) throw new Error(`${op}: dtype mismatch (${dt} vs ${t.dtype} of shape ${fmtShape(t.shape)})`);
    dt = t.dtype;
  }
}

export function assertInt(op: string, t: Tensor, what: string): void {
  if (t.dtype !== 'int32') throw new Error(`${op}: ${what} must be int32, got ${t.dtype} of shape ${fmtShape(t.shape)}`);
}

/** A number becomes a 0-d tensor of the other operand's dtype. */
export function asTensor(x: Tensor | number, like: Tensor): Tensor {
  return typeof x === 'number' ? tensor([x], { dtype: like.dtype === 'int32' ? 'float32' : like.dtype, shape: [] }) : x;
}
