// Where oracle fixtures live: LMFORGE_FIXTURES (the live oracle's temporary folder in CI) or the
// committed test/fixtures. Missing fixtures fail the test with the command that makes them.
import { existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export function fixturePath(name: string): string {
  const dir = process.env.LMFORGE_FIXTURES ?? join(repoRoot, 'test', 'fixtures');
  const p = join(dir, name);
  if (!existsSync(p)) throw new Error(`fixture ${p} is missing: run \`npm run oracle\` (needs /usr/bin/python3 with torch)`);
  return p;
}
