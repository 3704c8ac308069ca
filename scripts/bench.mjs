// `npm run bench -- NAME [--json] [...]`: runs dist/bench/NAME.js, which prints ours vs a peer.
import { existsSync, readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const [name, ...rest] = process.argv.slice(2);
const dir = new URL('../dist/bench/', import.meta.url).pathname;
const available = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.js') && !f.startsWith('_')).map((f) => f.slice(0, -3)) : [];
if (!name || !available.includes(name)) {
  console.error(`usage: npm run bench -- NAME [--json]\n  benchmarks: ${available.join(', ') || '(none built)'}`);
  process.exit(name ? 1 : 0);
}
const r = spawnSync(process.execPath, ['--expose-gc', dir + name + '.js', ...rest], { stdio: 'inherit' });
process.exit(r.status ?? 1);
