// Module: a tree of named parameters and submodules with HF-style dotted names, a state dict
// and a strict load that lists missing, unexpected and mis-shaped keys.
import { Tensor } from '../tensor/tensor.js';
import { fmtShape, shapesEqual } from '../tensor/shape.js';

export class Module {
  training = true;
  private readonly _params = new Map<string, Tensor>();
  private readonly _children = new Map<string, Module>();

  /** Register (or replace) a parameter under `name`; it becomes a leaf that requires grad. */
  protected param(name: string, t: Tensor): Tensor {
    if (t.isLeaf && t.dtype !== 'int32') t.requiresGrad = true;
    this._params.set(name, t);
    return t;
  }

  /** Register a submodule under `name` (use "0", "1", ... for lists, as PyTorch's ModuleList). */
  protected child<M extends Module>(name: string, m: M): M {
    this._children.set(name, m);
    return m;
  }

  /** [dotted name, tensor] for every parameter, in registration order (shared tensors listed once). */
  namedParameters(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    const seen = new Set<Tensor>();
    const walk = (m: Module, p: string): void => {
      for (const [n, t] of m._params) {
        if (seen.has(t)) continue;
        seen.add(t);
        out.push([p + n, t]);
      }
      for (const [n, c] of m._children) walk(c, `${p}${n}.`);
    };
    walk(this, prefix);
    return out;
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  /** Total number of parameter values (shared tensors counted once). */
  numParameters(): number {
    return this.parameters().reduce((a, t) => a + t.size, 0);
  }

  /** Name → tensor for every parameter (including tied ones under each of their names). */
  stateDict(): Map<string, Tensor> {
    const out = new Map<string, Tensor>();
    const walk = (m: Module, p: string): void => {
      for (const [n, t] of m._params) out.set(p + n, t);
      for (const [n, c] of m._children) walk(c, `${p}${n}.`);
    };
    walk(this, '');
    return out;
  }

  /**
   * Copy values from `state` into the parameters. With `strict` (default) every key must match
   * and every shape agree; the error lists missing, unexpected and mis-shaped keys.
   */
  loadStateDict(state: Map<string, Tensor> | Record<string, Tensor>, opts: { strict?: boolean; source?: string } = {}): void {
    const src = state instanceof Map ? state : new Map(Object.entries(state));
    const own = this.stateDict();
    const missing = [...own.keys()].filter((k) => !src.has(k));
    const unexpected = [...src.keys()].filter((k) => !own.has(k));
    const badShape: string[] = [];
    for (const [k, t] of own) {
      const s = src.get(k);
      if (s && !shapesEqual(s.shape, t.shape)) badShape.push(`${k}: expected ${fmtShape(t.shape)}, got ${fmtShape(s.shape)}`);
    }
    const strict = opts.strict ?? true;
    if (badShape.length || (strict && (missing.length || unexpected.length))) {
      const parts = [];
      if (missing.length) parts.push(`missing keys (${missing.length}): ${missing.slice(0, 20).join(', ')}${missing.length > 20 ? ', …' : ''}`);
      if (unexpected.length) parts.push(`unexpected keys (${unexpected.length}): ${unexpected.slice(0, 20).join(', ')}${unexpected.length > 20 ? ', …' : ''}`);
      if (badShape.length) parts.push(`shape mismatches: ${badShape.join('; ')}`);
      throw new Error(`loadStateDict${opts.source ? ` (${opts.source})` : ''}: ${parts.join('; ')}`);
    }
    for (const [k, t] of own) {
      const s = src.get(k);
      if (!s) continue;
      const vals = s.toArray();
      const dst = t.buffer();
      for (let i = 0; i < dst.length; i++) dst[i] = vals[i]!;
    }
  }

  /** Training mode (dropout on). Returns this. */
  train(on = true): this {
    this.training = on;
    for (const c of this._children.values()) c.train(on);
    return this;
  }

  /** Evaluation mode (dropout off). Returns this. */
  eval(): this {
    return this.train(false);
  }

  /** Set every gradient to zero (keeping preallocated gradient buffers). */
  zeroGrad(): void {
    for (const p of this.parameters()) if (p.grad) p.grad.fbuffer().fill(0);
  }
}

/** An indexed list of submodules named "0", "1", ... (PyTorch's ModuleList). */
export class ModuleList<M extends Module> extends Module {
  readonly items: M[] = [];
  push(m: M): M {
    this.child(String(this.items.length), m);
    this.items.push(m);
    return m;
  }
}
