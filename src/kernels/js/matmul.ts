// Reference batched GEMM (row-major, BLAS semantics). Plain triple loop: obviously right, slow.
import type { F } from '../abi.js';

export function gemm(transA: boolean, transB: boolean, M: number, N: number, K: number, alpha: number,
  A: F, aOff: number, lda: number, strideA: number,
  B: F, bOff: number, ldb: number, strideB: number,
  beta: number, C: F, cOff: number, ldc: number, strideC: number, batch: number): void {
  const row = new Float64Array(N);
  for (let bt = 0; bt < batch; bt++) {
    const a0 = aOff + bt * strideA, b0 = bOff + bt * strideB, c0 = cOff + bt * strideC;
    // with strideC = 0 the batches accumulate into one C: only the first applies beta
    const bet = strideC === 0 && bt > 0 ? 1 : beta;
    for (let i = 0; i < M; i++) {
      row.fill(0);
      for (let p = 0; p < K; p++) {
        const av = transA ? A[a0 + p * lda + i]! : A[a0 + i * lda + p]!;
        if (av === 0) continue;
        if (transB) for (let j = 0; j < N; j++) row[j] += av * B[b0 + j * ldb + p]!;
        else {
          const bb = b0 + p * ldb;
          for (let j = 0; j < N; j++) row[j] += av * B[bb + j]!;
        }
      }
      const cr = c0 + i * ldc;
      if (bet === 0) for (let j = 0; j < N; j++) C[cr + j] = alpha * row[j]!;
      else for (let j = 0; j < N; j++) C[cr + j] = alpha * row[j]! + bet * C[cr + j]!;
    }
  }
}
