#!/usr/bin/env node
// Best-effort build of the oneDNN addon (build/Release/tfjs_onednn.node) with
// node-gyp against the system oneDNN (`apt-get install libdnnl-dev`). When
// oneDNN, a compiler, node-gyp or Node's headers are missing it prints ONE
// line and exits 0: the package then runs on the pure tfjs path.
// Set TFJS_ONEDNN_SKIP_BUILD=1 to skip it.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const target = join(root, 'build', 'Release', 'tfjs_onednn.node');
const say = (msg) => console.log(`tfjs-onednn: ${msg}`);
const skip = (why) => {
  say(`${why}; native addon not built, the pure tfjs path will be used.`);
  process.exit(0);
};

if (process.env.TFJS_ONEDNN_SKIP_BUILD === '1') skip('TFJS_ONEDNN_SKIP_BUILD=1');

// Up to date? (sources and binding.gyp older than the built addon)
if (existsSync(target)) {
  const built = statSync(target).mtimeMs;
  const srcs = [join(root, 'binding.gyp'), ...readdirSync(join(root, 'native')).map((f) => join(root, 'native', f))];
  if (srcs.every((f) => statSync(f).mtimeMs <= built)) {
    say('addon up to date');
    process.exit(0);
  }
}

const includeDirs = ['/usr/include', '/usr/local/include', ...(process.env.CPATH ?? '').split(':').filter(Boolean)];
if (!includeDirs.some((d) => existsSync(join(d, 'oneapi', 'dnnl', 'dnnl.hpp')) || existsSync(join(d, 'dnnl.hpp')))) {
  skip('oneDNN headers not found (apt-get install libdnnl-dev)');
}
const cxx = process.env.CXX ?? 'g++';
if (spawnSync(cxx, ['--version'], { stdio: 'ignore' }).status !== 0) skip(`no C++ compiler (${cxx})`);

// node-gyp: npm tells scripts where its own copy is; else look next to npm.
const candidates = [
  process.env.npm_config_node_gyp,
  join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  join(dirname(process.execPath), 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
].filter((p) => p && existsSync(p));
const nodeGyp = candidates[0];
if (!nodeGyp) skip('node-gyp not found (it ships with npm)');

// Node's own headers when installed (no download needed offline).
const args = [nodeGyp, 'rebuild'];
const nodeDir = resolve(dirname(process.execPath), '..');
if (existsSync(join(nodeDir, 'include', 'node', 'node_api.h'))) args.push(`--nodedir=${nodeDir}`);

const t0 = Date.now();
const r = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', env: { ...process.env, JOBS: process.env.JOBS ?? '2' } });
if (r.status !== 0) {
  const log = `${r.stdout ?? ''}\n${r.stderr ?? ''}`;
  const first = log.split('\n').find((l) => /error|not found|cannot find/i.test(l) && !/^gyp info/.test(l)) ?? `exit ${r.status}`;
  skip(`node-gyp build failed (${first.trim().slice(0, 200)})`);
}
say(`addon built in ${((Date.now() - t0) / 1000).toFixed(1)} s (${target})`);
