// Finds oneDNN's headers and library for the addon build: a pure function of
// the environment, a filesystem root (a temp dir in the tests) and a
// pkg-config runner, so every search path can be tested on a fake tree.
//
// Searched in this order (the first complete install wins):
//   1. DNNLROOT (set by Intel oneAPI's setvars.sh; also DNNL_ROOT, ONEDNN_ROOT)
//   2. CONDA_PREFIX (conda install -c conda-forge onednn)
//   3. pkg-config (`pkg-config --cflags --libs dnnl`, honours PKG_CONFIG_PATH)
//   4. CMake package configs (dnnl-config.cmake / DNNLConfig.cmake under
//      lib*/cmake/dnnl of CMAKE_PREFIX_PATH, /usr/local, /opt/intel/oneapi/dnnl/latest, /usr)
//   5. the system directories (Debian/Ubuntu libdnnl-dev: /usr/include +
//      /usr/lib/<multiarch>; Fedora onednn-devel: /usr/include + /usr/lib64;
//      /usr/local; CPATH and LIBRARY_PATH)
// A header or library counts only when it is a regular file (following
// symlinks) that is not empty.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const LIBS = ['libdnnl.so', 'libdnnl.dylib'];
const CMAKE_CONFIGS = ['dnnl-config.cmake', 'DNNLConfig.cmake'];
/** Directories the compiler and the dynamic loader search anyway: no -I, -L or rpath for them. */
const SYSTEM_INCLUDE = ['/usr/include'];

/** Debian's multiarch triplet for this machine (`x86_64-linux-gnu`, `aarch64-linux-gnu`). */
export function multiarch(arch = process.arch) {
  return { x64: 'x86_64-linux-gnu', arm64: 'aarch64-linux-gnu', ia32: 'i386-linux-gnu', ppc64: 'powerpc64le-linux-gnu', s390x: 's390x-linux-gnu' }[arch] ?? `${arch}-linux-gnu`;
}

function systemLibDirs(triplet) {
  return [`/usr/lib/${triplet}`, `/lib/${triplet}`, '/usr/lib64', '/lib64', '/usr/lib', '/lib'];
}

function splitPath(v) {
  return (v ?? '').split(':').filter(Boolean);
}

function uniq(list) {
  return [...new Set(list)];
}

/**
 * Finds oneDNN.
 * @param {object} [opts]
 * @param {Record<string, string | undefined>} [opts.env] environment (default process.env)
 * @param {string} [opts.root] filesystem root every absolute path is looked up under (default '/')
 * @param {(args: string[]) => string | undefined} [opts.pkgConfig] runs pkg-config, returns stdout or undefined when it fails or is absent (default: none)
 * @param {string} [opts.triplet] multiarch triplet (default from process.arch)
 * @returns {import('./find-onednn.d.mts').OneDnnSearch}
 */
export function findOneDnn(opts = {}) {
  const env = opts.env ?? process.env;
  const root = opts.root ?? '/';
  const triplet = opts.triplet ?? multiarch();
  const pkgConfig = opts.pkgConfig ?? (() => undefined);
  const at = (p) => (root === '/' ? p : join(root, p));
  const isFile = (p) => {
    try {
      const s = statSync(at(p));
      return s.isFile() && s.size > 0;
    } catch {
      return false;
    }
  };
  const searched = [];
  let sawHeaders = false;
  const sysLibs = systemLibDirs(triplet);

  /** Include dirs that make `#include <dnnl.hpp>` work from `dir` (an include root), or undefined. */
  const headerDirs = (dir) => {
    if (isFile(join(dir, 'dnnl.hpp'))) return [dir];
    // oneDNN 3.x installs only oneapi/dnnl/dnnl.hpp; the addon includes <dnnl.hpp>.
    if (isFile(join(dir, 'oneapi', 'dnnl', 'dnnl.hpp'))) return [dir, join(dir, 'oneapi', 'dnnl')];
    return undefined;
  };
  const hasLib = (dir) => LIBS.some((l) => isFile(join(dir, l)));
  const libDirsOf = (prefix) => [join(prefix, 'lib'), join(prefix, 'lib64'), join(prefix, 'lib', triplet)];

  /** A result for include/lib dirs, dropping the ones the toolchain searches anyway. */
  const found = (source, inc, lib, detail) => {
    const includeDirs = inc.filter((d) => !SYSTEM_INCLUDE.includes(d));
    const libDirs = lib.filter((d) => !sysLibs.includes(d));
    return { found: true, source, detail, includeDirs: uniq(includeDirs), libDirs: uniq(libDirs), rpath: uniq(libDirs) };
  };

  /** Tries one installation prefix (`<prefix>/include`, `<prefix>/lib*`). */
  const tryPrefix = (source, prefix) => {
    searched.push(`${source}=${prefix}`);
    const inc = headerDirs(join(prefix, 'include'));
    const lib = libDirsOf(prefix).find(hasLib);
    if (inc) sawHeaders = true;
    if (inc && lib) return found(source, inc, [lib], prefix);
    return undefined;
  };

  // 1-2. Explicit prefixes.
  for (const [name, source] of [['DNNLROOT', 'DNNLROOT'], ['DNNL_ROOT', 'DNNL_ROOT'], ['ONEDNN_ROOT', 'ONEDNN_ROOT'], ['CONDA_PREFIX', 'conda']]) {
    const v = env[name];
    if (!v) continue;
    const r = tryPrefix(source, resolve(v));
    if (r) return r;
  }

  // 3. pkg-config.
  const pc = pkgConfig(['--cflags', '--libs', 'dnnl']);
  searched.push('pkg-config dnnl');
  if (pc !== undefined) {
    const tokens = pc.trim().split(/\s+/).filter(Boolean);
    const incs = tokens.filter((t) => t.startsWith('-I')).map((t) => t.slice(2));
    const libs = tokens.filter((t) => t.startsWith('-L')).map((t) => t.slice(2));
    const inc = [...incs, ...SYSTEM_INCLUDE].map(headerDirs).find(Boolean);
    const lib = [...libs, ...sysLibs].find(hasLib);
    if (inc && lib) return found('pkg-config', uniq([...incs, ...inc]), [lib], tokens.join(' '));
  }

  // 4. CMake package configs: the prefix is the directory above lib*/ that holds include/.
  const cmakePrefixes = uniq([...splitPath(env.CMAKE_PREFIX_PATH), '/usr/local', '/opt/intel/oneapi/dnnl/latest', '/usr']);
  for (const prefix of cmakePrefixes) {
    for (const libDir of libDirsOf(prefix)) {
      for (const pkg of ['dnnl', 'DNNL', 'oneDNN']) {
        const cfgDir = join(libDir, 'cmake', pkg);
        const cfg = CMAKE_CONFIGS.find((f) => isFile(join(cfgDir, f)));
        if (!cfg) continue;
        searched.push(`cmake ${join(cfgDir, cfg)}`);
        const inc = headerDirs(join(prefix, 'include')) ?? cmakeIncludeDir(at, cfgDir, prefix, headerDirs);
        if (inc && hasLib(libDir)) return found('cmake', inc, [libDir], join(cfgDir, cfg));
      }
    }
  }

  // 5. System directories (and the compiler's environment variables).
  const incRoots = uniq([...splitPath(env.CPATH), ...splitPath(env.CPLUS_INCLUDE_PATH), '/usr/include', '/usr/local/include']);
  const libRoots = uniq([...splitPath(env.LIBRARY_PATH), ...sysLibs, '/usr/local/lib', '/usr/local/lib64', `/usr/local/lib/${triplet}`]);
  searched.push(`system (${incRoots.join(', ')})`);
  const inc = incRoots.map(headerDirs).find(Boolean);
  const lib = libRoots.find(hasLib);
  if (inc && lib) return found('system', inc, [lib], `${inc[0]}, ${lib}`);

  return { found: false, missing: inc || sawHeaders ? 'library' : 'headers', searched };
}

/** Reads INTERFACE_INCLUDE_DIRECTORIES of the targets file next to a CMake config (`${_IMPORT_PREFIX}` = prefix). */
function cmakeIncludeDir(at, cfgDir, prefix, headerDirs) {
  let files = [];
  try {
    files = readdirSync(at(cfgDir)).filter((f) => /targets.*\.cmake$/i.test(f));
  } catch {
    return undefined;
  }
  for (const f of files) {
    let text = '';
    try {
      text = readFileSync(at(join(cfgDir, f)), 'utf8');
    } catch {
      continue;
    }
    const m = /INTERFACE_INCLUDE_DIRECTORIES\s+"([^"]+)"/.exec(text);
    if (!m) continue;
    for (const d of m[1].split(';')) {
      const dir = d.replace('${_IMPORT_PREFIX}', prefix);
      const inc = headerDirs(dir);
      if (inc) return inc;
    }
  }
  return undefined;
}

/** How to install oneDNN, in one line. */
export const INSTALL_HINT =
  'install oneDNN (Debian/Ubuntu: apt-get install libdnnl-dev; Fedora: dnf install onednn-devel; conda: conda install -c conda-forge onednn; or set DNNLROOT), then run: npx tfjs-onednn-build';

