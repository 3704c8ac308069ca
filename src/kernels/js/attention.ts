// Multi-head scaled dot-product attention, reference form: for each query row, scores over the
// visible keys, softmax, weighted sum of values. Only the row log-sum-exp is saved; backward
// recomputes the probabilities (the FlashAttention recipe, Dao et al. 2022), so the (T, S) score
// matrix never has to exist for the whole batch.
import type { F } from '../abi.js';

/** Index range of keys query t may see: [0, end), minus padded keys. */
function visibleEnd(t: number, T: number, S: number, causal: boolean): number {
  return causal ? Math.min(S, S - T + t + 1) : S;
}

export function attentionForward(B: number, NH: number, NKV: number, T: number, S: number, HS: number, q: F, k: F, v: F,
  causal: boolean, keyMask: Int32Array | null, scale: number, out: F, lse: F): void {
  const group = NH / NKV;
  const p = new Float64Array(S);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < NH; h++) {
      const kvh = Math.floor(h / group);
      const qBase = ((b * NH + h) * T) * HS;
      const kBase = ((b * NKV + kvh) * S) * HS;
      for (let t = 0; t < T; t++) {
        const qo = qBase + t * HS;
        const end = visibleEnd(t, T, S, causal);
        let mx = -Infinity;
        for (let s = 0; s < end; s++) {
          if (keyMask && keyMask[b * S + s] === 0) { p[s] = -Infinity; continue; }
          let d = 0;
          const ko = kBase + s * HS;
          for (let i = 0; i < HS; i++) d += q[qo + i]! * k[ko + i]!;
          p[s] = d * scale;
          if (p[s]! > mx) mx = p[s]!;
        }
        const oo = qBase + t * HS;
        for (let i = 0; i < HS; i++) out[oo + i] = 0;
        const row = (b * NH + h) * T + t;
        if (mx === -Infinity) { lse[row] = -Infinity; continue; }
        let sum = 0;
        for (let s = 0; s < end; s++) { p[s] = Math.exp(p[s]! - mx); sum += p[s]!; }
        for (let s = 0; s < end; s++) {
          const w = p[s]! / sum;
          if (w === 0) continue;
          const vo = kBase + s * HS;
          for (let i = 0; i < HS; i++) out[oo + i] += w * v[vo + i]!;
        }
        lse[row] = mx + Math.log(sum);
      }
    }
  }
}

export function attentionBackward(B: number, NH: number, NKV: number, T: number, S: number, HS: number, q: F, k: F, v: F,
  causal: boolean, keyMask: Int32Array | null, scale: number, out: F, lse: F, g: F, gq: F | null, gk: F | null, gv: F | null): void {
  const group = NH / NKV;
  const p = new Float64Array(S);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < NH; h++) {
      const kvh = Math.floor(h / group);
      const qBase = ((b * NH + h) * T) * HS;
      const kBase = ((b * NKV + kvh) * S) * HS;
      for (let t = 0; t < T; t++) {
        const row = (b * NH + h) * T + t;
        const l = lse[row]!;
        if (l === -Infinity) continue;
        const qo = qBase + t * HS;
        const end = visibleEnd(t, T, S, causal);
        // D = Σ_s p_s (g·v_s) = g·out
        let D = 0;
        for (let i = 0; i < HS; i++) D += g[qo + i]! * out[qo + i]!;
        for (let s = 0; s < end; s++) {
          if (keyMask && keyMask[b * S + s] === 0) continue;
          const ko = kBase + s * HS;
          let d = 0;
          for (let i = 0; i < HS; i++) d += q[qo + i]! * k[ko + i]!;
          const ps = Math.exp(d * scale - l);
          p[s] = ps;
          let dp = 0;
          for (let i = 0; i < HS; i++) dp += g[qo + i]! * v[ko + i]!;
          if (gv) for (let i = 0; i < HS; i++) gv[ko + i] += ps * g[qo + i]!;
          const ds = ps * (dp - D) * scale;
          if (gq) for (let i = 0; i < HS; i++) gq[qo + i] += ds * k[ko + i]!;
          if (gk) for (let i = 0; i < HS; i++) gk[ko + i] += ds * q[qo + i]!;
        }
      }
    }
  }
}
