// The tape: define-by-run recording of op results and a topological reverse pass.
// Each op result that depends on a tensor requiring grad carries a Node whose `backward`
// receives the (contiguous) gradient of that result and ACCUMULATES into its inputs' grads.
// After backward the graph is released: nodes are dropped and intermediate grads freed.
import { allocateUninit, type FloatArray, type Storage } from '../tensor/dtype.js';
import { releaseBuffer } from '../tensor/pool.js';
import { Tensor, zeros } from '../tensor/tensor.js';
import { fmtShape, shapesEqual } from '../tensor/shape.js';

export interface Node {
  /** Op name, for error messages and graph inspection. */
  op: string;
  inputs: Tensor[];
  /** Accumulate input gradients given this node's output gradient (contiguous). */
  backward: (gOut: FloatArray) => void;
}

/** Marks a result whose graph was already consumed by a backward pass. */
const RELEASED: Node = {
  op: 'released',
  inputs: [],
  backward: () => {
    throw new Error('backward(): trying to backpropagate through a graph a second time; the graph is released after backward (recompute the forward pass)');
  },
};

let gradEnabled = true;

export function isGradEnabled(): boolean {
  return gradEnabled;
}

/**
 * Run `fn` without recording: results never require grad (evaluation, generation, optimizer steps).
 * @example const logits = noGrad(() => model.forward(ids));
 */
export function noGrad<T>(fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

/** True when an op on these inputs must be recorded. */
export function needsGrad(...inputs: (Tensor | null | undefined)[]): boolean {
  if (!gradEnabled) return false;
  for (const t of inputs) if (t && t.requiresGrad) return true;
  return false;
}

/** Attach a tape node to `out` if any input requires grad. Returns `out`. */
export function record(out: Tensor, op: string, inputs: (Tensor | null | undefined)[], backward: (gOut: FloatArray) => void): Tensor {
  const ins = inputs.filter((t): t is Tensor => !!t);
  if (needsGrad(...ins)) {
    out.requiresGrad = true;
    out.ctx = { op, inputs: ins, backward };
  }
  return out;
}

/** The contiguous gradient buffer of `t`, allocated (zeros) on first use. */
export function gradOf(t: Tensor): FloatArray {
  if (!t.grad) {
    if (t.dtype === 'int32') throw new Error(`gradOf: int32 tensor of shape ${fmtShape(t.shape)} cannot have a gradient`);
    t.grad = zeros(t.shape, { dtype: t.dtype });
  }
  return t.grad.fbuffer();
}

/**
 * Gives `t` (which has no gradient yet) a gradient buffer with undefined contents, for a kernel that
 * overwrites it completely (the first gradient to reach t: no zero fill, no read of zeros); later uses
 * accumulate into it as usual.
 */
export function uninitGrad(t: Tensor): FloatArray {
  t.grad = new Tensor(allocateUninit(t.dtype, t.size), t.shape);
  return t.grad.fbuffer();
}

/**
 * The gradient buffer of `t` for a kernel that can either overwrite or accumulate (null when t needs no
 * gradient): the first gradient to reach t gets an uninitialised buffer and `overwrite: true`.
 */
export function gradForKernel(t: Tensor): { buf: FloatArray; overwrite: boolean } | null {
  if (!t.requiresGrad) return null;
  return t.grad === null ? { buf: uninitGrad(t), overwrite: true } : { buf: gradOf(t), overwrite: false };
}

/** The gradient buffer of `t` if it needs one, else null (so kernels skip that gradient). */
export function gradIfNeeded(t: Tensor | null | undefined): FloatArray | null {
  return t && t.requiresGrad ? gradOf(t) : null;
}

export interface BackwardOptions {
  /**
   * Also recycle the storage of every intermediate result of the graph (activations) into the buffer
   * pool. Only for callers that hold no intermediate tensor (the trainer): a released tensor throws
   * when read.
   */
  releaseGraph?: boolean;
}

const RELEASED_STORAGE = new Float32Array(0);

/** Reverse-mode sweep from `root` (see Tensor.backward). */
export function backward(root: Tensor, gradient?: Tensor, opts: BackwardOptions = {}): void {
  if (!root.requiresGrad) throw new Error(`backward(): tensor of shape ${fmtShape(root.shape)} does not require grad (no input had requiresGrad, or it was computed under noGrad)`);
  if (gradient) {
    if (!shapesEqual(gradient.shape, root.shape)) throw new Error(`backward(): gradient shape ${fmtShape(gradient.shape)} does not match tensor shape ${fmtShape(root.shape)}`);
  } else if (root.size !== 1) {
    throw new Error(`backward(): output of shape ${fmtShape(root.shape)} is not a scalar; pass an explicit gradient of that shape`);
  }

  // topological order by iterative DFS over nodes
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  const stack: [Tensor, number][] = [[root, 0]];
  seen.add(root);
  while (stack.length) {
    const top = stack[stack.length - 1]!;
    const [t, i] = top;
    const ins = t.ctx ? t.ctx.inputs : [];
    if (i < ins.length) {
      top[1] = i + 1;
      const c = ins[i]!;
      if (c.requiresGrad && !seen.has(c)) { seen.add(c); stack.push([c, 0]); }
    } else {
      stack.pop();
      order.push(t);
    }
  }

  const g = gradOf(root);
  if (gradient) {
    const src = gradient.toArray();
    for (let i = 0; i < g.length; i++) g[i] += src[i]!;
  } else {
    g[0] += 1;
  }

  for (let i = order.length - 1; i >= 0; i--) {
    const t = order[i]!;
    const node = t.ctx;
    if (!node) continue; // leaf: keeps its accumulated grad
    if (t.grad) node.backward(t.grad.fbuffer());
    // release the graph and the intermediate gradient (its buffer is dead: only kernels saw it)
    t.ctx = RELEASED;
    if (!t.retainsGrad && t.grad) {
      releaseBuffer(t.grad.data);
      t.grad = null;
    }
  }

  if (opts.releaseGraph) {
    // storage owned by leaves (parameters, inputs) is never released; views share their base's storage
    const keep = new Set<Storage>();
    for (const t of order) if (t.ctx === null) keep.add(t.data);
    const done = new Set<Storage>();
    for (const t of order) {
      if (t.ctx === null || t.retainsGrad || keep.has(t.data)) continue;
      if (!done.has(t.data)) { done.add(t.data); releaseBuffer(t.data); }
      t.data = RELEASED_STORAGE;
    }
  }
}
