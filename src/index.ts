// lmforge public API.
export { Tensor, tensor, zeros, ones, full, zerosLike, arange, randn, rand, randint, type TensorOptions } from './tensor/tensor.js';
export type { DType, FloatArray } from './tensor/dtype.js';
export { Rng, manualSeed, defaultRng, type RngState } from './tensor/rng.js';
export { noGrad, isGradEnabled } from './autograd/tape.js';
export { gradcheck, type GradcheckOptions, type GradcheckResult } from './autograd/gradcheck.js';
export * from './ops/index.js';
export { kernelsFor, availableBackends, setBackend, currentBackend, backendSummary, type BackendName } from './kernels/backend.js';
export type { Kernels } from './kernels/abi.js';
