// Helpers of the native-vs-JS parity tests: the native kernels (or a clear reason they are missing),
// seeded random float32 inputs with float64 copies for the reference, and closeness checks that
// print the largest difference. The JS reference runs in float64 on the same (float32) values.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Kernels } from '../../src/kernels/abi.js';
import { jsKernels } from '../../src/kernels/js/index.js';
import { loadNative, nativeError, type NativeInfo } from '../../src/kernels/native/loader.js';
import { Rng } from '../../src/tensor/rng.js';

export const js: Kernels = jsKernels;
const info: NativeInfo | null = loadNative(jsKernels);
export const native: NativeInfo | null = info;

/**
 * Registers `body` when the native addon is loaded. Without it: with LMFORGE_BACKEND=native a failing
 * test (the addon must exist), otherwise one test asserting and reporting that native is unavailable.
 */
export function nativeSuite(name: string, body: (nk: Kernels, info: NativeInfo) => void): void {
  if (info) { body(info.kernels, info); return; }
  if (process.env.LMFORGE_BACKEND === 'native') {
    test(`${name}: native addon required by LMFORGE_BACKEND=native`, () => assert.fail(`native addon unavailable: ${nativeError()}`));
    return;
  }
  test(`${name}: native backend unavailable (${nativeError()}); parity not checked, JS backend in use`, () => {
    assert.match(nativeError(), /not built|failed to load|stale build/);
  });
}

export const rng = new Rng(1234);

/** n float32 values ~ N(0, scale²) (plus `shift`). */
export function randn32(n: number, scale = 1, shift = 0): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.normal() * scale + shift;
  return a;
}

export function uniform32(n: number, lo: number, hi: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * rng.uniform();
  return a;
}

export function randint32(n: number, lo: number, hi: number): Int32Array {
  const a = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.randint(lo, hi);
  return a;
}

/** The float64 copy the reference kernel runs on (same values as the float32 input). */
export const f64 = (a: Float32Array): Float64Array => Float64Array.from(a);
export const copy32 = (a: Float32Array): Float32Array => a.slice();

/**
 * |actual − expected| ≤ atol + rtol·|expected| per element (NaN must match NaN, ±Inf must match);
 * on failure the message names the case, the max |diff| and the worst element.
 */
export function close(actual: ArrayLike<number>, expected: ArrayLike<number>, atol: number, rtol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length ${actual.length} vs ${expected.length}`);
  let worst = -1, worstEx = 0, maxd = 0;
  for (let i = 0; i < actual.length; i++) {
    const x = actual[i]!, y = expected[i]!;
    if (Number.isNaN(y) || !Number.isFinite(y)) {
      if (!Object.is(x, y) && !(Number.isNaN(x) && Number.isNaN(y))) { worst = i; worstEx = Infinity; break; }
      continue;
    }
    const d = Math.abs(x - y);
    if (!(d <= maxd)) maxd = d;
    const ex = d - (atol + rtol * Math.abs(y));
    if (!(ex <= 0) && (worst < 0 || !(ex <= worstEx))) { worst = i; worstEx = ex; }
  }
  if (worst >= 0) {
    assert.fail(`${what}: max |diff| ${maxd} exceeds atol ${atol} + rtol ${rtol}·|ref|; worst at [${worst}]: native ${actual[worst]} vs ref ${expected[worst]}`);
  }
}

/** |actual − expected| ≤ tol · bound[i] per element (bound: e.g. Σ|a·b| of a dot product); NaN matches NaN. */
export function closeBound(actual: ArrayLike<number>, expected: ArrayLike<number>, bound: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length ${actual.length} vs ${expected.length}`);
  let worst = -1, worstRatio = 0, maxd = 0;
  for (let i = 0; i < actual.length; i++) {
    if (Number.isNaN(actual[i]!) && Number.isNaN(expected[i]!)) continue;
    const d = Math.abs(actual[i]! - expected[i]!);
    if (!(d <= maxd)) maxd = d;
    const r = d / (tol * bound[i]! + 1e-30);
    if (!(r <= 1) && (worst < 0 || !(r <= worstRatio))) { worst = i; worstRatio = r; }
  }
  if (worst >= 0) {
    assert.fail(`${what}: max |diff| ${maxd}; at [${worst}] native ${actual[worst]} vs ref ${expected[worst]} exceeds ${tol}·${bound[worst]} (×${worstRatio.toPrecision(3)})`);
  }
}

/** Runs `fn` once per pool size (1, 2 and 3 threads: 3 > cores exercises uneven splits), then restores it. */
export function eachThreads(nat: NativeInfo, fn: (threads: number) => void): void {
  const addon = nat.addon as { setThreads: (n: number) => void; getThreads: () => number };
  const prev = addon.getThreads();
  try {
    for (const t of [1, 2, 3]) { addon.setThreads(t); fn(t); }
  } finally {
    addon.setThreads(prev);
  }
}
