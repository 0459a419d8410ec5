// The portable contender of the benchmark: @byolmed3d/tfjs-portable (the
// tfjs wasm backend with im2col + XNNPACK Conv3D kernels; no native code) in a
// child process of its own (its own wasm heap, no backend switching or
// variable-name clashes with the onednn contenders), speaking torch_peer.py's
// protocol: it warms up, prints {"ready": true}, then "run K" times K steps
// and prints {"times": [...], "cpus": [...]}; "quit" prints {"maxrss_mb": ...}.
// The steps are the same as the onednn ones: bench/r3d18.ts with the composed
// training batch norm (what @byolmed3d/resnet3d runs on backends without the
// fused kernels) and bench/byol.ts.
import * as tf from '@tensorflow/tfjs-core';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { BenchRow } from '@byolmed3d/test-utils';
import { roundRatios, timeSteps, type Contender, type Interleaved, type Steps } from './interleave.js';

/** A portable-backend contender running in a child process. */
export class PortablePeer implements Contender {
  private constructor(
    readonly name: string,
    private readonly child: ChildProcessWithoutNullStreams,
    private readonly lines: AsyncIterator<string>,
  ) {}

  /**
   * Starts the child for `mode` at clip shape `shape` ([N, T, H, W]) and
   * waits until it has warmed up (`warmup` untimed steps); undefined, with a
   * printed reason, when it cannot start.
   */
  static async start(mode: 'fwdbwd' | 'byol', shape: number[], warmup: number, name = 'portable'): Promise<PortablePeer | undefined> {
    const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--serve', mode, shape.join(','), String(warmup)], { stdio: ['pipe', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const peer = new PortablePeer(name, child, createInterface({ input: child.stdout })[Symbol.asyncIterator]());
    try {
      await peer.next();
      return peer;
    } catch {
      console.log(`portable contender skipped: ${err.trim().split('\n').pop() ?? 'no output'}`);
      child.kill();
      return undefined;
    }
  }

  /**
   * Like {@link PortablePeer.start}, falling back on micro-batch 1 when `shape`
   * does not fit the wasm heap (4 GB at most): the BYOL step's two views of
   * micro-batch 2 at 16x112x112 through two r3d_18s exhaust it in the first
   * step (measured), so `mode` 'byol' starts at micro-batch 1 right away.
   * `clips` is the micro-batch the peer runs.
   */
  static async startFitting(mode: 'fwdbwd' | 'byol', shape: number[], warmup: number): Promise<{ peer: PortablePeer; clips: number } | undefined> {
    // BENCH_PORTABLE=0 leaves this contender out (it is ~10x slower than the others).
    if (process.env.BENCH_PORTABLE === '0') return undefined;
    const [n, ...rest] = shape as [number, ...number[]];
    if (mode === 'fwdbwd' || n === 1) {
      const peer = await PortablePeer.start(mode, shape, warmup);
      if (peer || n === 1) return peer ? { peer, clips: n } : undefined;
      console.log('portable contender: retrying at micro-batch 1');
    }
    const peer = await PortablePeer.start(mode, [1, ...rest], warmup, 'portable (micro-batch 1)');
    return peer ? { peer, clips: 1 } : undefined;
  }

  private async next(): Promise<Record<string, unknown>> {
    for (;;) {
      const r = await this.lines.next();
      if (r.done) throw new Error(`${this.name}: exited`);
      // tfjs may print banners on stdout: only JSON lines are answers.
      if (r.value.startsWith('{')) return JSON.parse(r.value) as Record<string, unknown>;
    }
  }

  async run(k: number): Promise<Steps> {
    this.child.stdin.write(`run ${k}\n`);
    return (await this.next()) as unknown as Steps;
  }

  /** Stops the child; its peak RSS in MB. */
  async stop(): Promise<{ maxrss_mb: number }> {
    this.child.stdin.write('quit\n');
    const r = (await this.next()) as unknown as { maxrss_mb: number };
    this.child.stdin.end();
    return r;
  }
}

async function serve(mode: string, shape: number[], warmup: number): Promise<void> {
  await import('@tensorflow/tfjs-layers');
  const { registerPortableBackend } = await import('@byolmed3d/tfjs-portable');
  const { R3d18 } = await import('./r3d18.js');
  const { ByolBench } = await import('./byol.js');
  if (!(await tf.setBackend(await registerPortableBackend()))) throw new Error('the wasm backend failed to start');
  const [n, t, h, w] = shape as [number, number, number, number];
  const x1 = tf.randomNormal([n, t, h, w, 3], 0, 1, 'float32', 8) as tf.Tensor5D;
  let step: () => void;
  if (mode === 'byol') {
    const b = new ByolBench();
    const x2 = tf.randomNormal([n, t, h, w, 3], 0, 1, 'float32', 9) as tf.Tensor5D;
    step = () => void b.step(x1, x2);
  } else {
    const model = new R3d18(1, 'r3d');
    step = () => {
      const { value, grads } = tf.variableGrads(() => tf.sum(model.apply(x1)) as tf.Scalar, model.trainableVariables);
      value.dataSync();
      tf.dispose([value, ...Object.values(grads)]);
    };
  }
  for (let i = 0; i < warmup; i++) step();
  console.log(JSON.stringify({ ready: true }));
  for await (const line of createInterface({ input: process.stdin })) {
    const [cmd, arg] = line.trim().split(/\s+/);
    if (cmd === 'run') {
      console.log(JSON.stringify(timeSteps(Number(arg), step)));
    } else if (cmd === 'quit') {
      console.log(JSON.stringify({ maxrss_mb: process.resourceUsage().maxRSS / 1024 }));
      process.exit(0);
    }
  }
}

if (process.argv[2] === '--serve') {
  const [mode, shape, warmup] = process.argv.slice(3) as [string, string, string];
  await serve(mode, shape.split(',').map(Number), Number(warmup));
}

/**
 * The benchmark row of the portable contender `name` in `res` (`clips` clips
 * a step): clips/s, with the faster of `peerNames` (PyTorch) as the peer,
 * and how many times the portable throughput `onednnName` and that peer
 * have (`peerClips` clips a step), overall and per round, in the notes.
 */
export function portableRow(what: string, clips: number, res: Map<string, Interleaved>, name: string, onednnName: string, peerNames: string[], torchVersion: string, peerClips: number): BenchRow {
  const ours = res.get(name) as Interleaved;
  const dnn = res.get(onednnName);
  let peer: { name: string; r: Interleaved } | undefined;
  for (const p of peerNames) {
    const r = res.get(p);
    if (r && (!peer || r.median < peer.r.median)) peer = { name: p, r };
  }
  // Throughput of the other over ours (> 1: the other is faster), overall and per round.
  const scale = peerClips / clips;
  const times = (o: Interleaved): string => `${((ours.median / o.median) * scale).toFixed(1)}x (per round ${roundRatios(o, ours).map((v) => (scale * v).toFixed(1)).join(', ')})`;
  return {
    case: `${what}, portable (tfjs-portable: wasm backend, im2col + XNNPACK conv, 1 thread, composed BN), median of ${ours.all.times.length}`,
    unit: 'clips/s',
    value: clips / ours.median,
    ...(peer ? { peer: { name: `${peer.name} ${torchVersion}`, value: peerClips / peer.r.median } } : {}),
    notes: [
      `portable ${ours.median.toFixed(2)} s/step of ${clips} clip(s) (best ${ours.best.toFixed(2)}, CPU ${ours.cpu.toFixed(2)} s)`,
      dnn ? `${onednnName} (${peerClips} clips, ${dnn.median.toFixed(2)} s/step) has ${times(dnn)} its clips/s` : '',
      peer ? `${peer.name} (${peer.r.median.toFixed(2)} s/step) has ${times(peer.r)}` : '',
    ].filter(Boolean).join('; '),
  };
}
