// Limited-memory BFGS for small smooth(ish) problems: two-loop recursion, strong-Wolfe line search
// (bracketing + bisection/cubic zoom). Follows Nocedal & Wright, Numerical Optimization, Alg. 7.4, 3.5, 3.6;
// stopping rules mirror scipy's L-BFGS-B defaults (ftol 2.2e-9 relative decrease, gtol 1e-5 on max |g|).

/** Objective: returns f(x) and writes the gradient into g. */
export type Objective = (x: Float64Array, g: Float64Array) => number;

/** Options of `lbfgs`. */
export interface LbfgsOptions {
  /** History size (default 10). */
  m?: number;
  /** Iteration limit (default 500). */
  maxIter?: number;
  /** Stop when (f_k - f_{k+1}) / max(|f_k|, |f_{k+1}|, 1) <= ftol (default 2.2e-9). */
  ftol?: number;
  /** Stop when max |g_i| <= gtol (default 1e-5). */
  gtol?: number;
}

/** Result of a minimisation. */
export interface LbfgsResult {
  x: Float64Array;
  f: number;
  iterations: number;
  evaluations: number;
  converged: boolean;
  reason: 'gtol' | 'ftol' | 'maxIter' | 'linesearch' | 'nonfinite';
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

function maxAbs(a: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}

/**
 * Minimise `fn` from `x0`.
 *
 * @example
 * const r = lbfgs((x, g) => { g[0] = 2 * (x[0]! - 3); return (x[0]! - 3) ** 2; }, [0]);
 * r.x[0] // 3
 */
export function lbfgs(fn: Objective, x0: ArrayLike<number>, opts: LbfgsOptions = {}): LbfgsResult {
  const n = x0.length, m = opts.m ?? 10, maxIter = opts.maxIter ?? 500;
  const ftol = opts.ftol ?? 2.2e-9, gtol = opts.gtol ?? 1e-5;
  let x: Float64Array = Float64Array.from(x0), g: Float64Array = new Float64Array(n);
  let evals = 1;
  let f = fn(x, g);
  if (!Number.isFinite(f)) return { x, f, iterations: 0, evaluations: evals, converged: false, reason: 'nonfinite' };
  const S: Float64Array[] = [], Y: Float64Array[] = [], rho: number[] = [];
  const d = new Float64Array(n), alpha = new Float64Array(m);
  for (let it = 0; it < maxIter; it++) {
    if (maxAbs(g) <= gtol) return { x, f, iterations: it, evaluations: evals, converged: true, reason: 'gtol' };
    // two-loop recursion: d = -H g
    for (let i = 0; i < n; i++) d[i] = -g[i]!;
    const k = S.length;
    for (let j = k - 1; j >= 0; j--) {
      alpha[j] = rho[j]! * dot(S[j]!, d);
      const y = Y[j]!;
      for (let i = 0; i < n; i++) d[i] = d[i]! - alpha[j]! * y[i]!;
    }
    if (k > 0) {
      const gamma = dot(S[k - 1]!, Y[k - 1]!) / dot(Y[k - 1]!, Y[k - 1]!);
      for (let i = 0; i < n; i++) d[i] = d[i]! * gamma;
    } else {
      const gn = Math.sqrt(dot(g, g));
      for (let i = 0; i < n; i++) d[i] = d[i]! / Math.max(1, gn); // first step: at most unit length
    }
    for (let j = 0; j < k; j++) {
      const beta = rho[j]! * dot(Y[j]!, d);
      const s = S[j]!;
      for (let i = 0; i < n; i++) d[i] = d[i]! + (alpha[j]! - beta) * s[i]!;
    }
    let dg = dot(d, g);
    if (!(dg < 0)) { // not a descent direction: restart from steepest descent
      S.length = 0; Y.length = 0; rho.length = 0;
      for (let i = 0; i < n; i++) d[i] = -g[i]!;
      dg = dot(d, g);
    }
    const ls = wolfe(fn, x, f, g, d, dg);
    evals += ls.evals;
    if (!ls.ok) return { x, f, iterations: it, evaluations: evals, converged: false, reason: 'linesearch' };
    const s = new Float64Array(n), y = new Float64Array(n);
    for (let i = 0; i < n; i++) { s[i] = ls.x[i]! - x[i]!; y[i] = ls.g[i]! - g[i]!; }
    const fOld = f;
    x = ls.x; g = ls.g; f = ls.f;
    const sy = dot(s, y);
    if (sy > 1e-12 * Math.sqrt(dot(s, s) * dot(y, y))) {
      if (S.length === m) { S.shift(); Y.shift(); rho.shift(); }
      S.push(s); Y.push(y); rho.push(1 / sy);
    }
    if ((fOld - f) / Math.max(Math.abs(fOld), Math.abs(f), 1) <= ftol) {
      return { x, f, iterations: it + 1, evaluations: evals, converged: true, reason: 'ftol' };
    }
  }
  return { x, f, iterations: maxIter, evaluations: evals, converged: false, reason: 'maxIter' };
}

interface LineSearch { ok: boolean; x: Float64Array; f: number; g: Float64Array; evals: number }

// Strong Wolfe line search (c1 = 1e-4, c2 = 0.9), N&W Alg. 3.5 with a safeguarded cubic/bisection zoom.
function wolfe(fn: Objective, x0: Float64Array, f0: number, g0: Float64Array, d: Float64Array, dg0: number): LineSearch {
  const c1 = 1e-4, c2 = 0.9, n = x0.length;
  let evals = 0;
  const at = (t: number): { f: number; g: Float64Array; x: Float64Array; dg: number } => {
    const x = new Float64Array(n), g = new Float64Array(n);
    for (let i = 0; i < n; i++) x[i] = x0[i]! + t * d[i]!;
    evals++;
    const f = fn(x, g);
    return { f, g, x, dg: dot(g, d) };
  };
  let tPrev = 0, fPrev = f0, dgPrev = dg0, t = 1;
  let best: { f: number; g: Float64Array; x: Float64Array } | null = null;
  for (let i = 0; i < 30; i++) {
    const p = at(t);
    if (!Number.isFinite(p.f)) { t = 0.5 * (tPrev + t); continue; } // stepped into overflow: shrink
    if (p.f > f0 + c1 * t * dg0 || (i > 0 && p.f >= fPrev)) return zoom(tPrev, fPrev, dgPrev, t, p.f, p.dg);
    if (Math.abs(p.dg) <= -c2 * dg0) return { ok: true, ...p, evals };
    if (p.dg >= 0) return zoom(t, p.f, p.dg, tPrev, fPrev, dgPrev);
    best = p;
    tPrev = t; fPrev = p.f; dgPrev = p.dg;
    t *= 2;
  }
  return best ? { ok: true, ...best, evals } : { ok: false, x: x0, f: f0, g: g0, evals };

  function zoom(lo: number, flo: number, dglo: number, hi: number, fhi: number, dghi: number): LineSearch {
    let bestLo: { f: number; g: Float64Array; x: Float64Array } | null = null;
    for (let j = 0; j < 40; j++) {
      // cubic interpolation between lo and hi, safeguarded to the middle 80% of the bracket
      let tj: number;
      const d1 = dglo + dghi - 3 * (flo - fhi) / (lo - hi);
      const disc = d1 * d1 - dglo * dghi;
      if (disc >= 0 && Number.isFinite(disc)) {
        const d2 = Math.sign(hi - lo) * Math.sqrt(disc);
        tj = hi - (hi - lo) * (dghi + d2 - d1) / (dghi - dglo + 2 * d2);
      } else tj = 0.5 * (lo + hi);
      const a = Math.min(lo, hi), b = Math.max(lo, hi), w = b - a;
      if (!Number.isFinite(tj) || tj < a + 0.1 * w || tj > b - 0.1 * w) tj = 0.5 * (lo + hi);
      const p = at(tj);
      if (!Number.isFinite(p.f) || p.f > f0 + c1 * tj * dg0 || p.f >= flo) {
        hi = tj; fhi = Number.isFinite(p.f) ? p.f : Infinity; dghi = Number.isFinite(p.dg) ? p.dg : 0;
      } else {
        if (Math.abs(p.dg) <= -c2 * dg0) return { ok: true, ...p, evals };
        bestLo = p;
        if (p.dg * (hi - lo) >= 0) { hi = lo; fhi = flo; dghi = dglo; }
        lo = tj; flo = p.f; dglo = p.dg;
      }
      if (Math.abs(hi - lo) < 1e-16 * Math.max(1, Math.abs(lo))) break;
    }
    // no point satisfied both conditions: accept the best sufficient-decrease point, if any
    return bestLo ? { ok: true, ...bestLo, evals } : { ok: false, x: x0, f: f0, g: g0, evals };
  }
}
