// Builds the native addon with node-gyp during `npm install`. Never fails the install:
// without a compiler lmforge runs on the JS backend and says so once at run time.
const { spawnSync } = require('node:child_process');
const { existsSync } = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const verbose = process.argv.includes('--verbose');
if (!existsSync(path.join(root, 'binding.gyp'))) process.exit(0);
if (process.env.LMFORGE_SKIP_NATIVE === '1') { console.log('lmforge: LMFORGE_SKIP_NATIVE=1, native backend not built'); process.exit(0); }
const gyp = process.env.npm_config_node_gyp;
const cmd = gyp ? [process.execPath, [gyp, 'rebuild']] : ['npx', ['--no-install', 'node-gyp', 'rebuild']];
const r = spawnSync(cmd[0], cmd[1], { cwd: root, stdio: verbose ? 'inherit' : 'pipe', encoding: 'utf8' });
if (r.status === 0) { console.log('lmforge: native backend built'); process.exit(0); }
console.log('lmforge: native backend could not be built; the JS backend will be used.');
if (!verbose && r.stderr) console.log(String(r.stderr).split('\n').slice(-15).join('\n'));
process.exit(0);
