// Scalar closeness asserts for the scaling tests: the message names the quantity, both values and the difference.
import assert from 'node:assert/strict';

/** |actual/expected - 1| <= rtol. */
export function assertRel(actual: number, expected: number, rtol: number, what: string): void {
  const rel = Math.abs(actual / expected - 1);
  if (!(rel <= rtol)) assert.fail(`${what}: ${actual} vs ${expected}, relative difference ${rel.toExponential(3)} > ${rtol}`);
}

/** |actual - expected| <= atol. */
export function assertAbs(actual: number, expected: number, atol: number, what: string): void {
  const d = Math.abs(actual - expected);
  if (!(d <= atol)) assert.fail(`${what}: ${actual} vs ${expected}, |difference| ${d.toExponential(3)} > ${atol}`);
}
