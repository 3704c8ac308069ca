// Tiny GPTs against a PyTorch GPT loaded from the same safetensors (tools/oracle/gpt.py):
// logits, loss, every parameter gradient and the losses of 10 AdamW steps, on every backend.
// Tolerances: logits/loss 1e-5 + 1e-4·|torch|; grads 1e-5 + 1e-3·|torch|; AdamW losses 2e-4 absolute.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readSafetensors } from '../../src/io/safetensors.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { GPT } from '../../src/models/gpt.js';
import { AdamW, decayGroups } from '../../src/train/optim.js';
import { availableBackends, setBackend, currentBackend } from '../../src/kernels/backend.js';
import { assertClose } from '../helpers/assert.js';
import { fixturePath } from '../helpers/fixtures.js';

for (const name of ['one_block', 'tiny']) {
  for (const backend of availableBackends()) {
    test(`GPT ${name} matches PyTorch: logits, loss, all grads, 10 AdamW steps (${backend})`, () => {
      const prev = currentBackend();
      setBackend(backend);
      try {
        const { tensors, metadata } = readSafetensors(fixturePath(`gpt_${name}.safetensors`));
        const cfg = JSON.parse(metadata.config!);
        const adam = JSON.parse(metadata.adamw!);
        const model = new GPT({ ...cfg, activation: 'gelu_tanh' }, { init: false });
        const state = new Map<string, Tensor>();
        for (const [k, v] of tensors) if (k.startsWith('init.')) state.set(k.slice(5), v);
        model.loadStateDict(state);
        const ids = tensors.get('ids')!, targets = tensors.get('targets')!;
        const { logits, loss } = model.forward(ids, { targets, ignoreIndex: -1 });
        assertClose(logits, tensors.get('logits')!, 1e-5, 1e-4, `${name} logits`);
        assertClose([loss!.item()], tensors.get('loss')!, 1e-5, 1e-4, `${name} loss`);
        loss!.backward();
        let checked = 0;
        for (const [pname, p] of model.namedParameters()) {
          const g = tensors.get(`grad.${pname}`);
          assert.ok(g, `no torch gradient for ${pname}`);
          assertClose(p.grad!, g, 1e-5, 1e-3, `${name} grad ${pname}`);
          checked++;
        }
        assert.equal(checked, [...tensors.keys()].filter((k) => k.startsWith('grad.')).length);
        // 10 AdamW steps from the same start
        model.loadStateDict(state);
        const opt = new AdamW(decayGroups(model.parameters(), adam.weight_decay), { lr: adam.lr, betas: adam.betas, eps: adam.eps });
        const expected = tensors.get('adamw_losses')!.toArray();
        const losses: number[] = [];
        for (let i = 0; i < adam.steps; i++) {
          const out = model.forward(ids, { targets, ignoreIndex: -1 });
          opt.zeroGrad();
          out.loss!.backward();
          opt.step();
          losses.push(out.loss!.item());
        }
        assertClose(losses, expected, 2e-4, 0, `${name} AdamW losses`);
      } finally {
        setBackend(prev);
      }
    });
  }
}
