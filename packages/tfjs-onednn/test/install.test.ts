// The install side of the package: oneDNN discovery (a pure function over a
// fake filesystem tree in a temp dir) and the build script's one-line skips.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { findOneDnn, INSTALL_HINT, multiarch } from '../scripts/find-onednn.mjs';

const pkgRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const T = 'x86_64-linux-gnu';
const roots: string[] = [];

/** A fake filesystem: each path gets a small regular file, or a symlink for `-> target` entries. */
function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'find-onednn-'));
  roots.push(root);
  for (const [path, content] of Object.entries(files)) {
    const full = join(root, path);
    mkdirSync(dirname(full), { recursive: true });
    if (content.startsWith('-> ')) symlinkSync(content.slice(3), full);
    else writeFileSync(full, content);
  }
  return root;
}

const find = (root: string, env: Record<string, string> = {}, pkgConfig?: (args: string[]) => string | undefined) =>
  findOneDnn({ root, env, triplet: T, ...(pkgConfig ? { pkgConfig } : {}) });

afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

describe('findOneDnn', () => {
  it('Debian/Ubuntu libdnnl-dev: system headers and multiarch library, no extra flags', () => {
    const root = tree({
      '/usr/include/dnnl.hpp': 'h',
      '/usr/include/oneapi/dnnl/dnnl.hpp': 'h',
      [`/usr/lib/${T}/libdnnl.so.2.6`]: 'elf',
      [`/usr/lib/${T}/libdnnl.so`]: '-> libdnnl.so.2.6',
    });
    const r = find(root);
    expect(r).toMatchObject({ found: true, source: 'system', includeDirs: [], libDirs: [], rpath: [] });
  });

  it('Fedora onednn-devel (oneapi/dnnl headers only, /usr/lib64): adds the oneapi/dnnl include dir', () => {
    const root = tree({ '/usr/include/oneapi/dnnl/dnnl.hpp': 'h', '/usr/lib64/libdnnl.so': 'elf' });
    expect(find(root)).toMatchObject({ found: true, source: 'system', includeDirs: ['/usr/include/oneapi/dnnl'], libDirs: [], rpath: [] });
  });

  it('conda: $CONDA_PREFIX/include and lib, with an rpath', () => {
    const root = tree({ '/opt/conda/envs/m/include/dnnl.hpp': 'h', '/opt/conda/envs/m/lib/libdnnl.so': 'elf' });
    const r = find(root, { CONDA_PREFIX: '/opt/conda/envs/m' });
    expect(r).toMatchObject({ found: true, source: 'conda', includeDirs: ['/opt/conda/envs/m/include'], libDirs: ['/opt/conda/envs/m/lib'], rpath: ['/opt/conda/envs/m/lib'] });
  });

  it('DNNLROOT wins over the system copy and over CONDA_PREFIX; lib64 is found', () => {
    const root = tree({
      '/usr/include/dnnl.hpp': 'h',
      [`/usr/lib/${T}/libdnnl.so`]: 'elf',
      '/opt/conda/include/dnnl.hpp': 'h',
      '/opt/conda/lib/libdnnl.so': 'elf',
      '/opt/intel/oneapi/dnnl/2024.1/include/oneapi/dnnl/dnnl.hpp': 'h',
      '/opt/intel/oneapi/dnnl/2024.1/lib64/libdnnl.so': 'elf',
    });
    const r = find(root, { DNNLROOT: '/opt/intel/oneapi/dnnl/2024.1', CONDA_PREFIX: '/opt/conda' });
    expect(r).toMatchObject({
      found: true,
      source: 'DNNLROOT',
      includeDirs: ['/opt/intel/oneapi/dnnl/2024.1/include', '/opt/intel/oneapi/dnnl/2024.1/include/oneapi/dnnl'],
      libDirs: ['/opt/intel/oneapi/dnnl/2024.1/lib64'],
    });
  });

  it('a DNNLROOT without a library falls through to the next source and is listed as searched', () => {
    const root = tree({ '/opt/dnnl/include/dnnl.hpp': 'h', '/usr/include/dnnl.hpp': 'h', '/usr/lib64/libdnnl.so': 'elf' });
    const r = find(root, { DNNLROOT: '/opt/dnnl' });
    expect(r).toMatchObject({ found: true, source: 'system' });
    const none = find(tree({ '/opt/dnnl/include/dnnl.hpp': 'h' }), { DNNLROOT: '/opt/dnnl' });
    expect(none).toMatchObject({ found: false, missing: 'library' });
    if (!none.found) expect(none.searched).toContain('DNNLROOT=/opt/dnnl');
  });

  it('pkg-config: uses its -I and -L directories', () => {
    const root = tree({ '/srv/dnnl/include/dnnl.hpp': 'h', '/srv/dnnl/lib/libdnnl.so': 'elf' });
    const calls: string[][] = [];
    const r = find(root, {}, (args) => {
      calls.push(args);
      return '-I/srv/dnnl/include -L/srv/dnnl/lib -ldnnl\n';
    });
    expect(calls).toEqual([['--cflags', '--libs', 'dnnl']]);
    expect(r).toMatchObject({ found: true, source: 'pkg-config', includeDirs: ['/srv/dnnl/include'], libDirs: ['/srv/dnnl/lib'], rpath: ['/srv/dnnl/lib'] });
  });

  it('pkg-config output pointing at missing files is not trusted', () => {
    const root = tree({});
    expect(find(root, {}, () => '-I/srv/dnnl/include -L/srv/dnnl/lib -ldnnl')).toMatchObject({ found: false, missing: 'headers' });
  });

  it('CMake config (DNNLConfig.cmake under lib/cmake/dnnl of CMAKE_PREFIX_PATH)', () => {
    const root = tree({
      '/work/onednn/lib/cmake/dnnl/DNNLConfig.cmake': 'set()',
      '/work/onednn/include/dnnl.hpp': 'h',
      '/work/onednn/lib/libdnnl.so': 'elf',
    });
    const r = find(root, { CMAKE_PREFIX_PATH: '/elsewhere:/work/onednn' });
    expect(r).toMatchObject({ found: true, source: 'cmake', includeDirs: ['/work/onednn/include'], libDirs: ['/work/onednn/lib'] });
    if (r.found) expect(r.detail).toBe('/work/onednn/lib/cmake/dnnl/DNNLConfig.cmake');
  });

  it('CMake config whose targets file names the include directory (dnnl-config.cmake, /usr/local multiarch)', () => {
    const root = tree({
      [`/usr/local/lib/${T}/cmake/dnnl/dnnl-config.cmake`]: 'include(dnnl-targets.cmake)',
      [`/usr/local/lib/${T}/cmake/dnnl/dnnl-targets.cmake`]: 'set_target_properties(DNNL::dnnl PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${_IMPORT_PREFIX}/include/dnnl-2")',
      '/usr/local/include/dnnl-2/dnnl.hpp': 'h',
      [`/usr/local/lib/${T}/libdnnl.so`]: 'elf',
    });
    expect(find(root)).toMatchObject({ found: true, source: 'cmake', includeDirs: ['/usr/local/include/dnnl-2'], libDirs: [`/usr/local/lib/${T}`] });
  });

  it('CPATH and LIBRARY_PATH are searched with the system directories', () => {
    const root = tree({ '/home/u/inc/dnnl.hpp': 'h', '/home/u/lib/libdnnl.so': 'elf' });
    expect(find(root, { CPATH: '/nope:/home/u/inc', LIBRARY_PATH: '/home/u/lib' })).toMatchObject({
      found: true,
      source: 'system',
      includeDirs: ['/home/u/inc'],
      libDirs: ['/home/u/lib'],
    });
  });

  it('files hidden by /dev/null (as CI does) or left empty do not count', () => {
    const root = tree({
      '/usr/include/dnnl.hpp': '-> /dev/null',
      '/usr/include/oneapi/dnnl/dnnl.hpp': '',
      [`/usr/lib/${T}/libdnnl.so`]: '-> /dev/null',
    });
    const r = find(root);
    expect(r).toMatchObject({ found: false, missing: 'headers' });
    if (!r.found) {
      expect(r.searched).toContain('pkg-config dnnl');
      expect(r.searched.some((s) => s.startsWith('system ('))).toBe(true);
    }
  });

  it('headers without the library: missing library', () => {
    expect(find(tree({ '/usr/include/dnnl.hpp': 'h', '/usr/lib/libdnnl.so.2': 'elf' }))).toMatchObject({ found: false, missing: 'library' });
  });

  it('multiarch triplets', () => {
    expect(multiarch('x64')).toBe('x86_64-linux-gnu');
    expect(multiarch('arm64')).toBe('aarch64-linux-gnu');
  });
});

describe('scripts/build-addon.mjs skips in one line and exits 0', () => {
  const runScript = (env: Record<string, string>, args: string[] = []) =>
    spawnSync(process.execPath, [join(pkgRoot, 'scripts', 'build-addon.mjs'), ...args], { cwd: pkgRoot, encoding: 'utf8', env: { ...process.env, ...env } });

  it('TFJS_ONEDNN_SKIP_BUILD=1', () => {
    const r = runScript({ TFJS_ONEDNN_SKIP_BUILD: '1' });
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^tfjs-onednn: native addon not built: TFJS_ONEDNN_SKIP_BUILD=1 .*pure tfjs path/);
  });

  it('no C++ compiler (or, on a machine without oneDNN, no oneDNN): one line with how to get it; --strict exits 1', () => {
    const env = { CXX: '/nonexistent/c++', TFJS_ONEDNN_SKIP_BUILD: '' };
    const r = runScript(env, ['--force']);
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^tfjs-onednn: native addon not built: (no C\+\+ compiler \(\/nonexistent\/c\+\+\)|oneDNN not found).*To get the oneDNN kernels: .*npx tfjs-onednn-build/);
    expect(runScript(env, ['--force', '--strict']).status).toBe(1);
  });

  it('the hint names every supported way to install oneDNN', () => {
    for (const s of ['apt-get install libdnnl-dev', 'dnf install onednn-devel', 'conda install', 'DNNLROOT', 'npx tfjs-onednn-build']) expect(INSTALL_HINT).toContain(s);
  });
});
