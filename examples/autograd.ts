// Tensors and autograd: the README's first example, type-checked by `npm test` (tsc) and run by
// test/examples.test.ts. In your project, import from 'lmforge' instead of '../src/index.js'.
import { randn, matmul, gelu, sum, gradcheck, tensor, noGrad } from '../src/index.js';

export function autogradExample(): { gradShape: number[]; gradcheckOk: boolean; noGradRequires: boolean } {
  const x = randn([4, 8], { requiresGrad: true });
  sum(gelu(matmul(x, x, { transB: true }))).backward(); // x.grad is (4, 8)
  const a = tensor([[1, 2], [3, 4]], { dtype: 'float64', requiresGrad: true });
  const check = gradcheck((t) => gelu(matmul(t, t)), [a]);
  const y = noGrad(() => matmul(x, x, { transB: true }));
  return { gradShape: x.grad!.shape, gradcheckOk: check.ok, noGradRequires: y.requiresGrad };
}
