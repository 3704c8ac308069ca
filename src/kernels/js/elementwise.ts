// Elementwise kernels: unary functions, broadcasting binary arithmetic and where().
// Formulas: GELU erf form x·Φ(x); GELU tanh form 0.5x(1+tanh(√(2/π)(x+0.044715x³))) (FACTS §3.1).
import type { BinaryOp, F, UnaryOp } from '../abi.js';
import { forEach3 } from './copy.js';

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const INV_SQRT2 = 1 / Math.SQRT2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/** erf(x) to double precision (W. J. Cody's rational approximations, as in most libms). */
export function erf(x: number): number {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? x : Math.sign(x);
  const ax = Math.abs(x);
  if (ax < 0.5) {
    const t = x * x;
    const num = (((0.185777706184603153 * t + 3.16112374387056560) * t + 113.864154151050156) * t + 377.485237685302021) * t + 3209.37758913846947;
    const den = (((t + 23.6012909523441209) * t + 244.024637934444173) * t + 1282.61652607737228) * t + 2844.23683343917062;
    return x * num / den;
  }
  return x < 0 ? -(1 - erfc(ax)) : 1 - erfc(ax);
}

function erfc(ax: number): number {
  // ax >= 0.5
  let r: number;
  if (ax < 4) {
    const num = ((((((((2.15311535474403846e-8 * ax + 0.564188496988670089) * ax + 8.88314979438837594) * ax + 66.1191906371416295) * ax
      + 298.635138197400131) * ax + 881.952221241769090) * ax + 1712.04761263407058) * ax + 2051.07837782607147) * ax + 1230.33935479799725);
    const den = ((((((((ax + 15.7449261107098347) * ax + 117.693950891312499) * ax + 537.181101862009858) * ax + 1621.38957456669019) * ax
      + 3290.79923573345963) * ax + 4362.61909014324716) * ax + 3439.36767414372164) * ax + 1230.33935480374942);
    r = num / den;
  } else {
    const z = 1 / (ax * ax);
    const num = ((((0.0163153871373020978 * z + 0.305326634961232344) * z + 0.360344899949804439) * z + 0.125781726111229246) * z + 0.0160837851487422766) * z + 6.58749161529837803e-4;
    const den = ((((z + 2.56852019228982242) * z + 1.87295284992346725) * z + 0.527905102951428412) * z + 0.0605183413124413191) * z + 0.00233520497626869185;
    r = (1 / Math.sqrt(Math.PI) - z * num / den) / ax;
  }
  // exp(-ax²) computed in two pieces for accuracy
  const xs = Math.trunc(ax * 16) / 16;
  const del = (ax - xs) * (ax + xs);
  return Math.exp(-xs * xs) * Math.exp(-del) * r;
}

function fwd(op: UnaryOp, x: number, p: number): number {
  switch (op) {
    case 'neg': return -x;
    case 'exp': return Math.exp(x);
    case 'log': return Math.log(x);
    case 'sqrt': return Math.sqrt(x);
    case 'tanh': return Math.tanh(x);
    case 'sigmoid': return 1 / (1 + Math.exp(-x));
    case 'relu': return x > 0 ? x : 0;
    case 'gelu': return 0.5 * x * (1 + erf(x * INV_SQRT2));
    case 'gelu_tanh': return 0.5 * x * (1 + Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)));
    case 'silu': return x / (1 + Math.exp(-x));
    case 'pow': return Math.pow(x, p);
    case 'abs': return Math.abs(x);
  }
}

/** d f(x) / dx, given x and the forward output y. */
function deriv(op: UnaryOp, x: number, y: number, p: number): number {
  switch (op) {
    case 'neg': return -1;
    case 'exp': return y;
    case 'log': return 1 / x;
    case 'sqrt': return 0.5 / y;
    case 'tanh': return 1 - y * y;
    case 'sigmoid': return y * (1 - y);
    case 'relu': return x > 0 ? 1 : 0;
    case 'gelu': return 0.5 * (1 + erf(x * INV_SQRT2)) + x * INV_SQRT_2PI * Math.exp(-0.5 * x * x);
    case 'gelu_tanh': {
      const u = SQRT_2_OVER_PI * (x + 0.044715 * x * x * x);
      const t = Math.tanh(u);
      return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * SQRT_2_OVER_PI * (1 + 3 * 0.044715 * x * x);
    }
    case 'silu': {
      const s = 1 / (1 + Math.exp(-x));
      return s * (1 + x * (1 - s));
    }
    case 'pow': return p === 0 ? 0 : p * Math.pow(x, p - 1);
    case 'abs': return x > 0 ? 1 : x < 0 ? -1 : 0;
  }
}

export function unaryForward(op: UnaryOp, n: number, x: F, out: F, param: number): void {
  for (let i = 0; i < n; i++) out[i] = fwd(op, x[i]!, param);
}

export function unaryBackward(op: UnaryOp, n: number, x: F, y: F, g: F, gx: F, param: number, gxOverwrite = false): void {
  if (gxOverwrite) for (let i = 0; i < n; i++) gx[i] = deriv(op, x[i]!, y[i]!, param) * g[i]!;
  else for (let i = 0; i < n; i++) gx[i] += deriv(op, x[i]!, y[i]!, param) * g[i]!;
}

function bin(op: BinaryOp, a: number, b: number): number {
  switch (op) {
    case 'add': return a + b;
    case 'sub': return a - b;
    case 'mul': return a * b;
    case 'div': return a / b;
    case 'pow': return Math.pow(a, b);
    case 'maximum': return a >= b ? a : b;
    case 'minimum': return a <= b ? a : b;
  }
}

export function binaryForward(op: BinaryOp, shape: readonly number[], a: F, aOff: number, aS: readonly number[], b: F, bOff: number, bS: readonly number[], out: F): void {
  const zero = shape.map(() => 0);
  forEach3(shape, aOff, aS, bOff, bS, 0, zero, (ai, bi, _ci, li) => { out[li] = bin(op, a[ai]!, b[bi]!); });
}

export function binaryBackward(op: BinaryOp, shape: readonly number[], a: F, aOff: number, aS: readonly number[], b: F, bOff: number, bS: readonly number[],
  g: F, ga: F | null, gaS: readonly number[], gb: F | null, gbS: readonly number[]): void {
  // first pass: gradient wrt a (its own strided walk), second: wrt b
  if (ga) {
    forEach3(shape, aOff, aS, bOff, bS, 0, gaS, (ai, bi, gi, li) => {
      const x = a[ai]!, y = b[bi]!, gg = g[li]!;
      let d: number;
      switch (op) {
        case 'add': case 'sub': d = 1; break;
        case 'mul': d = y; break;
        case 'div': d = 1 / y; break;
        case 'pow': d = y === 0 ? 0 : y * Math.pow(x, y - 1); break;
        case 'maximum': d = x >= y ? 1 : 0; break;
        case 'minimum': d = x <= y ? 1 : 0; break;
      }
      ga[gi] += d * gg;
    });
  }
  if (gb) {
    forEach3(shape, aOff, aS, bOff, bS, 0, gbS, (ai, bi, gi, li) => {
      const x = a[ai]!, y = b[bi]!, gg = g[li]!;
      let d: number;
      switch (op) {
        case 'add': d = 1; break;
        case 'sub': d = -1; break;
        case 'mul': d = x; break;
        case 'div': d = -x / (y * y); break;
        case 'pow': d = x > 0 ? Math.pow(x, y) * Math.log(x) : 0; break;
        case 'maximum': d = x >= y ? 0 : 1; break;
        case 'minimum': d = x <= y ? 0 : 1; break;
      }
      gb[gi] += d * gg;
    });
  }
}

export function whereForward(shape: readonly number[], cond: Int32Array, cOff: number, cS: readonly number[], a: F, aOff: number, aS: readonly number[],
  b: F, bOff: number, bS: readonly number[], out: F): void {
  forEach3(shape, aOff, aS, bOff, bS, cOff, cS, (ai, bi, ci, li) => { out[li] = cond[ci] !== 0 ? a[ai]! : b[bi]!; });
}

export function whereBackward(shape: readonly number[], cond: Int32Array, cOff: number, cS: readonly number[], g: F,
  ga: F | null, gaS: readonly number[], gb: F | null, gbS: readonly number[]): void {
  const zero = shape.map(() => 0);
  if (ga) forEach3(shape, cOff, cS, 0, gaS, 0, zero, (ci, gi, _x, li) => { if (cond[ci] !== 0) ga[gi] += g[li]!; });
  if (gb) forEach3(shape, cOff, cS, 0, gbS, 0, zero, (ci, gi, _x, li) => { if (cond[ci] === 0) gb[gi] += g[li]!; });
}
