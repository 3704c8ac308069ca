// AdamW (Loshchilov & Hutter), PyTorch's update order (FACTS §3.8): decoupled decay first.
import type { F } from '../abi.js';

export function adamw(n: number, p: F, g: F, m: F, v: F, lr: number, beta1: number, beta2: number, eps: number, weightDecay: number, step: number, gradScale: number): void {
  const bc1 = 1 - Math.pow(beta1, step);
  const bc2 = 1 - Math.pow(beta2, step);
  for (let i = 0; i < n; i++) {
    const gi = g[i]! * gradScale;
    let pi = p[i]!;
    pi -= lr * weightDecay * pi;
    const mi = beta1 * m[i]! + (1 - beta1) * gi;
    const vi = beta2 * v[i]! + (1 - beta2) * gi * gi;
    m[i] = mi;
    v[i] = vi;
    p[i] = pi - lr * (mi / bc1) / (Math.sqrt(vi / bc2) + eps);
  }
}

export function sumSquares(n: number, g: F): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += g[i]! * g[i]!;
  return s;
}

export function scaleInPlace(n: number, x: F, s: number): void {
  for (let i = 0; i < n; i++) x[i] *= s;
}
