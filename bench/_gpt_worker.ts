// Worker for bench/train.ts and bench/generate.ts: our GPT behind the same JSON-lines protocol as
// bench/peers/gpt.py, in its own process so each case gets a fresh peak-RSS reading and its own
// LMFORGE_THREADS. Commands: ping, setup_train, train {iters}, setup_decode, decode {tokens}, rss.
import { createInterface } from 'node:readline';
import { GPT } from '../src/models/gpt.js';
import { Tensor } from '../src/tensor/tensor.js';
import { Rng } from '../src/tensor/rng.js';
import { flattenParameters } from '../src/train/flat.js';
import { AdamW, decayGroups } from '../src/train/optim.js';
import { kernelsFor, backendSummary } from '../src/kernels/backend.js';
import { generateIds } from '../src/generate/generate.js';
import { backward } from '../src/autograd/tape.js';

let step: (() => number) | null = null;
let decoder: ((n: number) => { ms: number; ids: number[] }) | null = null;

function setupTrain(r: { config: Record<string, number>; B: number; T: number; seed?: number }): void {
  const model = new GPT({ ...r.config }, { seed: r.seed ?? 0 });
  const groups = decayGroups(model.parameters(), 0.1);
  const flat = flattenParameters([...groups[0]!.params, ...groups[1]!.params]);
  const opt = new AdamW(groups, { lr: 1e-4, betas: [0.9, 0.95] });
  const rng = new Rng(1);
  const V = r.config.vocab_size!;
  const ids = (): Tensor => new Tensor(Int32Array.from({ length: r.B * r.T }, () => rng.randint(0, V)), [r.B, r.T]);
  const x = ids(), y = ids();
  const k = kernelsFor('float32');
  step = () => {
    const { loss } = model.forward(x, { targets: y });
    const value = loss!.item();
    backward(loss!, undefined, { releaseGraph: true });
    const norm = Math.sqrt(k.sumSquares(flat.grad.length, flat.grad));
    opt.step({ gradScale: norm > 1 ? 1 / norm : 1 });
    flat.grad.fill(0);
    return value;
  };
}

function setupDecode(r: { config: Record<string, number>; prompt: number[]; seed?: number }): void {
  const model = new GPT({ ...r.config }, { seed: r.seed ?? 0 }).eval();
  decoder = (n) => {
    const gen = generateIds(model, r.prompt, { temperature: 0, maxNewTokens: n + 1 });
    const ids = [gen.next().value as number]; // the prefill step is not timed
    const t0 = performance.now();
    for (const id of gen) ids.push(id);
    return { ms: (performance.now() - t0) / n, ids: ids.slice(0, n) };
  };
}

const rl = createInterface({ input: process.stdin });
const reply = (o: unknown): void => { process.stdout.write(JSON.stringify(o) + '\n'); };
rl.on('line', (line) => {
  const r = JSON.parse(line) as Record<string, unknown> & { cmd: string };
  try {
    switch (r.cmd) {
      case 'ping': reply({ ok: true, backend: backendSummary() }); break;
      case 'setup_train': setupTrain(r as never); reply({ ok: true }); break;
      case 'train': {
        const iters = r.iters as number;
        const t0 = performance.now();
        let loss = 0;
        for (let i = 0; i < iters; i++) loss = step!();
        reply({ ms: (performance.now() - t0) / iters, loss });
        break;
      }
      case 'setup_decode': setupDecode(r as never); reply({ ok: true }); break;
      case 'decode': { const d = decoder!(r.tokens as number); reply(d); break; }
      case 'rss': reply({ peak_mb: process.resourceUsage().maxRSS / 1024 }); break;
      default: reply({ error: `unknown cmd ${r.cmd}` });
    }
  } catch (e) {
    reply({ error: (e as Error).message });
  }
});
