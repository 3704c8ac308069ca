// The `lmforge` command: one file per subcommand under src/cli/, each exporting register(program).
import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join, dirname } from 'node:path';
import { registry } from './registry.js';

function version(): string {
  const pkg = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'package.json');
  return (JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version;
}

export async function main(argv: string[]): Promise<void> {
  const program = new Command();
  program
    .name('lmforge')
    .description('Build, train, fine-tune, inspect and run Transformer language models with Node.js alone.')
    .version(version())
    .showHelpAfterError();
  for (const register of await registry()) register(program);
  await program.parseAsync(argv);
}
