import * as tf from '@tensorflow/tfjs-core';

/** Names accepted by `--backend`. `auto` picks the fastest one present. */
export type BackendChoice = 'auto' | 'tensorflow-gpu' | 'webgpu' | 'tensorflow' | 'onednn' | 'portable' | 'wasm' | 'cpu';

/** What {@link selectBackend} chose and why. */
export interface SelectedBackend {
  /** The choice that won, in `--backend` terms. */
  choice: Exclude<BackendChoice, 'auto'>;
  /** The tfjs backend name now active (`tf.getBackend()`). */
  tfBackend: string;
  /** One human-readable line: what was chosen (with the precision on onednn) and what was skipped. */
  message: string;
  /** Compute precision of the native kernels: set on `onednn` (`'fp32'` or `'bf16'`) and `webgpu` (`'fp32'` or `'f16'`), else undefined (fp32). */
  precision?: 'fp32' | 'bf16' | 'f16';
}

/** Options of {@link selectBackend}. */
export interface SelectBackendOptions {
  /** Backend to force; default `'auto'` (fastest available). */
  backend?: BackendChoice;
  /** Threads for native kernels where the backend supports it; default all cores. */
  threads?: number;
  /**
   * Compute precision on the `onednn` backend: `'fp32'`, `'bf16'` (bf16
   * convolutions and matmuls with fp32 accumulation) or `'auto'` (bf16 where
   * the CPU runs it natively); default `'auto'`. `'bf16'` on a CPU where
   * oneDNN cannot run bf16 at all (no avx512_core) runs fp32 and the backend
   * line says why. On `webgpu`, `'fp32'` keeps
   * fp32 and anything else is that package's `auto` (f16 tiles with fp32
   * accumulation on a hardware adapter with `shader-f16`). Other backends run fp32.
   */
  precision?: 'fp32' | 'bf16' | 'auto';
}

interface Candidate {
  choice: Exclude<BackendChoice, 'auto'>;
  /** Loads the candidate; returns the tfjs backend name, or throws why it is unusable. */
  load: (opts: SelectBackendOptions) => Promise<string>;
  /** After a successful load: e.g. `bf16: avx512_core_bf16` for the backend line, and the precision. */
  detail?: () => { text: string; precision: 'fp32' | 'bf16' | 'f16' } | undefined;
}

/** The adapter `@byolmed3d/tfjs-webgpu` opened, for the backend line. */
let webgpuAdapter: { name: string; isSoftware: boolean; precision: 'fp32' | 'f16'; reason: string } | undefined;

/** The WebGPU adapter `selectBackend` opened, while webgpu is the active backend (else undefined). */
export function activeWebGpuAdapter(): { name: string; isSoftware: boolean } | undefined {
  return tf.getBackend() === 'webgpu' ? webgpuAdapter : undefined;
}

/** What the oneDNN package reports about itself (`getOneDnnInfo`), when it has it. */
let onednnInfo: (() => { precision: 'fp32' | 'bf16'; isa: string; reason: string }) | undefined;
/** Why the onednn kernels run fp32 although bf16 was asked for (undefined when they run what was asked). */
let onednnFallback: string | undefined;

/** The oneDNN package's `releaseDuringBackprop` and the backend name it registered, once loaded. */
let onednnRelease: { backend: string; wrap: <T extends tf.Tensor>(f: () => T) => () => T } | undefined;

/**
 * The loss wrapper training should pass to the learner (`lossWrapper`) on the
 * active backend: `releaseDuringBackprop` of `@byolmed3d/tfjs-onednn` (frees
 * saved tensors during the backward pass, same results) while the backend
 * `selectBackend` loaded from it is active, else undefined (the identity).
 */
export function backendLossWrapper(): (<T extends tf.Tensor>(f: () => T) => () => T) | undefined {
  return onednnRelease && tf.getBackend() === onednnRelease.backend ? onednnRelease.wrap : undefined;
}

// Optional packages are imported by computed name so that neither TypeScript
// nor bundlers require them to be installed.
async function importOptional(name: string): Promise<unknown> {
  return import(/* @vite-ignore */ name);
}

const candidates: Candidate[] = [
  {
    choice: 'tensorflow-gpu',
    load: async () => {
      await importOptional('@tensorflow/tfjs-node-gpu');
      await tf.setBackend('tensorflow');
      const backend = tf.backend() as unknown as { isUsingGpuDevice?: boolean };
      if (!backend.isUsingGpuDevice) throw new Error('tfjs-node-gpu found no usable GPU');
      return 'tensorflow';
    },
  },
  {
    // WebGPU through @byolmed3d/tfjs-webgpu (Dawn in Node). Under `auto` only
    // on a hardware adapter: a software one (llvmpipe, SwiftShader) is slower
    // than the CPU backends and is used only when asked for.
    choice: 'webgpu',
    load: async (opts) => {
      const mod = (await importOptional('@byolmed3d/tfjs-webgpu')) as {
        registerWebGpuBackend?: (o: { allowSoftware?: boolean; precision?: 'fp32' | 'auto' }) => Promise<{
          name: string;
          adapter: { name: string; isSoftware: boolean };
          precision?: 'fp32' | 'f16';
          precisionReason?: string;
        }>;
      };
      if (typeof mod.registerWebGpuBackend !== 'function') throw new Error('@byolmed3d/tfjs-webgpu has no registerWebGpuBackend');
      // --precision fp32 keeps fp32; otherwise the package's auto (f16 with f32 accumulation on a hardware adapter with shader-f16).
      const info = await mod.registerWebGpuBackend({ allowSoftware: (opts.backend ?? 'auto') !== 'auto', precision: opts.precision === 'fp32' ? 'fp32' : 'auto' });
      if (!(await tf.setBackend(info.name))) throw new Error(`backend ${info.name} failed to start`);
      webgpuAdapter = { ...info.adapter, precision: info.precision ?? 'fp32', reason: info.precisionReason ?? 'fp32 kernels' };
      return info.name;
    },
    detail: () =>
      webgpuAdapter
        ? { text: `adapter: ${webgpuAdapter.name}${webgpuAdapter.isSoftware ? ', software' : ''}; ${webgpuAdapter.precision}: ${webgpuAdapter.reason}`, precision: webgpuAdapter.precision }
        : undefined,
  },
  {
    choice: 'tensorflow',
    load: async () => {
      await importOptional('@tensorflow/tfjs-node');
      if (!(await tf.setBackend('tensorflow'))) throw new Error('tensorflow backend failed to start');
      return 'tensorflow';
    },
  },
  {
    choice: 'onednn',
    load: async (opts) => {
      const mod = (await importOptional('@byolmed3d/tfjs-onednn')) as {
        registerOneDnnBackend?: (o: { threads?: number; precision?: 'fp32' | 'bf16' | 'auto' }) => Promise<string>;
        getOneDnnInfo?: () => { precision: 'fp32' | 'bf16'; isa: string; reason: string };
        releaseDuringBackprop?: <T extends tf.Tensor>(f: () => T) => () => T;
      };
      if (typeof mod.registerOneDnnBackend !== 'function') throw new Error('@byolmed3d/tfjs-onednn has no registerOneDnnBackend');
      const register = mod.registerOneDnnBackend;
      const start = (precision: 'fp32' | 'bf16' | 'auto' | undefined): Promise<string> =>
        register({
          ...(opts.threads === undefined ? {} : { threads: opts.threads }),
          ...(precision === undefined ? {} : { precision }),
        });
      onednnFallback = undefined;
      const name = await start(opts.precision).catch((err: unknown) => {
        const why = (err as { reason?: string }).reason;
        // `precision: bf16` means bf16 where the backend can run it: on a CPU
        // where oneDNN cannot (no avx512_core) the kernels run fp32, and the
        // backend line and every result say so.
        if (why === 'unsupported-precision') {
          onednnFallback = `bf16 requested, but oneDNN cannot run bf16 kernels on this CPU (needs avx512_core or newer), so fp32`;
          return start('fp32');
        }
        // 'addon not built' is said in full by the hint after the backend line; a load failure keeps the loader's error.
        throw why === 'addon-missing' ? new Error('addon not built') : err;
      });
      if (!(await tf.setBackend(name))) throw new Error(`backend ${name} failed to start`);
      onednnInfo = mod.getOneDnnInfo;
      onednnRelease = typeof mod.releaseDuringBackprop === 'function' ? { backend: name, wrap: mod.releaseDuringBackprop } : undefined;
      return name;
    },
    detail: () => {
      const i = onednnInfo?.();
      return i ? { text: `${i.precision}: ${i.isa}; ${onednnFallback ?? i.reason}`, precision: i.precision } : undefined;
    },
  },
  {
    // No native code: the wasm backend with fast, correct Conv3D kernels.
    choice: 'portable',
    load: async () => {
      const { registerPortableBackend } = await import('@byolmed3d/tfjs-portable');
      const name = await registerPortableBackend();
      if (!(await tf.setBackend(name))) throw new Error(`backend ${name} failed to start`);
      return name;
    },
  },
  {
    choice: 'cpu',
    load: async () => {
      await import('@tensorflow/tfjs-backend-cpu');
      if (!(await tf.setBackend('cpu'))) throw new Error('cpu backend failed to start');
      return 'cpu';
    },
  },
  {
    choice: 'wasm',
    load: async () => {
      await import('@tensorflow/tfjs-backend-wasm');
      if (!(await tf.setBackend('wasm'))) throw new Error('wasm backend failed to start');
      return 'wasm';
    },
  },
];

/** Measured speed-up of the oneDNN kernels over a backend, by choice (figures from the repo's docs, stated as such). */
const ONEDNN_SPEEDUP: Partial<Record<string, string>> = {
  cpu: 'about 66x faster than the cpu backend (measured: r3d_18 forward+backward at 2x4x32x32, 0.22 s vs 14.6 s, packages/tfjs-onednn/README.md)',
  portable: 'about 5x faster than the portable backend by CPU time, more by wall time on several cores (measured: r3d_18 forward+backward at 2x16x112x112, 4.6 vs 22.1 CPU-s, packages/tfjs-portable/README.md)',
};

/** How to get the oneDNN kernels, said after the backend line when auto-selection fell past them. */
const ONEDNN_HOWTO =
  'apt-get install libdnnl-dev (Fedora: dnf install onednn-devel; conda: conda install -c conda-forge onednn; or set DNNLROOT), then: npx byolmed3d backend --build';

function oneDnnHint(choice: string): string {
  return ` | the oneDNN kernels would be ${ONEDNN_SPEEDUP[choice] ?? 'faster for 3D convolutions (docs/guides/fast-cpu.md)'}; to get them: ${ONEDNN_HOWTO}`;
}

function reason(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  if (/Cannot find (module|package)|ERR_MODULE_NOT_FOUND|Could not resolve|Failed to load url/.test(msg)) return 'not installed';
  return msg.split('\n')[0] ?? msg;
}

let lastSelected: SelectedBackend | undefined;

/**
 * What the last successful {@link selectBackend} of this process chose (its
 * backend and precision), or undefined before one. Results and reports record
 * it, so a table says what computed it.
 */
export function selectedBackend(): SelectedBackend | undefined {
  return lastSelected;
}

/**
 * Picks and activates the tfjs backend: `tfjs-node-gpu` when installed and a
 * GPU is usable, else WebGPU (`@byolmed3d/tfjs-webgpu`) on a hardware
 * adapter (never a software one under `auto`), else `tfjs-node`, else the
 * oneDNN kernel package when its
 * addon is built, else `portable` (`@byolmed3d/tfjs-portable`: the wasm
 * backend with its Conv3D kernels replaced by fast, correct ones), else the
 * pure-JS `cpu` backend (correct gradients everywhere; the stock wasm backend
 * is only used when asked for, since its Conv3D backprop kernels are wrong in
 * tfjs 4.22). Gradients are registered for every backend.
 */
export async function selectBackend(options: SelectBackendOptions = {}): Promise<SelectedBackend> {
  lastSelected = undefined;
  const want = options.backend ?? 'auto';
  // Registers every gradient (tfjs-core's Node bundle registers none).
  await import('@tensorflow/tfjs-layers');
  const tried: string[] = [];
  const pool = want === 'auto' ? candidates.filter((c) => c.choice !== 'wasm') : candidates.filter((c) => c.choice === want);
  if (pool.length === 0) throw new Error(`unknown backend '${want}'`);
  for (const c of pool) {
    try {
      const tfBackend = await c.load(options);
      await tf.ready();
      // The cpu backend (and backends built on it) prints a banner recommending
      // tfjs-node on its first write; our own backend line already says what runs.
      const active = tf.backend() as unknown as { firstUse?: boolean };
      if (active.firstUse === true) active.firstUse = false;
      const skipped = tried.length > 0 ? ` (skipped: ${tried.join('; ')})` : '';
      const d = c.detail?.();
      const hint = tried.some((t) => t.startsWith('onednn: ')) ? oneDnnHint(c.choice) : '';
      lastSelected = {
        choice: c.choice,
        tfBackend,
        message: `backend: ${c.choice}${d ? ` (${d.text})` : ''}${skipped}${hint}`,
        ...(d ? { precision: d.precision } : {}),
      };
      return lastSelected;
    } catch (err) {
      tried.push(`${c.choice}: ${reason(err)}`);
    }
  }
  throw new Error(`no usable tfjs backend: ${tried.join('; ')}`);
}
