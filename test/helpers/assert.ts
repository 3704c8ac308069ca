// Test helpers: element-wise closeness with the max difference printed on failure.
import assert from 'node:assert/strict';
import type { Tensor } from '../../src/tensor/tensor.js';

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (Number.isNaN(d)) { if (!(Number.isNaN(a[i]!) && Number.isNaN(b[i]!))) return NaN; continue; }
    if (d > m) m = d;
  }
  return m;
}

/** Assert |a − b| ≤ atol + rtol·|b| everywhere; the message names the worst element. */
export function assertClose(actual: ArrayLike<number> | Tensor, expected: ArrayLike<number> | Tensor, atol: number, rtol = 0, what = ''): void {
  const a = 'toArray' in actual ? (actual as Tensor).toArray() : actual as ArrayLike<number>;
  const b = 'toArray' in expected ? (expected as Tensor).toArray() : expected as ArrayLike<number>;
  assert.equal(a.length, b.length, `${what}: length ${a.length} vs ${b.length}`);
  let worst = -1, worstExcess = 0, maxd = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!, y = b[i]!;
    if (Number.isNaN(x) && Number.isNaN(y)) continue;
    const d = Math.abs(x - y);
    if (!(d <= maxd)) maxd = d;
    const excess = d - (atol + rtol * Math.abs(y));
    if (!(excess <= 0) && (worst < 0 || !(excess <= worstExcess))) { worst = i; worstExcess = excess; }
  }
  if (worst >= 0) {
    assert.fail(`${what}: max |diff| ${maxd} exceeds atol ${atol} + rtol ${rtol}·|expected|; worst at ${worst}: ${a[worst]} vs ${b[worst]}`);
  }
}
