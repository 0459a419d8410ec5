#!/usr/bin/env node
// Best-effort build of the oneDNN addon (build/Release/tfjs_onednn.node) with
// node-gyp. It is the package's npm `install` script (so npm does not add its
// implicit `node-gyp rebuild`, which fails the whole install without oneDNN),
// its `build` step, and the `tfjs-onednn-build` command for building later:
//
//   npx tfjs-onednn-build            # after installing oneDNN
//
// oneDNN is looked up by ./find-onednn.mjs (DNNLROOT, CONDA_PREFIX,
// pkg-config, CMake configs, the system directories). When oneDNN, a C++
// compiler, Python (for node-gyp), node-gyp or Node's headers are missing, or
// the compile fails, it prints ONE line saying what was skipped and how to get
// it, and exits 0: the package then runs on the pure tfjs path.
// TFJS_ONEDNN_SKIP_BUILD=1 skips it; `--force` rebuilds even when up to date;
// `--strict` exits 1 instead of 0 when the addon could not be built;
// `--verbose` shows node-gyp's output.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findOneDnn, INSTALL_HINT } from './find-onednn.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const target = join(root, 'build', 'Release', 'tfjs_onednn.node');
const argv = process.argv.slice(2);
const force = argv.includes('--force');
const strict = argv.includes('--strict');
const verbose = argv.includes('--verbose');
const say = (msg) => console.log(`tfjs-onednn: ${msg}`);
const skip = (why, how = INSTALL_HINT) => {
  say(`native addon not built: ${why}; the pure tfjs path will be used. To get the oneDNN kernels: ${how}`);
  process.exit(strict ? 1 : 0);
};

if (argv.includes('--help') || argv.includes('-h')) {
  console.log('Usage: tfjs-onednn-build [--force] [--strict] [--verbose]\nBuilds the oneDNN addon of @byolmed3d/tfjs-onednn (node-gyp; oneDNN from DNNLROOT, CONDA_PREFIX, pkg-config, CMake configs or the system).');
  process.exit(0);
}
if (process.env.TFJS_ONEDNN_SKIP_BUILD === '1') skip('TFJS_ONEDNN_SKIP_BUILD=1 is set', 'unset it, then run: npx tfjs-onednn-build');

const runs = (cmd, args) => {
  const r = spawnSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return r.status === 0 ? r.stdout : undefined;
};

const dnnl = findOneDnn({ pkgConfig: (args) => runs(process.env.PKG_CONFIG ?? 'pkg-config', args) });
if (!dnnl.found) skip(dnnl.missing === 'library' ? 'oneDNN headers found but not libdnnl.so' : 'oneDNN not found (no dnnl.hpp)');

// Up to date? (sources and binding.gyp older than the built addon)
if (existsSync(target) && !force) {
  const built = statSync(target).mtimeMs;
  const srcs = [join(root, 'binding.gyp'), ...readdirSync(join(root, 'native')).map((f) => join(root, 'native', f))];
  if (srcs.every((f) => statSync(f).mtimeMs <= built)) {
    say(`addon up to date (${target})`);
    process.exit(0);
  }
}

const cxx = process.env.CXX ?? 'g++';
if (runs(cxx, ['--version']) === undefined) {
  skip(`no C++ compiler (${cxx})`, `install one (apt-get install g++ / dnf install gcc-c++), then run: npx tfjs-onednn-build`);
}
const python = process.env.npm_config_python ?? process.env.PYTHON ?? 'python3';
if (runs(python, ['--version']) === undefined) {
  skip(`no Python for node-gyp (${python})`, 'install python3 (or set PYTHON), then run: npx tfjs-onednn-build');
}

// node-gyp: npm tells scripts where its own copy is; else look next to npm.
const nodeGyp = [
  process.env.npm_config_node_gyp,
  join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  join(dirname(process.execPath), 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
].find((p) => p && existsSync(p));
if (!nodeGyp) skip('node-gyp not found (it ships with npm)', 'reinstall npm, then run: npx tfjs-onednn-build');

// Node's own headers when installed (no download needed offline).
const args = [nodeGyp, 'rebuild'];
const nodeDir = resolve(dirname(process.execPath), '..');
if (existsSync(join(nodeDir, 'include', 'node', 'node_api.h'))) args.push(`--nodedir=${nodeDir}`);

// binding.gyp reads the directories from these (':'-separated).
const env = {
  ...process.env,
  JOBS: process.env.JOBS ?? '2',
  TFJS_ONEDNN_INCLUDE_DIRS: dnnl.includeDirs.join(':'),
  TFJS_ONEDNN_LIB_DIRS: dnnl.libDirs.join(':'),
  TFJS_ONEDNN_RPATH: dnnl.rpath.join(':'),
};
const t0 = Date.now();
const r = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', env, stdio: verbose ? 'inherit' : 'pipe' });
if (r.status !== 0) {
  const log = `${r.stdout ?? ''}\n${r.stderr ?? ''}`;
  const first = log.split('\n').find((l) => /error|not found|cannot find/i.test(l) && !/^gyp info/.test(l)) ?? `exit ${r.status}`;
  skip(`node-gyp build failed with oneDNN from ${dnnl.source} (${first.trim().slice(0, 200)})`, 'run `npx tfjs-onednn-build --verbose` for the compiler output');
}
say(`addon built in ${((Date.now() - t0) / 1000).toFixed(1)} s against oneDNN from ${dnnl.source} (${dnnl.detail}): ${target}`);
