// Every op passes a float64 central-difference gradcheck on several shapes: size-1 dims, odd
// sizes, broadcasting. Tolerances: eps 1e-6, atol 1e-6, rtol 1e-4 (float64 throughout).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor, randn, rand, tensor, randint } from '../../src/tensor/tensor.js';
import { Rng } from '../../src/tensor/rng.js';
import { gradcheck } from '../../src/autograd/gradcheck.js';
import * as F from '../../src/ops/index.js';

const rng = new Rng(42);
const r64 = (shape: number[], scale = 1): Tensor => {
  const t = randn(shape, { dtype: 'float64', rng });
  for (let i = 0; i < t.data.length; i++) t.data[i] *= scale;
  return t.requiresGrad_();
};
const pos64 = (shape: number[]): Tensor => rand(shape, { dtype: 'float64', rng, low: 0.5, high: 2 }).requiresGrad_();

function check(name: string, fn: (...xs: Tensor[]) => Tensor, inputs: Tensor[], opts = {}): void {
  const r = gradcheck(fn, inputs, opts);
  assert.ok(r.ok, `${name}: ${r.failure} (max |diff| ${r.maxAbsDiff})`);
}

const binShapes: [number[], number[]][] = [
  [[3, 4], [3, 4]], [[2, 3, 5], [5]], [[4, 1], [1, 3]], [[1], [2, 3]], [[2, 1, 3], [2, 4, 1]], [[], [3, 2]],
];

test('gradcheck: add/sub/mul/div/maximum/minimum with broadcasting', () => {
  for (const [sa, sb] of binShapes) {
    check(`add ${sa}+${sb}`, F.add, [r64(sa), r64(sb)]);
    check(`sub ${sa}-${sb}`, F.sub, [r64(sa), r64(sb)]);
    check(`mul ${sa}*${sb}`, F.mul, [r64(sa), r64(sb)]);
    check(`div ${sa}/${sb}`, F.div, [r64(sa), pos64(sb)]);
    check(`maximum ${sa},${sb}`, F.maximum, [r64(sa), r64(sb)]);
    check(`minimum ${sa},${sb}`, F.minimum, [r64(sa), r64(sb)]);
  }
  check('add scalar', (a) => F.add(a, 2.5), [r64([3, 2])]);
  check('rsub scalar', (a) => F.sub(1, a), [r64([3, 2])]);
  check('rdiv scalar', (a) => F.div(1, a), [pos64([5])]);
  check('pow tensor', (a, b) => F.pow(a, b), [pos64([3, 4]), r64([4])]);
});

test('gradcheck: unary math and activations', () => {
  for (const shape of [[7], [2, 1, 3], [1], [3, 5]]) {
    check('neg', F.neg, [r64(shape)]);
    check('exp', F.exp, [r64(shape)]);
    check('log', F.log, [pos64(shape)]);
    check('sqrt', F.sqrt, [pos64(shape)]);
    check('abs', F.abs, [pos64(shape)]);
    check('pow 3', (x) => F.pow(x, 3), [r64(shape)]);
    check('pow -0.5', (x) => F.pow(x, -0.5), [pos64(shape)]);
    check('tanh', F.tanh, [r64(shape)]);
    check('sigmoid', F.sigmoid, [r64(shape)]);
    check('relu', F.relu, [r64(shape)]);
    check('gelu erf', (x) => F.gelu(x), [r64(shape, 2)]);
    check('gelu tanh', (x) => F.gelu(x, 'tanh'), [r64(shape, 2)]);
    check('silu', F.silu, [r64(shape, 2)]);
  }
});

test('gradcheck: sum/mean/max over dims', () => {
  const x = (): Tensor => r64([2, 3, 4]);
  check('sum all', (a) => F.sum(a), [x()]);
  check('sum -1', (a) => F.sum(a, -1), [x()]);
  check('sum 0 keepdim', (a) => F.sum(a, 0, true), [x()]);
  check('sum [0,2]', (a) => F.sum(a, [0, 2]), [x()]);
  check('mean 1', (a) => F.mean(a, 1), [x()]);
  check('mean all', (a) => F.mean(a), [r64([5])]);
  check('max -1', (a) => F.max(a, -1), [x()]);
  check('max [1,2] keepdim', (a) => F.max(a, [1, 2], true), [x()]);
  check('max size-1 dim', (a) => F.max(a, 1), [r64([3, 1, 2])]);
});

test('gradcheck: views, contiguous, concat/split/stack', () => {
  check('reshape', (a) => F.mul(F.reshape(a, [3, -1]), 2), [r64([2, 3, 2])]);
  check('reshape of a strided slice (view)', (a) => F.mul(F.reshape(F.narrow(a, 1, 1, 4), [2, 2, 2]), 3), [r64([2, 6])]);
  check('reshape of a transpose (copy)', (a) => F.reshape(F.transpose(a, 0, 1), [6]), [r64([2, 3])]);
  check('permute', (a) => F.contiguous(F.permute(a, [2, 0, 1])), [r64([2, 3, 4])]);
  check('transpose then mul', (a, b) => F.mul(F.transpose(a, 0, 1), b), [r64([3, 2]), r64([2, 3])]);
  check('narrow', (a) => F.narrow(a, 1, 1, 2), [r64([2, 4])]);
  check('slice negative', (a) => F.slice(a, 0, -2), [r64([5, 2])]);
  check('expand', (a) => F.expand(a, [3, 2, 4]), [r64([2, 1])]);
  check('unsqueeze/squeeze', (a) => F.squeeze(F.unsqueeze(a, 1)), [r64([3, 2])]);
  check('concat dim 1', (a, b) => F.concat([a, b], 1), [r64([2, 3]), r64([2, 1])]);
  check('concat dim 0', (a, b, c) => F.concat([a, b, c], 0), [r64([1, 3]), r64([2, 3]), r64([1, 3])]);
  check('split sizes', (a) => F.mul(F.split(a, [1, 3], 1)[1]!, F.split(a, [1, 3], 1)[0]!), [r64([2, 4])]);
  check('stack', (a, b) => F.stack([a, b], 1), [r64([2, 3]), r64([2, 3])]);
  check('flatten', (a) => F.flatten(a, 1), [r64([2, 3, 2])]);
});

test('gradcheck: matmul (batched, broadcast batch, transpose flags, vectors)', () => {
  check('2d', (a, b) => F.matmul(a, b), [r64([3, 4]), r64([4, 5])]);
  check('batched', (a, b) => F.matmul(a, b), [r64([2, 3, 4]), r64([2, 4, 2])]);
  check('broadcast b', (a, b) => F.matmul(a, b), [r64([2, 3, 4]), r64([4, 2])]);
  check('broadcast a', (a, b) => F.matmul(a, b), [r64([3, 4]), r64([2, 4, 2])]);
  check('broadcast both', (a, b) => F.matmul(a, b), [r64([2, 1, 3, 4]), r64([1, 3, 4, 2])]);
  check('transA', (a, b) => F.matmul(a, b, { transA: true }), [r64([4, 3]), r64([4, 5])]);
  check('transB', (a, b) => F.matmul(a, b, { transB: true }), [r64([2, 3, 4]), r64([2, 5, 4])]);
  check('transA transB', (a, b) => F.matmul(a, b, { transA: true, transB: true }), [r64([4, 3]), r64([5, 4])]);
  check('transposed view', (a, b) => F.matmul(a, F.transpose(b, -2, -1)), [r64([2, 3, 4]), r64([2, 5, 4])]);
  check('vec·mat', (a, b) => F.matmul(a, b), [r64([4]), r64([4, 3])]);
  check('mat·vec', (a, b) => F.matmul(a, b), [r64([2, 4]), r64([4])]);
  check('vec·vec', (a, b) => F.matmul(a, b), [r64([5]), r64([5])]);
  check('size-1 dims', (a, b) => F.matmul(a, b), [r64([1, 1]), r64([1, 3])]);
});

test('gradcheck: linear, softmax, log_softmax', () => {
  check('linear bias', F.linear, [r64([2, 3, 5]), r64([4, 5]), r64([4])]);
  check('linear no bias', (x, w) => F.linear(x, w), [r64([3, 5]), r64([1, 5])]);
  check('linear N=1', F.linear, [r64([1, 3]), r64([2, 3]), r64([2])]);
  for (const shape of [[3, 5], [2, 1, 4], [1, 1]]) {
    check('softmax', (x) => F.softmax(x), [r64(shape)]);
    check('log_softmax', (x) => F.logSoftmax(x), [r64(shape)]);
  }
  check('softmax dim 0', (x) => F.softmax(x, 0), [r64([3, 4])]);
});

test('gradcheck: layer_norm and rms_norm', () => {
  for (const [N, C] of [[3, 5], [1, 7], [4, 2]] as const) {
    check(`layer_norm ${N}x${C}`, (x, w, b) => F.layerNorm(x, w, b, 1e-5), [r64([N, C]), r64([C]), r64([C])]);
    check(`layer_norm no affine ${N}x${C}`, (x) => F.layerNorm(x, null, null, 1e-5), [r64([N, C])]);
    check(`rms_norm ${N}x${C}`, (x, w) => F.rmsNorm(x, w, 1e-6), [r64([N, C]), r64([C])]);
  }
  check('layer_norm 3d', (x, w, b) => F.layerNorm(x, w, b), [r64([2, 3, 4]), r64([4]), r64([4])]);
});

test('gradcheck: embedding, cross_entropy, dropout, where/masked_fill', () => {
  const ids = tensor([[0, 2, 2], [4, 1, 0]], { dtype: 'int32' });
  check('embedding (repeated ids)', (w) => F.embedding(ids, w), [r64([5, 3])]);
  const tg = tensor([1, 0, 3, -100, 2], { dtype: 'int32' });
  check('cross_entropy mean, ignore', (x) => F.crossEntropy(x, tg), [r64([5, 4])]);
  check('cross_entropy sum', (x) => F.crossEntropy(x, tg, { reduction: 'sum' }), [r64([5, 4])]);
  check('cross_entropy none', (x) => F.crossEntropy(x, tg, { reduction: 'none' }), [r64([5, 4])]);
  check('cross_entropy 3d', (x) => F.crossEntropy(x, tensor([[0, 2], [1, 1]], { dtype: 'int32' })), [r64([2, 2, 3])]);
  check('dropout (fixed mask)', (x) => F.dropout(x, 0.4, true, new Rng(7)), [r64([4, 5])]);
  const cond = tensor([[1, 0, 1], [0, 0, 1]], { dtype: 'int32' });
  check('where', (a, b) => F.where(cond, a, b), [r64([2, 3]), r64([3])]);
  check('masked_fill', (a) => F.maskedFill(a, tensor([1, 0, 0], { dtype: 'int32' }), -3), [r64([2, 3])]);
});

test('gradcheck: attention (causal, padding, GQA, T<S)', () => {
  const cases: { B: number; NH: number; NKV: number; T: number; S: number; HS: number; causal: boolean; pad?: boolean }[] = [
    { B: 1, NH: 1, NKV: 1, T: 3, S: 3, HS: 2, causal: true },
    { B: 2, NH: 2, NKV: 2, T: 4, S: 4, HS: 3, causal: true },
    { B: 2, NH: 2, NKV: 2, T: 3, S: 3, HS: 2, causal: false, pad: true },
    { B: 1, NH: 4, NKV: 2, T: 3, S: 3, HS: 2, causal: true },
    { B: 1, NH: 2, NKV: 1, T: 2, S: 5, HS: 3, causal: true },
    { B: 2, NH: 1, NKV: 1, T: 3, S: 3, HS: 1, causal: true, pad: true },
  ];
  for (const c of cases) {
    const mask = c.pad ? tensor(Array.from({ length: c.B * c.S }, (_, i) => (i % c.S === 1 ? 0 : 1)), { dtype: 'int32', shape: [c.B, c.S] }) : null;
    check(`attention ${JSON.stringify(c)}`, (q, k, v) => F.scaledDotProductAttention(q, k, v, { causal: c.causal, keyPaddingMask: mask }),
      [r64([c.B, c.NH, c.T, c.HS]), r64([c.B, c.NKV, c.S, c.HS]), r64([c.B, c.NKV, c.S, c.HS])]);
  }
});

test('gradcheck: a composed graph reusing a tensor (gradients accumulate)', () => {
  check('x*x + exp(x)', (x) => F.add(F.mul(x, x), F.exp(x)), [r64([3, 2])]);
  const ids = randint(0, 6, [2, 3], { rng });
  check('tiny block', (w, e) => F.sum(F.gelu(F.linear(F.layerNorm(F.embedding(ids, e), null, null), w))), [r64([4, 5]), r64([6, 5])]);
});

test('gradcheck detects a wrong backward', async () => {
  const { record, gradOf } = await import('../../src/autograd/tape.js');
  const { zeros } = await import('../../src/tensor/tensor.js');
  // y = x², with a backward that forgets the factor 2
  const badSquare = (x: Tensor): Tensor => {
    const out = zeros(x.shape, { dtype: x.dtype });
    const xv = x.fbuffer(), ov = out.fbuffer();
    for (let i = 0; i < xv.length; i++) ov[i] = xv[i]! * xv[i]!;
    return record(out, 'bad_square', [x], (g) => {
      const gx = gradOf(x);
      for (let i = 0; i < gx.length; i++) gx[i] += g[i]! * xv[i]!;
    });
  };
  const r = gradcheck(badSquare, [r64([4])]);
  assert.equal(r.ok, false);
  assert.match(r.failure!, /analytic .* numeric/);
});
