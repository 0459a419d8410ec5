import * as tf from '@tensorflow/tfjs-core';

/** Names accepted by `--backend`. `auto` picks the fastest one present. */
export type BackendChoice = 'auto' | 'tensorflow-gpu' | 'tensorflow' | 'onednn' | 'wasm' | 'cpu';

/** What {@link selectBackend} chose and why. */
export interface SelectedBackend {
  /** The choice that won, in `--backend` terms. */
  choice: Exclude<BackendChoice, 'auto'>;
  /** The tfjs backend name now active (`tf.getBackend()`). */
  tfBackend: string;
  /** One human-readable line: what was chosen and what was skipped. */
  message: string;
}

/** Options of {@link selectBackend}. */
export interface SelectBackendOptions {
  /** Backend to force; default `'auto'` (fastest available). */
  backend?: BackendChoice;
  /** Threads for native kernels where the backend supports it; default all cores. */
  threads?: number;
  /** Compute precision where the backend supports a choice (`'bf16'`); default `'auto'` (the backend decides). */
  precision?: 'auto' | 'fp32' | 'bf16';
}

interface Candidate {
  choice: Exclude<BackendChoice, 'auto'>;
  /** Loads the candidate; returns the tfjs backend name, or throws why it is unusable. */
  load: (opts: SelectBackendOptions) => Promise<string>;
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
        registerOneDnnBackend?: (o: { threads?: number }) => Promise<string>;
      };
      if (typeof mod.registerOneDnnBackend !== 'function') throw new Error('@byolmed3d/tfjs-onednn has no registerOneDnnBackend');
      const name = await mod.registerOneDnnBackend(opts.threads === undefined ? {} : { threads: opts.threads });
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

function reason(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  if (/Cannot find (module|package)|ERR_MODULE_NOT_FOUND|Could not resolve|Failed to load url/.test(msg)) return 'not installed';
  return msg.split('\n')[0] ?? msg;
}

/**
 * Picks and activates the tfjs backend: `tfjs-node-gpu` when installed and a
 * GPU is usable, else `tfjs-node`, else the oneDNN kernel package when its
 * addon is built, else the pure-JS `cpu` backend (correct gradients
 * everywhere; the stock wasm backend is only used when asked for, since its
 * Conv3D backprop kernels are wrong in tfjs 4.22). Gradients are registered
 * for every backend.
 */
export async function selectBackend(options: SelectBackendOptions = {}): Promise<SelectedBackend> {
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
      return { choice: c.choice, tfBackend, message: `backend: ${c.choice}${skipped}` };
    } catch (err) {
      tried.push(`${c.choice}: ${reason(err)}`);
    }
  }
  throw new Error(`no usable tfjs backend: ${tried.join('; ')}`);
}
