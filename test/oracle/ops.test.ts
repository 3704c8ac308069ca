// Every op's forward and backward against PyTorch (fixtures from tools/oracle/ops.py), on every
// available float32 backend. Tolerance: |ours − torch| ≤ 2e-5 + 2e-4·|torch| per element.
import { test } from 'node:test';
import { readSafetensors } from '../../src/io/safetensors.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { availableBackends, setBackend, currentBackend } from '../../src/kernels/backend.js';
import * as F from '../../src/ops/index.js';
import { assertClose } from '../helpers/assert.js';
import { fixturePath } from '../helpers/fixtures.js';

interface Case { name: string; op: string; n: number; params: Record<string, unknown>; ints: string[] }

const ATOL = 2e-5, RTOL = 2e-4;

function apply(c: Case, xs: Tensor[], ints: Record<string, Tensor>): Tensor {
  const p = c.params;
  const [a, b, d] = xs as [Tensor, Tensor, Tensor];
  switch (c.op) {
    case 'add': return F.add(a, b);
    case 'sub': return F.sub(a, b);
    case 'mul': return F.mul(a, b);
    case 'div': return F.div(a, b);
    case 'maximum': return F.maximum(a, b);
    case 'pow_tensor': return F.pow(a, b);
    case 'neg': return F.neg(a);
    case 'exp': return F.exp(a);
    case 'log': return F.log(a);
    case 'sqrt': return F.sqrt(a);
    case 'abs': return F.abs(a);
    case 'tanh': return F.tanh(a);
    case 'sigmoid': return F.sigmoid(a);
    case 'relu': return F.relu(a);
    case 'gelu': return F.gelu(a);
    case 'gelu_tanh': return F.gelu(a, 'tanh');
    case 'silu': return F.silu(a);
    case 'pow': return F.pow(a, p.p as number);
    case 'sum': return F.sum(a, (p.dim ?? undefined) as number | number[] | undefined, p.keepdim as boolean);
    case 'mean': return F.mean(a, p.dim as number, p.keepdim as boolean);
    case 'max': return F.max(a, p.dim as number, p.keepdim as boolean);
    case 'matmul': return F.matmul(a, b, { transA: !!p.transA, transB: !!p.transB });
    case 'linear': return F.linear(a, b, xs[2] ?? null);
    case 'softmax': return F.softmax(a, (p.dim as number | undefined) ?? -1);
    case 'log_softmax': return F.logSoftmax(a, -1);
    case 'layer_norm': return F.layerNorm(a, b, d, p.eps as number);
    case 'rms_norm': return F.rmsNorm(a, b, p.eps as number);
    case 'embedding': return F.embedding(ints.ids!, a);
    case 'cross_entropy': return F.crossEntropy(a, ints.targets!, { reduction: (p.reduction as 'sum' | undefined) ?? 'mean' });
    case 'attention': return F.scaledDotProductAttention(a, b, d, { causal: !!p.causal, keyPaddingMask: ints.mask ?? null });
    case 'concat': return F.concat(xs, p.dim as number);
    case 'stack': return F.stack(xs, p.dim as number);
    case 'where': return F.where(ints.cond!, a, b);
    case 'masked_fill': return F.maskedFill(a, ints.cond!, p.value as number);
  }
  throw new Error(`oracle test: no mapping for op '${c.op}'`);
}

const { tensors, metadata } = readSafetensors(fixturePath('ops.safetensors'));
const cases = JSON.parse(metadata.cases!) as Case[];

for (const backend of availableBackends()) {
  test(`ops match PyTorch (${cases.length} cases, ${backend} backend)`, () => {
    const prev = currentBackend();
    setBackend(backend);
    try {
      for (const c of cases) {
        const get = (k: string): Tensor => {
          const t = tensors.get(`${c.name}.${k}`);
          if (!t) throw new Error(`fixture key ${c.name}.${k} missing`);
          return t;
        };
        const xs = Array.from({ length: c.n }, (_, i) => new Tensor(get(`in.${i}`).toArray(), get(`in.${i}`).shape).requiresGrad_());
        const ints: Record<string, Tensor> = {};
        for (const k of c.ints) ints[k] = get(`int.${k}`);
        const out = apply(c, xs, ints);
        assertClose(out, get('out'), ATOL, RTOL, `${c.name} forward [${currentBackend()}]`);
        out.backward(get('gout'));
        xs.forEach((x, i) => assertClose(x.grad!, get(`grad.${i}`), ATOL, RTOL, `${c.name} grad of input ${i} [${currentBackend()}]`));
      }
    } finally {
      setBackend(prev);
    }
  });
}
