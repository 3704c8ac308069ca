// Builds the native addon with node-gyp during `npm install`. Never fails the install:
// without a compiler lmforge runs on the JS backend and says so once at run time.
// Offline-friendly: uses the node headers installed beside this node (e.g. /usr/include/node) when
// present, so node-gyp does not try to download them.
const { spawnSync } = require('node:child_process');
const { existsSync } = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const verbose = process.argv.includes('--verbose');
if (!existsSync(path.join(root, 'binding.gyp'))) process.exit(0);
if (process.env.LMFORGE_SKIP_NATIVE === '1') { console.log('lmforge: LMFORGE_SKIP_NATIVE=1, native backend not built'); process.exit(0); }

/** node-gyp's entry script: npm's (during npm install), a local one, or the one bundled with npm. */
function findNodeGyp() {
  if (process.env.npm_config_node_gyp && existsSync(process.env.npm_config_node_gyp)) return process.env.npm_config_node_gyp;
  try { return require.resolve('node-gyp/bin/node-gyp.js', { paths: [root] }); } catch { /* not installed locally */ }
  const prefix = path.dirname(path.dirname(process.execPath));
  for (const p of [path.join(prefix, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    path.join(prefix, 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js')]) {
    if (existsSync(p)) return p;
  }
  return null;
}

const args = ['rebuild', '--jobs', 'max'];
const prefix = path.dirname(path.dirname(process.execPath));
if (!process.env.npm_config_nodedir && existsSync(path.join(prefix, 'include', 'node', 'common.gypi'))) args.push(`--nodedir=${prefix}`);
const gyp = findNodeGyp();
const cmd = gyp ? [process.execPath, [gyp, ...args]] : ['npx', ['--no-install', 'node-gyp', ...args]];
const r = spawnSync(cmd[0], cmd[1], { cwd: root, stdio: verbose ? 'inherit' : 'pipe', encoding: 'utf8' });
if (r.status === 0) { console.log('lmforge: native backend built'); process.exit(0); }
console.log('lmforge: native backend could not be built; the JS backend will be used.');
if (!verbose) console.log(String((r.stderr || '') + (r.error ? r.error.message : '')).split('\n').slice(-15).join('\n'));
process.exit(0);
