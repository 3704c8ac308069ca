// Helpers for AttentionLayout (abi.ts): the dense default, and the element extent a layout reaches (for
// bounds checks). Shared by the JS reference kernel, the attention op and the parity tests.
import type { AttentionLayout } from './abi.js';

/** Index of each operand's group of 4 in an AttentionLayout. */
export const ATT = { q: 0, k: 1, v: 2, out: 3, g: 4, gq: 5, gk: 6, gv: 7 } as const;

/**
 * The layout of dense arrays: q, out, g, gq are (B, NH, T, HS); k, v, gk, gv are (B, NKV, S, HS).
 * @example denseAttentionLayout(2, 4, 4, 8, 8, 16).slice(0, 4) // [0, 512, 128, 16]
 */
export function denseAttentionLayout(B: number, NH: number, NKV: number, T: number, S: number, HS: number): number[] {
  void B;
  const qg = [0, NH * T * HS, T * HS, HS], kg = [0, NKV * S * HS, S * HS, HS];
  return [...qg, ...kg, ...kg, ...qg, ...qg, ...qg, ...kg, ...kg];
}

/**
 * One past the last element operand `which` (0..7, see ATT) touches: offset + Σ (dim − 1)·stride + HS.
 * @example layoutExtent(denseAttentionLayout(1, 2, 2, 3, 3, 4), ATT.q, 1, 2, 3, 4) // 24
 */
export function layoutExtent(layout: AttentionLayout, which: number, B: number, H: number, rows: number, HS: number): number {
  if (B === 0 || H === 0 || rows === 0 || HS === 0) return 0;
  const [off, sb, sh, st] = layout.slice(4 * which, 4 * which + 4) as [number, number, number, number];
  return off + (B - 1) * sb + (H - 1) * sh + (rows - 1) * st + HS;
}
