// Basic layers over the ops: Linear, Embedding, LayerNorm, RMSNorm. Weights in PyTorch layouts
// (Linear weight (out, in)); initialisation is left to the model (GPT-2 / Llama rules differ).
import { Tensor, zeros, ones } from '../tensor/tensor.js';
import { linear } from '../ops/linear.js';
import { embedding } from '../ops/embedding.js';
import { layerNorm } from '../ops/layernorm.js';
import { rmsNorm } from '../ops/rmsnorm.js';
import type { DType } from '../tensor/dtype.js';
import { Module } from './module.js';

export class Linear extends Module {
  weight: Tensor;
  bias: Tensor | null;
  constructor(readonly inFeatures: number, readonly outFeatures: number, opts: { bias?: boolean; dtype?: DType } = {}) {
    super();
    this.weight = this.param('weight', zeros([outFeatures, inFeatures], { dtype: opts.dtype }));
    this.bias = opts.bias === false ? null : this.param('bias', zeros([outFeatures], { dtype: opts.dtype }));
  }
  /** (..., in) -> (..., out) */
  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }
}

export class Embedding extends Module {
  weight: Tensor;
  constructor(readonly numEmbeddings: number, readonly dim: number, opts: { dtype?: DType } = {}) {
    super();
    this.weight = this.param('weight', zeros([numEmbeddings, dim], { dtype: opts.dtype }));
  }
  /** ids (...) int32 -> (..., dim) */
  forward(ids: Tensor): Tensor {
    return embedding(ids, this.weight);
  }
}

export class LayerNorm extends Module {
  weight: Tensor;
  bias: Tensor | null;
  constructor(readonly dim: number, readonly eps = 1e-5, opts: { bias?: boolean; dtype?: DType } = {}) {
    super();
    this.weight = this.param('weight', ones([dim], { dtype: opts.dtype }));
    this.bias = opts.bias === false ? null : this.param('bias', zeros([dim], { dtype: opts.dtype }));
  }
  forward(x: Tensor): Tensor {
    return layerNorm(x, this.weight, this.bias, this.eps);
  }
}

export class RMSNorm extends Module {
  weight: Tensor;
  constructor(readonly dim: number, readonly eps = 1e-6, opts: { dtype?: DType } = {}) {
    super();
    this.weight = this.param('weight', ones([dim], { dtype: opts.dtype }));
  }
  forward(x: Tensor): Tensor {
    return rmsNorm(x, this.weight, this.eps);
  }
}
