// npm run bench (in packages/tfjs-webgpu): WebGPU training throughput.
// - Conv3D layers of r3d_18 (forward, input gradient, filter gradient): this
//   package's implicit-GEMM kernels against tfjs's naive webgpu kernels,
//   interleaved, in GFLOP/s.
// - r3d_18 forward+backward and a BYOL step (projector/predictor 4096-256,
//   SGD momentum) per clip shape, in ms/step.
// - Fused training batch norm (forward + gradient, the kernels resnet3d's
//   batchNormTrain runs on) against the same op composed of tfjs's webgpu
//   ops, interleaved, in GB/s of the fused kernels' traffic (part `bn`).
// - Where the device has shader-f16: each conv layer with f16 tiles (f32
//   accumulation) against fp32, interleaved, in GFLOP/s (part `f16`).
// - PyTorch CUDA fp32 (TF32 off) and bf16 autocast in the same run, when
//   python3 with torch sees a GPU (bench/torch_cuda_peer.py).
// Runs only on a hardware adapter unless BENCH_ALLOW_SOFTWARE=1 (then with
// small shapes by default). Environment: BENCH_SHAPES (default
// "2,16,112,112;8,16,224,224", software "1,4,32,32"), BENCH_REPEATS (default
// 5), BENCH_WARMUP (2), BENCH_PARTS (conv,bn,f16,fwdbwd,byol,torch), BENCH_PYTHON
// (python3). Benchmarks are not tests: nothing here asserts a time.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-layers';
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeBenchResult, type BenchRow } from '@byolmed3d/test-utils';
import { BYOL } from '@byolmed3d/byol';
import { batchNormTrain, createVideoResNet } from '@byolmed3d/resnet3d';
import { kernelPrecision, registerWebGpuBackend, registerWebGpuKernels, unregisterWebGpuKernels, WebGpuUnavailableError } from '../src/index.js';
import { setKernelPrecision } from '../src/kernels/precision.js';

type Shape4 = [number, number, number, number];
type Shape5 = [number, number, number, number, number];
const here = dirname(fileURLToPath(import.meta.url));
const allowSoftware = process.env.BENCH_ALLOW_SOFTWARE === '1';
const repeats = Number(process.env.BENCH_REPEATS ?? 5);
const warmup = Number(process.env.BENCH_WARMUP ?? 2);
const parts = new Set((process.env.BENCH_PARTS ?? 'conv,bn,f16,fwdbwd,byol,torch').split(','));
const python = process.env.BENCH_PYTHON ?? 'python3';
const rows: BenchRow[] = [];
const meta: Record<string, unknown> = { repeats, warmup, loadavgStart: loadavg() };

async function timeMs(fn: () => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn();
  const out: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  return out;
}
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;

/** r3d_18's distinct Conv3D layers for a clip [N, T, H, W]: name, input shape, filter, strides. */
function convLayers([n, t, h, w]: Shape4) {
  const L = (name: string, x: number[], f: number[], s: number[]) => ({ name, x, f, s });
  return [
    L('stem 3x7x7 3->64 s(1,2,2)', [n, t, h, w, 3], [3, 7, 7, 3, 64], [1, 2, 2]),
    L('layer1 3x3x3 64->64', [n, t, h / 2, w / 2, 64], [3, 3, 3, 64, 64], [1, 1, 1]),
    L('layer2 3x3x3 128->128', [n, t / 2, h / 4, w / 4, 128], [3, 3, 3, 128, 128], [1, 1, 1]),
    L('layer3 3x3x3 256->256', [n, t / 4, h / 8, w / 8, 256], [3, 3, 3, 256, 256], [1, 1, 1]),
    L('layer4 3x3x3 512->512', [n, Math.max(1, t / 8), h / 16, w / 16, 512], [3, 3, 3, 512, 512], [1, 1, 1]),
  ].map((l) => ({ ...l, x: l.x.map((d) => Math.max(1, Math.round(d))) }));
}

/** Reads one value so the GPU queue is drained (async: webgpu cannot read synchronously in Node). */
async function drain(t: tf.Tensor): Promise<void> {
  const s = tf.sum(t);
  await s.data();
  s.dispose();
}

async function benchConv(shape: Shape4): Promise<void> {
  for (const l of convLayers(shape)) {
    const x = tf.randomNormal(l.x as Shape5, 0, 1, 'float32', 1);
    const f = tf.randomNormal(l.f as Shape5, 0, 0.05, 'float32', 2);
    const strides = l.s as [number, number, number];
    const info = tf.backend_util.computeConv3DInfo(l.x as never, l.f as never, strides, 1, 'same');
    const dy = tf.randomNormal(info.outShape, 0, 1, 'float32', 3) as tf.Tensor5D;
    const flops = 2 * info.batchSize * info.outDepth * info.outHeight * info.outWidth * info.outChannels *
      info.filterDepth * info.filterHeight * info.filterWidth * info.inChannels;
    const ops: [string, () => tf.Tensor][] = [
      ['fwd', () => tf.conv3d(x as tf.Tensor5D, f as tf.Tensor5D, strides, 'same')],
      ['dx', () => tf.conv3dTranspose(dy, f as tf.Tensor5D, l.x as never, strides, 'same')],
      ['dw', () => tf.grad((ff: tf.Tensor) => tf.sum(tf.mul(tf.conv3d(x as tf.Tensor5D, ff as tf.Tensor5D, strides, 'same'), dy)))(f)],
    ];
    for (const [op, run] of ops) {
      if (op === 'dx' && l.name.startsWith('stem')) continue; // the input needs no gradient
      const ours: number[] = [];
      const naive: number[] = [];
      // Interleaved rounds: a drifting machine hits both alike.
      for (let round = 0; round < 2; round++) {
        registerWebGpuKernels();
        ours.push(...(await timeMs(async () => { const y = run(); await drain(y); y.dispose(); })));
        unregisterWebGpuKernels();
        naive.push(...(await timeMs(async () => { const y = run(); await drain(y); y.dispose(); })));
      }
      registerWebGpuKernels();
      // The dw case also runs a forward conv (tf.grad): count both.
      const work = op === 'dw' ? 2 * flops : flops;
      const g = (ms: number) => work / (ms * 1e6);
      rows.push({
        case: `conv ${op} ${l.name} x[${l.x.join(',')}]${op === 'dw' ? ' (fwd+dw)' : ''}`,
        unit: 'GFLOP/s',
        value: g(median(ours)),
        peer: { name: 'tfjs webgpu naive', value: g(median(naive)) },
        notes: `median of ${ours.length} ms: ours ${median(ours).toFixed(2)}, naive ${median(naive).toFixed(2)}`,
      });
      console.log(rows.at(-1));
    }
    tf.dispose([x, f, dy]);
  }
}

/** r3d_18's batch-norm inputs for a clip [N, T, H, W]: after the stem and in each stage. */
function bnLayers([n, t, h, w]: Shape4) {
  const r = (d: number) => Math.max(1, Math.round(d));
  return [
    { name: 'stem/layer1 C64', x: [n, t, r(h / 2), r(w / 2), 64] },
    { name: 'layer2 C128', x: [n, r(t / 2), r(h / 4), r(w / 4), 128] },
    { name: 'layer3 C256', x: [n, r(t / 4), r(h / 8), r(w / 8), 256] },
    { name: 'layer4 C512', x: [n, r(t / 8), r(h / 16), r(w / 16), 512] },
  ];
}

async function benchBn(shape: Shape4): Promise<void> {
  for (const l of bnLayers(shape)) {
    const c = l.x[4]!;
    const x = tf.randomNormal(l.x as Shape5, 0, 1, 'float32', 7);
    const dy = tf.randomNormal(l.x as Shape5, 0, 1, 'float32', 8);
    const g = tf.ones([c]) as tf.Tensor1D;
    const b = tf.zeros([c]) as tf.Tensor1D;
    // Forward and gradient: dx, dgamma, dbeta of sum(y * dy).
    const run = () => tf.grads((xa: tf.Tensor, ga: tf.Tensor, ba: tf.Tensor) => {
      const out = batchNormTrain(xa, ga as tf.Tensor1D, ba as tf.Tensor1D);
      tf.dispose([out.mean, out.variance]);
      return tf.sum(tf.mul(out.output, dy));
    })([x, g, b]);
    const step = async () => { const gs = run(); await drain(gs[0]!); tf.dispose(gs); };
    const fused: number[] = [];
    const unfused: number[] = [];
    for (let round = 0; round < 2; round++) {
      registerWebGpuKernels();
      fused.push(...(await timeMs(step)));
      unregisterWebGpuKernels();
      unfused.push(...(await timeMs(step)));
    }
    registerWebGpuKernels();
    // Fused traffic: forward reads x twice and writes y; the gradient reads dy and x twice and writes dx (the mul/sum around it not counted).
    const bytes = 8 * x.size * 4;
    const gbs = (ms: number) => bytes / (ms * 1e6);
    rows.push({
      case: `batch norm fwd+bwd ${l.name} x[${l.x.join(',')}]`,
      unit: 'GB/s',
      value: gbs(median(fused)),
      peer: { name: 'tfjs webgpu ops (unfused)', value: gbs(median(unfused)) },
      notes: `median of ${fused.length} ms (incl. the loss mul/sum): fused ${median(fused).toFixed(2)}, unfused ${median(unfused).toFixed(2)}`,
    });
    console.log(rows.at(-1));
    tf.dispose([x, dy, g, b]);
  }
}

async function benchF16(shape: Shape4): Promise<void> {
  const before = kernelPrecision();
  for (const l of convLayers(shape)) {
    const x = tf.randomNormal(l.x as Shape5, 0, 1, 'float32', 1);
    const f = tf.randomNormal(l.f as Shape5, 0, 0.05, 'float32', 2);
    const strides = l.s as [number, number, number];
    const info = tf.backend_util.computeConv3DInfo(l.x as never, l.f as never, strides, 1, 'same');
    const flops = 2 * info.batchSize * info.outDepth * info.outHeight * info.outWidth * info.outChannels *
      info.filterDepth * info.filterHeight * info.filterWidth * info.inChannels;
    const step = async () => { const y = tf.conv3d(x as tf.Tensor5D, f as tf.Tensor5D, strides, 'same'); await drain(y); y.dispose(); };
    const h: number[] = [];
    const s32: number[] = [];
    for (let round = 0; round < 2; round++) {
      setKernelPrecision('f16');
      h.push(...(await timeMs(step)));
      setKernelPrecision('fp32');
      s32.push(...(await timeMs(step)));
    }
    const g = (ms: number) => flops / (ms * 1e6);
    rows.push({
      case: `conv fwd f16 tiles ${l.name} x[${l.x.join(',')}]`, unit: 'GFLOP/s', value: g(median(h)),
      peer: { name: 'same kernel fp32', value: g(median(s32)) },
      notes: `median of ${h.length} ms: f16 ${median(h).toFixed(2)}, fp32 ${median(s32).toFixed(2)}`,
    });
    console.log(rows.at(-1));
    tf.dispose([x, f]);
  }
  setKernelPrecision(before);
}

function torchPeer(mode: 'fwdbwd' | 'byol', dtype: 'fp32' | 'bf16', shape: Shape4): { median?: number; skipped?: string; device?: string } {
  const r = spawnSync(python, [join(here, 'torch_cuda_peer.py'), '--mode', mode, '--dtype', dtype, '--shape', shape.join(','), '--repeats', String(repeats), '--warmup', String(warmup)], { encoding: 'utf8', timeout: 1_800_000 });
  const line = (r.stdout ?? '').trim().split('\n').at(-1) ?? '';
  try {
    return JSON.parse(line) as { median?: number; skipped?: string };
  } catch {
    return { skipped: `${python} failed: ${(r.stderr ?? '').trim().split('\n').at(-1) ?? r.error?.message ?? 'no output'}` };
  }
}

async function benchTraining(shape: Shape4, adapter: string): Promise<void> {
  const [n, t, h, w] = shape;
  const xs: [number, number, number, number, number] = [n, t, h, w, 3];
  if (parts.has('fwdbwd')) {
    const model = createVideoResNet('r3d_18', { numClasses: 0, seed: 1 });
    const x = tf.randomNormal(xs, 0, 1, 'float32', 4) as tf.Tensor5D;
    const times = await timeMs(async () => {
      const { value, grads } = tf.variableGrads(() => tf.sum(model.apply(x, { training: true }).features) as tf.Scalar, model.trainableVariables);
      await value.data();
      tf.dispose([value, ...Object.values(grads)]);
    });
    model.dispose();
    x.dispose();
    const peer = parts.has('torch') ? torchPeer('fwdbwd', 'fp32', shape) : { skipped: 'not asked' };
    const bf16 = parts.has('torch') ? torchPeer('fwdbwd', 'bf16', shape) : { skipped: 'not asked' };
    rows.push({
      case: `r3d_18 fwd+bwd ${shape.join('x')}`, unit: 'ms/step', value: median(times), higherIsBetter: false,
      ...(peer.median != null ? { peer: { name: 'PyTorch CUDA fp32', value: peer.median * 1000 } } : {}),
      notes: `webgpu on ${adapter}; torch fp32: ${peer.skipped ?? peer.device}; bf16 autocast: ${bf16.median != null ? (bf16.median * 1000).toFixed(1) + ' ms' : bf16.skipped}`,
    });
    if (bf16.median != null) rows.push({ case: `r3d_18 fwd+bwd ${shape.join('x')} vs bf16`, unit: 'ms/step', value: median(times), higherIsBetter: false, peer: { name: 'PyTorch CUDA bf16 autocast', value: bf16.median * 1000 } });
    console.log(rows.at(-1));
  }
  if (parts.has('byol')) {
    const encoder = createVideoResNet('r3d_18', { numClasses: 0, seed: 1 });
    const optimizer = tf.train.momentum(0.05, 0.9);
    const byol = new BYOL(encoder, { optimizer, projector: { hiddenDim: 4096, outputDim: 256 }, predictor: { hiddenDim: 4096, outputDim: 256 }, seed: 2, totalSteps: 1000 });
    const a = tf.randomNormal(xs, 0, 1, 'float32', 5);
    const b = tf.randomNormal(xs, 0, 1, 'float32', 6);
    const times = await timeMs(() => byol.stepAsync(a, b));
    byol.dispose({ encoder: true });
    optimizer.dispose();
    tf.dispose([a, b]);
    const peer = parts.has('torch') ? torchPeer('byol', 'fp32', shape) : { skipped: 'not asked' };
    const bf16 = parts.has('torch') ? torchPeer('byol', 'bf16', shape) : { skipped: 'not asked' };
    rows.push({
      case: `BYOL step r3d_18 ${shape.join('x')}`, unit: 'ms/step', value: median(times), higherIsBetter: false,
      ...(peer.median != null ? { peer: { name: 'PyTorch CUDA fp32', value: peer.median * 1000 } } : {}),
      notes: `webgpu on ${adapter}; torch fp32: ${peer.skipped ?? peer.device}; bf16 autocast: ${bf16.median != null ? (bf16.median * 1000).toFixed(1) + ' ms' : bf16.skipped}`,
    });
    if (bf16.median != null) rows.push({ case: `BYOL step r3d_18 ${shape.join('x')} vs bf16`, unit: 'ms/step', value: median(times), higherIsBetter: false, peer: { name: 'PyTorch CUDA bf16 autocast', value: bf16.median * 1000 } });
    console.log(rows.at(-1));
  }
}

async function main(): Promise<void> {
  let info;
  try {
    info = await registerWebGpuBackend({ allowSoftware });
  } catch (e) {
    if (!(e instanceof WebGpuUnavailableError)) throw e;
    console.log(`tfjs-webgpu bench skipped: ${e.message}${allowSoftware ? '' : ' (BENCH_ALLOW_SOFTWARE=1 runs it on a software adapter)'}`);
    // Still give PyTorch's figures where torch sees a GPU (they show what the machine can do).
    if (parts.has('torch')) {
      const shapes = (process.env.BENCH_SHAPES ?? '2,16,112,112;8,16,224,224').split(';').map((s) => s.split(',').map(Number) as Shape4);
      meta.torchOnly = shapes.flatMap((shape) =>
        (['fwdbwd', 'byol'] as const).flatMap((mode) => (['fp32', 'bf16'] as const).map((dtype) => ({ mode, dtype, shape, ...torchPeer(mode, dtype, shape) }))));
      console.log(JSON.stringify(meta.torchOnly, null, 1));
    }
    writeBenchResult('tfjs-webgpu', [], { ...meta, skipped: e.message });
    return;
  }
  meta.adapter = info;
  const shapes = (process.env.BENCH_SHAPES ?? (info.adapter.isSoftware ? '1,4,32,32' : '2,16,112,112;8,16,224,224'))
    .split(';').map((s) => s.split(',').map(Number) as Shape4);
  meta.shapes = shapes;
  console.log(`tfjs-webgpu bench on ${info.adapter.name}${info.adapter.isSoftware ? ' (software)' : ''}, shapes ${shapes.map((s) => s.join('x')).join(', ')}`);
  for (const shape of shapes) {
    if (parts.has('conv')) await benchConv(shape);
    if (parts.has('bn')) await benchBn(shape);
    if (parts.has('f16')) {
      if (info.shaderF16) await benchF16(shape);
      else console.log(`f16 rows skipped: ${info.precisionReason}`);
    }
    await benchTraining(shape, info.adapter.name);
  }
  meta.loadavgEnd = loadavg();
  writeBenchResult('tfjs-webgpu', rows, meta);
}

await main();
