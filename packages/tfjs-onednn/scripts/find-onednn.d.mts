/** Where oneDNN was found, as compiler and linker directories. */
export interface OneDnnFound {
  found: true;
  /** Which search found it: `DNNLROOT`, `DNNL_ROOT`, `ONEDNN_ROOT`, `conda`, `pkg-config`, `cmake` or `system`. */
  source: string;
  /** The prefix, pkg-config output, CMake config file or header/library pair that matched. */
  detail: string;
  /** `-I` directories (none when the headers are in /usr/include). */
  includeDirs: string[];
  /** `-L` directories (none for the system library directories). */
  libDirs: string[];
  /** Run-time search paths baked into the addon (the non-system library directories). */
  rpath: string[];
}

/** oneDNN was not found. */
export interface OneDnnMissing {
  found: false;
  /** What was missing: no header anywhere, or headers without the library. */
  missing: 'headers' | 'library';
  /** Every place searched, in order. */
  searched: string[];
}

export type OneDnnSearch = OneDnnFound | OneDnnMissing;

/** Options of {@link findOneDnn}. */
export interface FindOneDnnOptions {
  /** Environment; default `process.env`. */
  env?: Record<string, string | undefined>;
  /** Filesystem root every absolute path is looked up under; default `/`. */
  root?: string;
  /** Runs pkg-config with these arguments; stdout, or undefined when it fails. Default: pkg-config is not consulted. */
  pkgConfig?: (args: string[]) => string | undefined;
  /** Multiarch triplet; default from `process.arch`. */
  triplet?: string;
}

/** Finds oneDNN's headers and library (DNNLROOT, conda, pkg-config, CMake configs, system directories). */
export function findOneDnn(opts?: FindOneDnnOptions): OneDnnSearch;

/** Debian's multiarch triplet for an architecture (default this machine's). */
export function multiarch(arch?: string): string;

/** How to install oneDNN and build the addon, in one line. */
export const INSTALL_HINT: string;
