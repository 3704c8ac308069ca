// Fused multi-head causal attention, tiled as FlashAttention-2 (Dao 2023) on CPU: per (b, head) task,
// K and V are packed once as GEMM panels; query blocks of BR rows stream key chunks of BC keys with
// an online softmax, so only a BR×BC score tile exists. GQA, causal offset (T < S), key padding
// mask and fully-masked rows follow src/kernels/js/attention.ts. Backward recomputes P from lse.
// Operands are read and written through per-operand (batch, head, row) strides (lf_attn_args.st): GPT-2's
// packed (B, T, 3C) q|k|v and (B, T, C) output, or a KV cache of capacity maxT, without copies. A few query
// rows (decoding) skip the packing: attention_decode.c.
#include "gemm.h"
#include <math.h>
#include <string.h>

#define BR (MR * (48 / MR))
#define BC 128

static size_t rup(size_t x, size_t m) { return (x + m - 1) / m * m; }

typedef struct { const lf_attn_args *a; size_t groups, qb_per_group; } attn_job;

/* keys [0, end) that query row t may see, before the padding mask */
static size_t visible_end(const lf_attn_args *a, size_t t) {
  if (!a->causal) return a->S;
  ptrdiff_t e = (ptrdiff_t)a->S - (ptrdiff_t)a->T + (ptrdiff_t)t + 1;
  return e < 0 ? 0 : (size_t)e < a->S ? (size_t)e : a->S;
}

/* Sets the masked scores of a br×bc tile (rows t0.., keys c0..) to -inf. */
static void mask_tile(const lf_attn_args *a, size_t b, size_t t0, size_t br, size_t c0, size_t bc, float *Sb) {
  const int32_t *km = a->mask ? a->mask + b * a->S + c0 : NULL;
  for (size_t r = 0; r < br; r++) {
    size_t end = visible_end(a, t0 + r);
    float *row = Sb + r * BC;
    size_t lim = end > c0 ? (end - c0 < bc ? end - c0 : bc) : 0;
    for (size_t s = lim; s < bc; s++) row[s] = -INFINITY;
    if (km) for (size_t s = 0; s < lim; s++) if (km[s] == 0) row[s] = -INFINITY;
  }
}

static void attn_fwd_task(void *ctx, size_t task, int tid) {
  const attn_job *j = ctx;
  const lf_attn_args *a = j->a;
  size_t HS = a->HS, T = a->T, S = a->S;
  size_t bh = task / j->groups, grp = task % j->groups;
  size_t b = bh / a->NH, h = bh % a->NH, kvh = h / (a->NH / a->NKV);
  size_t nqb = (T + BR - 1) / BR;
  size_t qb0 = grp * j->qb_per_group, qb1 = qb0 + j->qb_per_group < nqb ? qb0 + j->qb_per_group : nqb;
  if (qb0 >= qb1) return;
  size_t kend = visible_end(a, qb1 * BR - 1 < T - 1 ? qb1 * BR - 1 : T - 1);
  size_t Sp = rup(kend ? kend : 1, NR), HSp = rup(HS, NR);
  const size_t qs = a->st[LF_AQ][2], ks = a->st[LF_AK][2], vs = a->st[LF_AV][2], os = a->st[LF_AOUT][2];
  const float *q = a->q + b * a->st[LF_AQ][0] + h * a->st[LF_AQ][1];
  const float *k = a->k + b * a->st[LF_AK][0] + kvh * a->st[LF_AK][1], *v = a->v + b * a->st[LF_AV][0] + kvh * a->st[LF_AV][1];
  float *out = a->out + b * a->st[LF_AOUT][0] + h * a->st[LF_AOUT][1], *lse = a->lse + (b * a->NH + h) * T;
  (void)S;
  /* workspace: Kt panels (HS × Sp), V panels (Sp × HSp), Q panels, score tile, P panels, O, m, l */
  float *kt = lf_scratch(tid, LF_SCRATCH_ATT0, (HS * Sp + Sp * HSp) * sizeof(float));
  float *ws = lf_scratch(tid, LF_SCRATCH_ATT1, (BR * HS + BR * BC + BR * BC + BR * HSp + 2 * BR) * sizeof(float));
  if (!kt || !ws) return;
  float *vp = kt + HS * Sp;
  float *qp = ws, *sb = qp + BR * HS, *pp = sb + BR * BC, *ob = pp + BR * BC, *mrow = ob + BR * HSp, *lrow = mrow + BR;
  if (kend > 0) {
    lf_pack_b(1, HS, kend, k, ks, kt);    /* op(B) = Kᵀ: (HS, keys) */
    lf_pack_b(0, kend, HS, v, vs, vp);    /* op(B) = V: (keys, HS), panel stride NR·kend */
  }
  for (size_t qb = qb0; qb < qb1; qb++) {
    size_t t0 = qb * BR, br = T - t0 < BR ? T - t0 : BR;
    size_t cend = visible_end(a, t0 + br - 1);
    lf_pack_a(0, br, HS, q + t0 * qs, qs, qp, a->scale, NULL);
    for (size_t r = 0; r < br; r++) { mrow[r] = -INFINITY; lrow[r] = 0.0f; }
    memset(ob, 0, br * HSp * sizeof(float));
    for (size_t c0 = 0; c0 < cend; c0 += BC) {
      size_t bc = cend - c0 < BC ? cend - c0 : BC;
      lf_macro(br, bc, HS, qp, MR * HS, kt + c0 * HS, NR * HS, sb, BC, 1.0f, 0.0f, NULL);
      if (a->mask || c0 + bc > visible_end(a, t0)) mask_tile(a, b, t0, br, c0, bc, sb);
      for (size_t r = 0; r < br; r++) {
        float *row = sb + r * BC;
        vf mv = vset1(-INFINITY);
        size_t c = 0;
        for (; c + VW <= bc; c += VW) mv = vmax(vload(row + c), mv);
        if (c < bc) mv = vmax(vloadn(row + c, bc - c, -INFINITY), mv);
        float mx = vhmax(mv), mold = mrow[r];
        if (mx < mold) mx = mold;
        if (mx == -INFINITY) { memset(row, 0, bc * sizeof(float)); continue; }
        vf vm = vset1(mx), sum = vzero();
        for (c = 0; c + VW <= bc; c += VW) { vf e = vexp_neg(vsub(vload(row + c), vm)); vstore(row + c, e); sum = vadd(sum, e); }
        if (c < bc) { vf e = vexp_neg(vsub(vloadn(row + c, bc - c, -INFINITY), vm)); vstoren(row + c, e, bc - c); sum = vadd(sum, e); }
        float alpha = mold == -INFINITY ? 0.0f : expf(mold - mx);
        lrow[r] = lrow[r] * alpha + vhsum(sum);
        mrow[r] = mx;
        if (alpha != 1.0f) { float *o = ob + r * HSp; for (size_t i = 0; i < HS; i++) o[i] *= alpha; }
      }
      lf_pack_a(0, br, bc, sb, BC, pp, 1.0f, NULL);
      lf_macro(br, HS, bc, pp, MR * bc, vp + c0 * NR, NR * kend, ob, HSp, 1.0f, 1.0f, NULL);
    }
    for (size_t r = 0; r < br; r++) {
      float *o = out + (t0 + r) * os;
      if (lrow[r] == 0.0f) { memset(o, 0, HS * sizeof(float)); lse[t0 + r] = -INFINITY; continue; }
      float inv = 1.0f / lrow[r];
      for (size_t i = 0; i < HS; i++) o[i] = ob[r * HSp + i] * inv;
      lse[t0 + r] = mrow[r] + logf(lrow[r]);
    }
  }
}

void lf_attn_dense_strides(lf_attn_args *a) {
  for (int i = 0; i < LF_AOPS; i++) {
    int kv = i == LF_AK || i == LF_AV || i == LF_AGK || i == LF_AGV;
    size_t rows = kv ? a->S : a->T, heads = kv ? a->NKV : a->NH;
    a->st[i][2] = a->HS;
    a->st[i][1] = rows * a->HS;
    a->st[i][0] = heads * rows * a->HS;
  }
}

void lf_attention_forward(const lf_attn_args *a) {
  size_t heads = a->B * a->NH, nqb = (a->T + BR - 1) / BR;
  if (heads == 0 || a->T == 0) return;
  if (a->T <= LF_ATTN_DECODE_ROWS) { lf_attention_decode(a); return; }
  int nt = lf_threads_for((double)heads * a->T * a->S * a->HS * 4, 1 << 20);
  size_t groups = 1;
  while (heads * groups < (size_t)nt * 4 && groups < nqb) groups++;
  attn_job j = { a, groups, (nqb + groups - 1) / groups };
  lf_parallel(heads * groups, nt, attn_fwd_task, &j);
}

static void attn_bwd_task(void *ctx, size_t task, int tid) {
  const attn_job *j = ctx;
  const lf_attn_args *a = j->a;
  size_t HS = a->HS, T = a->T, S = a->S, group = a->NH / a->NKV;
  size_t b = task / a->NKV, kvh = task % a->NKV;
  size_t Sp = rup(S ? S : 1, NR), HSp = rup(HS, NR), BCm = rup(BC, MR);
  const size_t (*st)[3] = a->st;
  const float *k = a->k + b * st[LF_AK][0] + kvh * st[LF_AK][1], *v = a->v + b * st[LF_AV][0] + kvh * st[LF_AV][1];
  float *gk = a->gk ? a->gk + b * st[LF_AGK][0] + kvh * st[LF_AGK][1] : NULL;
  float *gv = a->gv ? a->gv + b * st[LF_AGV][0] + kvh * st[LF_AGV][1] : NULL;
  const size_t ks = st[LF_AK][2], vs = st[LF_AV][2], gks = st[LF_AGK][2], gvs = st[LF_AGV][2];
  const size_t qs = st[LF_AQ][2], gs = st[LF_AG][2], os = st[LF_AOUT][2], gqs = st[LF_AGQ][2];
  /* Kᵀ and Vᵀ panels (for S and dP), K as (keys, HS) panels (for dQ); per block: Q and dO as A and B panels */
  float *kt = lf_scratch(tid, LF_SCRATCH_ATT0, (2 * HS * Sp + Sp * HSp) * sizeof(float));
  float *w1 = lf_scratch(tid, LF_SCRATCH_ATT1, (2 * BR * HS + 2 * HSp * BR) * sizeof(float));
  float *w2 = lf_scratch(tid, LF_SCRATCH_ATT2, (3 * BR * BC + 2 * BCm * BR + BR) * sizeof(float));
  if (!kt || !w1 || !w2) return;
  float *vt = kt + HS * Sp, *kv = vt + HS * Sp;
  float *qa = w1, *da = qa + BR * HS, *qbp = da + BR * HS, *dbp = qbp + HSp * BR;
  float *pb = w2, *dsb = pb + BR * BC, *dsa = dsb + BR * BC, *pt = dsa + BR * BC, *dst = pt + BCm * BR, *D = dst + BCm * BR;
  if (a->g_overwrite) {   /* this task's rows of gk, gv and of gq (its query heads) start from zero */
    for (size_t s = 0; s < S; s++) {
      if (gk) memset(gk + s * gks, 0, HS * sizeof(float));
      if (gv) memset(gv + s * gvs, 0, HS * sizeof(float));
    }
    if (a->gq)
      for (size_t h = kvh * group; h < (kvh + 1) * group; h++)
        for (size_t t = 0; t < T; t++) memset(a->gq + b * st[LF_AGQ][0] + h * st[LF_AGQ][1] + t * gqs, 0, HS * sizeof(float));
  }
  if (S > 0) {
    lf_pack_b(1, HS, S, k, ks, kt);
    lf_pack_b(1, HS, S, v, vs, vt);
    if (a->gq) lf_pack_b(0, S, HS, k, ks, kv);
  }
  for (size_t h = kvh * group; h < (kvh + 1) * group; h++) {
    const float *q = a->q + b * st[LF_AQ][0] + h * st[LF_AQ][1], *g = a->g + b * st[LF_AG][0] + h * st[LF_AG][1];
    const float *out = a->out + b * st[LF_AOUT][0] + h * st[LF_AOUT][1], *lse = a->lse + (b * a->NH + h) * T;
    float *gq = a->gq ? a->gq + b * st[LF_AGQ][0] + h * st[LF_AGQ][1] : NULL;
    for (size_t t0 = 0; t0 < T; t0 += BR) {
      size_t br = T - t0 < BR ? T - t0 : BR;
      size_t cend = visible_end(a, t0 + br - 1);
      if (cend == 0) continue;
      lf_pack_a(0, br, HS, q + t0 * qs, qs, qa, a->scale, NULL);
      lf_pack_a(0, br, HS, g + t0 * gs, gs, da, 1.0f, NULL);
      if (gv) lf_pack_b(0, br, HS, g + t0 * gs, gs, dbp);
      if (gk) lf_pack_b(0, br, HS, q + t0 * qs, qs, qbp);
      for (size_t r = 0; r < br; r++) {
        const float *gr = g + (t0 + r) * gs, *orow = out + (t0 + r) * os;
        float d = 0.0f;
        for (size_t i = 0; i < HS; i++) d += gr[i] * orow[i];
        D[r] = d;
      }
      for (size_t c0 = 0; c0 < cend; c0 += BC) {
        size_t bc = cend - c0 < BC ? cend - c0 : BC;
        lf_macro(br, bc, HS, qa, MR * HS, kt + c0 * HS, NR * HS, pb, BC, 1.0f, 0.0f, NULL);
        if (a->mask || c0 + bc > visible_end(a, t0)) mask_tile(a, b, t0, br, c0, bc, pb);
        for (size_t r = 0; r < br; r++) {
          float *row = pb + r * BC;
          float l = lse[t0 + r];
          if (l == -INFINITY) { memset(row, 0, bc * sizeof(float)); continue; }
          vf vl = vset1(l);
          size_t c = 0;
          for (; c + VW <= bc; c += VW) vstore(row + c, vexp_neg(vsub(vload(row + c), vl)));
          if (c < bc) vstoren(row + c, vexp_neg(vsub(vloadn(row + c, bc - c, -INFINITY), vl)), bc - c);
        }
        if (gv) {   /* dV[c0:] += Pᵀ · dO */
          lf_pack_a(1, bc, br, pb, BC, pt, 1.0f, NULL);
          lf_macro(bc, HS, br, pt, MR * br, dbp, NR * br, gv + c0 * gvs, gvs, 1.0f, 1.0f, NULL);
        }
        if (!gq && !gk) continue;
        /* dP = dO · Vᵀ; dS = P ⊙ (dP − D) · scale */
        lf_macro(br, bc, HS, da, MR * HS, vt + c0 * HS, NR * HS, dsb, BC, 1.0f, 0.0f, NULL);
        vf sc = vset1(a->scale);
        for (size_t r = 0; r < br; r++) {
          float *dr = dsb + r * BC;
          const float *pr = pb + r * BC;
          vf vd = vset1(D[r]);
          size_t c = 0;
          for (; c + VW <= bc; c += VW) vstore(dr + c, vmul(vmul(vload(pr + c), vsub(vload(dr + c), vd)), sc));
          for (; c < bc; c++) dr[c] = pr[c] * (dr[c] - D[r]) * a->scale;
        }
        if (gk) {   /* dK[c0:] += dSᵀ · Q */
          lf_pack_a(1, bc, br, dsb, BC, dst, 1.0f, NULL);
          lf_macro(bc, HS, br, dst, MR * br, qbp, NR * br, gk + c0 * gks, gks, 1.0f, 1.0f, NULL);
        }
        if (gq) {   /* dQ[t0:] += dS · K[c0:] */
          lf_pack_a(0, br, bc, dsb, BC, dsa, 1.0f, NULL);
          lf_macro(br, HS, bc, dsa, MR * bc, kv + c0 * NR, NR * S, gq + t0 * gqs, gqs, 1.0f, 1.0f, NULL);
        }
      }
    }
  }
}

void lf_attention_backward(const lf_attn_args *a) {
  size_t tasks = a->B * a->NKV;
  if (tasks == 0 || a->T == 0 || a->S == 0) return;
  int nt = lf_threads_for((double)a->B * a->NH * a->T * a->S * a->HS * 10, 1 << 20);
  attn_job j = { a, 1, 0 };
  lf_parallel(tasks, nt, attn_bwd_task, &j);
}
