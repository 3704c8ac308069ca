// The list of subcommands. Each module exports `register(program: Command): void`.
import type { Command } from 'commander';

type Register = (program: Command) => void;

// Add one line per subcommand module (relative to this folder).
const modules: string[] = [
  './demo.js',
  './prepare.js',
  './train.js',
  './eval.js',
  './sample.js',
  './tokenizer.js',
  './scaling.js',
  './convert.js',
  './pull.js',
];

export async function registry(): Promise<Register[]> {
  const out: Register[] = [];
  for (const m of modules) {
    const mod = (await import(m)) as { register: Register };
    out.push(mod.register);
  }
  return out;
}
