// Every differentiable op, re-exported. One file per op family; forward and backward side by side.
export { contiguous, reshape, flatten, permute, transpose, narrow, slice, expand, unsqueeze, squeeze } from './view.js';
export { add, sub, mul, div, maximum, minimum } from './binary.js';
export { neg, exp, log, sqrt, abs, pow, tanh, sigmoid, relu, silu, gelu } from './unary.js';
export { sum, mean, max } from './reduce.js';
export { matmul, type MatmulOptions } from './matmul.js';
export { linear } from './linear.js';
export { softmax, logSoftmax } from './softmax.js';
export { layerNorm } from './layernorm.js';
export { rmsNorm } from './rmsnorm.js';
export { embedding } from './embedding.js';
export { crossEntropy, type CrossEntropyOptions } from './cross_entropy.js';
export { dropout } from './dropout.js';
export { scaledDotProductAttention, type AttentionOptions } from './attention.js';
export { concat, split, stack } from './concat.js';
export { where, maskedFill } from './where.js';
export { rope, ropeTables, ropeHfToInterleaved, ropeInterleavedToHf, type RopeOptions } from './rope.js';
export { swiglu } from './swiglu.js';
