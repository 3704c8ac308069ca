// Huber loss and its derivative, the robust penalty of Chinchilla's Approach 3 (Hoffmann et al. 2022, δ = 1e-3;
// Epoch's custom_huber_loss): quadratic within δ, linear beyond, continuous first derivative.

/** Huber_δ(r) = r²/2 if |r| <= δ, else δ(|r| - δ/2). @example huber(0.5, 1) // 0.125 */
export function huber(r: number, delta: number): number {
  const a = Math.abs(r);
  return a <= delta ? 0.5 * r * r : delta * (a - 0.5 * delta);
}

/** d Huber_δ / dr = r if |r| <= δ, else δ·sign(r). @example huberGrad(3, 1) // 1 */
export function huberGrad(r: number, delta: number): number {
  return r > delta ? delta : r < -delta ? -delta : r;
}
