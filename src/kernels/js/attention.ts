// Multi-head scaled dot-product attention, reference form: for each query row, scores over the
// visible keys, softmax, weighted sum of values. Only the row log-sum-exp is saved; backward
// recomputes the probabilities (the FlashAttention recipe, Dao et al. 2022), so the (T, S) score
// matrix never has to exist for the whole batch. Operands are addressed through an AttentionLayout.
import type { AttentionLayout, F } from '../abi.js';
import { denseAttentionLayout } from '../attention_layout.js';

/** Index range of keys query t may see: [0, end), minus padded keys. */
function visibleEnd(t: number, T: number, S: number, causal: boolean): number {
  return causal ? Math.min(S, S - T + t + 1) : S;
}

/** Start of row `r` of head `h`, batch `b` of operand `i` (ATT index) in layout L. */
function at(L: AttentionLayout, i: number, b: number, h: number, r: number): number {
  return L[4 * i]! + b * L[4 * i + 1]! + h * L[4 * i + 2]! + r * L[4 * i + 3]!;
}

export function attentionForward(B: number, NH: number, NKV: number, T: number, S: number, HS: number, q: F, k: F, v: F,
  causal: boolean, keyMask: Int32Array | null, scale: number, out: F, lse: F, layout?: AttentionLayout | null): void {
  const L = layout ?? denseAttentionLayout(B, NH, NKV, T, S, HS);
  const group = NH / NKV;
  const p = new Float64Array(S);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < NH; h++) {
      const kvh = Math.floor(h / group);
      for (let t = 0; t < T; t++) {
        const qo = at(L, 0, b, h, t);
        const end = visibleEnd(t, T, S, causal);
        let mx = -Infinity;
        for (let s = 0; s < end; s++) {
          if (keyMask && keyMask[b * S + s] === 0) { p[s] = -Infinity; continue; }
          let d = 0;
          const ko = at(L, 1, b, kvh, s);
          for (let i = 0; i < HS; i++) d += q[qo + i]! * k[ko + i]!;
          p[s] = d * scale;
          if (p[s]! > mx) mx = p[s]!;
        }
        const oo = at(L, 3, b, h, t);
        for (let i = 0; i < HS; i++) out[oo + i] = 0;
        const row = (b * NH + h) * T + t;
        if (mx === -Infinity) { lse[row] = -Infinity; continue; }
        let sum = 0;
        for (let s = 0; s < end; s++) { p[s] = Math.exp(p[s]! - mx); sum += p[s]!; }
        for (let s = 0; s < end; s++) {
          const w = p[s]! / sum;
          if (w === 0) continue;
          const vo = at(L, 2, b, kvh, s);
          for (let i = 0; i < HS; i++) out[oo + i] += w * v[vo + i]!;
        }
        lse[row] = mx + Math.log(sum);
      }
    }
  }
}

export function attentionBackward(B: number, NH: number, NKV: number, T: number, S: number, HS: number, q: F, k: F, v: F,
  causal: boolean, keyMask: Int32Array | null, scale: number, out: F, lse: F, g: F, gq: F | null, gk: F | null, gv: F | null,
  layout?: AttentionLayout | null, gOverwrite = false): void {
  const L = layout ?? denseAttentionLayout(B, NH, NKV, T, S, HS);
  const group = NH / NKV;
  if (gOverwrite) {
    for (let b = 0; b < B; b++) {
      if (gq) for (let h = 0; h < NH; h++) for (let t = 0; t < T; t++) gq.fill(0, at(L, 5, b, h, t), at(L, 5, b, h, t) + HS);
      for (let h = 0; h < NKV; h++) for (let s = 0; s < S; s++) {
        if (gk) gk.fill(0, at(L, 6, b, h, s), at(L, 6, b, h, s) + HS);
        if (gv) gv.fill(0, at(L, 7, b, h, s), at(L, 7, b, h, s) + HS);
      }
    }
  }
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < NH; h++) {
      const kvh = Math.floor(h / group);
      for (let t = 0; t < T; t++) {
        const row = (b * NH + h) * T + t;
        const l = lse[row]!;
        if (l === -Infinity) continue;
        const qo = at(L, 0, b, h, t), oo = at(L, 3, b, h, t), go = at(L, 4, b, h, t), gqo = at(L, 5, b, h, t);
        const end = visibleEnd(t, T, S, causal);
        // D = Σ_s p_s (g·v_s) = g·out
        let D = 0;
        for (let i = 0; i < HS; i++) D += g[go + i]! * out[oo + i]!;
        for (let s = 0; s < end; s++) {
          if (keyMask && keyMask[b * S + s] === 0) continue;
          const ko = at(L, 1, b, kvh, s), vo = at(L, 2, b, kvh, s);
          let d = 0;
          for (let i = 0; i < HS; i++) d += q[qo + i]! * k[ko + i]!;
          const ps = Math.exp(d * scale - l);
          let dp = 0;
          for (let i = 0; i < HS; i++) dp += g[go + i]! * v[vo + i]!;
          if (gv) { const o = at(L, 7, b, kvh, s); for (let i = 0; i < HS; i++) gv[o + i] += ps * g[go + i]!; }
          const ds = ps * (dp - D) * scale;
          if (gq) for (let i = 0; i < HS; i++) gq[gqo + i] += ds * k[ko + i]!;
          if (gk) { const o = at(L, 6, b, kvh, s); for (let i = 0; i < HS; i++) gk[o + i] += ds * q[qo + i]!; }
        }
      }
    }
  }
}
