// Prepare data, train a tiny GPT, evaluate and sample through the library API (the same code paths as
// the CLI). Type-checked by `npm test` and run by test/examples.test.ts.
import { prepare, train, loadCheckpoint, resolveCheckpointDir, generate, tokenizers } from '../src/index.js';

export async function trainAndSample(inputFile: string, workDir: string): Promise<{ testLoss: number | null; text: string }> {
  await prepare({ inputs: [inputFile], tokenizer: 'char', out: `${workDir}/data`, valFrac: 0.1, testFrac: 0.1 });
  const result = await train({
    data: `${workDir}/data`, out: `${workDir}/run`, n_layer: 1, n_head: 2, n_embd: 32, block_size: 32,
    batch_size: 8, max_iters: 60, eval_interval: 30, eval_iters: 2, lr: 1e-2,
  });
  const best = loadCheckpoint(resolveCheckpointDir(result.runDir, 'best'));
  const tok = tokenizers.loadTokenizerSync(best.tokenizerPath!);
  let text = '';
  for await (const piece of generate(best.model, tok, 'the', { maxNewTokens: 20, temperature: 0 })) text += piece;
  return { testLoss: result.test?.loss ?? null, text };
}
