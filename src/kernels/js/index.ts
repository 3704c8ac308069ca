// The JS reference backend: plain loops, dtype-generic (float32 or float64). It is the spec.
import type { Kernels } from '../abi.js';
import { stridedAccumulate, stridedCopy } from './copy.js';
import { binaryBackward, binaryForward, unaryBackward, unaryForward, whereBackward, whereForward } from './elementwise.js';
import { reduceBackward, reduceForward } from './reduce.js';
import { gemm } from './matmul.js';
import { linearBackward, linearForward } from './linear.js';
import { softmaxBackward, softmaxForward } from './softmax.js';
import { layerNormBackward, layerNormForward } from './layernorm.js';
import { rmsNormBackward, rmsNormForward } from './rmsnorm.js';
import { embeddingBackward, embeddingForward } from './embedding.js';
import { crossEntropyBackward, crossEntropyForward } from './cross_entropy.js';
import { attentionBackward, attentionForward } from './attention.js';
import { adamw, scaleInPlace, sumSquares } from './adamw.js';
import { ropeBackward, ropeForward } from './rope.js';
import { swigluBackward, swigluForward } from './swiglu.js';

export const jsKernels: Kernels = {
  name: 'js',
  stridedCopy, stridedAccumulate,
  binaryForward, binaryBackward, unaryForward, unaryBackward, whereForward, whereBackward,
  reduceForward, reduceBackward, gemm, linearForward, linearBackward,
  softmaxForward, softmaxBackward, layerNormForward, layerNormBackward, rmsNormForward, rmsNormBackward,
  embeddingForward, embeddingBackward, crossEntropyForward, crossEntropyBackward,
  attentionForward, attentionBackward, ropeForward, ropeBackward, swigluForward, swigluBackward,
  adamw, sumSquares, scaleInPlace,
};
