// Data types of tensors: float32 (default), float64 (gradchecks, reference) and int32 (token ids, masks).
import { markAligned, POOL_MIN_ELEMENTS, takePooled } from './pool.js';
import { adviseLargeBuffer, alignedFloat32 } from '../kernels/backend.js';

/** Fresh float32 buffers of this many bytes and more get huge-page advice on the native backend. */
export const LARGE_BUFFER_BYTES = 4 << 20;

export type DType = 'float32' | 'float64' | 'int32';
export type FloatArray = Float32Array | Float64Array;
export type Storage = Float32Array | Float64Array | Int32Array;

/** A zero-filled buffer of n elements (reused from the buffer pool when one is free). */
export function allocate(dtype: DType, n: number): Storage {
  const pooled = takePooled(dtype, n);
  if (pooled) return pooled.fill(0);
  return fresh(dtype, n);
}

/** A buffer of n elements whose contents are undefined (for outputs a kernel overwrites completely). */
export function allocateUninit(dtype: DType, n: number): Storage {
  return takePooled(dtype, n) ?? fresh(dtype, n);
}

function fresh(dtype: DType, n: number): Storage {
  switch (dtype) {
    case 'float32': {
      // pool-sized buffers start on a 64-byte boundary on the native backend (V8's are 16 bytes off one)
      const aligned = n >= POOL_MIN_ELEMENTS ? alignedFloat32(n) : null;
      if (aligned) markAligned(aligned);
      const a = aligned ?? new Float32Array(n);
      if (n * 4 >= LARGE_BUFFER_BYTES) adviseLargeBuffer(a);   // before its pages are first touched
      return a;
    }
    case 'float64': return new Float64Array(n);
    case 'int32': return new Int32Array(n);
  }
}

export function dtypeOf(a: Storage): DType {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  return 'int32';
}

export function isFloat(dtype: DType): boolean {
  return dtype !== 'int32';
}

export function bytesPer(dtype: DType): number {
  return dtype === 'float64' ? 8 : 4;
}
