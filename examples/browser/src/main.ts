// Browser example: read a medical file with @byolmed3d/video-io, draw its
// frames, draw the two BYOL views of an augment3d preset, and embed one view
// with a small @byolmed3d/resnet3d model on the tfjs WebGL (or wasm) backend.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-webgl';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { readVideo, describeVideo, toFloat32Clip, type MedicalVideo } from '@byolmed3d/video-io';
import { byolMed3dViews, byolViews, type Clip } from '@byolmed3d/augment3d';
import { createVideoResNet, type VideoResNet } from '@byolmed3d/resnet3d';
import './codecs.js';
import { trainDemo } from './train.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const status = $('status');
const SIZE = 64;
const FRAMES = 8;
let model: VideoResNet | undefined;
let lastBytes: { bytes: Uint8Array; name: string } | undefined;

function setStatus(text: string, state: 'busy' | 'done' | 'error' = 'busy'): void {
  status.textContent = text;
  status.className = state === 'error' ? 'error' : '';
  document.body.dataset['status'] = state;
}

async function initBackend(): Promise<string> {
  const want = new URLSearchParams(location.search).get('backend');
  setWasmPaths({
    'tfjs-backend-wasm.wasm': wasmUrl,
    'tfjs-backend-wasm-simd.wasm': wasmSimdUrl,
    'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedUrl,
  });
  const order = want ? [want] : ['webgl', 'wasm'];
  for (const name of order) {
    try {
      if (name === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
      if (await tf.setBackend(name)) {
        await tf.ready();
        return name;
      }
    } catch {
      // try the next backend
    }
  }
  throw new Error(`no tfjs backend of ${order.join(', ')} could start`);
}

/** Draws frames of a clip side by side (one row), grey or RGB, min-max scaled per clip. */
function drawRow(ctx: CanvasRenderingContext2D, clip: Clip, frames: number[], y: number, cell: number): void {
  const [, H, W, C] = clip.shape;
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of clip.data) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const scale = hi > lo ? 255 / (hi - lo) : 0;
  frames.forEach((t, k) => {
    const img = ctx.createImageData(W, H);
    for (let i = 0; i < H * W; i++) {
      const base = (t * H * W + i) * C;
      for (let c = 0; c < 3; c++) {
        const v = clip.data[base + (C === 1 ? 0 : Math.min(c, C - 1))] as number;
        img.data[i * 4 + c] = (v - lo) * scale;
      }
      img.data[i * 4 + 3] = 255;
    }
    const tmp = document.createElement('canvas');
    tmp.width = W;
    tmp.height = H;
    tmp.getContext('2d')!.putImageData(img, 0, 0);
    ctx.drawImage(tmp, k * cell, y, cell, cell);
  });
}

function evenly(n: number, k: number): number[] {
  return Array.from({ length: Math.min(n, k) }, (_, i) => Math.round((i * (n - 1)) / Math.max(1, Math.min(n, k) - 1)));
}

function drawEmbedding(values: Float32Array): void {
  const canvas = $<HTMLCanvasElement>('embedding');
  const cols = 32;
  const rows = Math.ceil(values.length / cols);
  const cell = 12;
  canvas.width = cols * cell;
  canvas.height = rows * cell;
  const ctx = canvas.getContext('2d')!;
  let m = 1e-12;
  for (const v of values) m = Math.max(m, Math.abs(v));
  values.forEach((v, i) => {
    const a = v / m;
    ctx.fillStyle = a >= 0 ? `rgb(${Math.round(255 * a)}, ${Math.round(80 * a)}, 40)` : `rgb(40, ${Math.round(-80 * a)}, ${Math.round(-255 * a)})`;
    ctx.fillRect((i % cols) * cell, Math.floor(i / cols) * cell, cell - 1, cell - 1);
  });
  let norm = 0;
  for (const v of values) norm += v * v;
  $('embedding-text').textContent = `${values.length}-d feature vector, L2 norm ${Math.sqrt(norm).toFixed(4)}`;
}

async function show(bytes: Uint8Array, name: string): Promise<void> {
  lastBytes = { bytes, name };
  setStatus(`reading ${name}…`);
  const video: MedicalVideo = await readVideo(bytes, { name });
  const d = describeVideo(video);
  $('meta').textContent = Object.entries(d).map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(' x ') : String(v)}`).join('\n');
  const clip = toFloat32Clip(video, { normalize: 'minmax' });
  const T = clip.shape[0];

  const frames = $<HTMLCanvasElement>('frames');
  const cell = 96;
  const shown = evenly(T, 8);
  frames.width = shown.length * cell;
  frames.height = cell;
  drawRow(frames.getContext('2d')!, clip, shown, 0, cell);

  const seed = Number($<HTMLInputElement>('seed').value) || 0;
  const preset = $<HTMLSelectElement>('preset').value;
  const options = { size: SIZE, frames: Math.min(FRAMES, T), seed, normalize: 'zscore' as const };
  const pipeline = preset === 'byol' ? byolViews(options) : byolMed3dViews(options);
  const [a, b] = pipeline.sample(clip);
  const views = $<HTMLCanvasElement>('views');
  const vf = evenly(a.shape[0], 8);
  views.width = vf.length * cell;
  views.height = 2 * cell + 4;
  const vctx = views.getContext('2d')!;
  drawRow(vctx, a, vf, 0, cell);
  drawRow(vctx, b, vf, cell + 4, cell);

  setStatus(`embedding on ${tf.getBackend()}…`);
  model ??= createVideoResNet('r3d_18', { numClasses: 0, widthMultiplier: 0.25, seed: 0 });
  const feats = tf.tidy(() => {
    const x = tf.tensor5d(a.data, [1, ...a.shape]);
    return model!.apply(x, { training: false }).features;
  });
  const values = (await feats.data()) as Float32Array;
  feats.dispose();
  drawEmbedding(values);
  document.body.dataset['embeddingDim'] = String(values.length);
  setStatus(`backend ${tf.getBackend()} · ${name}: ${video.format} ${video.shape.join('x')} ${video.dtype} · views ${a.shape.join('x')} · tensors live ${tf.memory().numTensors}`, 'done');
}

async function onFile(file: File): Promise<void> {
  try {
    await show(new Uint8Array(await file.arrayBuffer()), file.name);
  } catch (err) {
    setStatus(`error: ${(err as Error).message}`, 'error');
  }
}

async function start(): Promise<void> {
  try {
    const backend = await initBackend();
    setStatus(`backend: ${backend}. Choose or drop a file.`, 'busy');
    document.body.dataset['backend'] = backend;
    document.body.dataset['status'] = 'ready';
  } catch (err) {
    setStatus(`error: ${(err as Error).message}`, 'error');
    return;
  }
  const input = $<HTMLInputElement>('file');
  input.addEventListener('change', () => {
    const f = input.files?.[0];
    if (f) void onFile(f);
  });
  const drop = $('drop');
  drop.addEventListener('dragover', (e) => {
    e.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    const f = e.dataTransfer?.files[0];
    if (f) void onFile(f);
  });
  const rerun = () => {
    if (lastBytes) void show(lastBytes.bytes, lastBytes.name).catch((err) => setStatus(`error: ${(err as Error).message}`, 'error'));
  };
  $('seed').addEventListener('change', rerun);
  $('preset').addEventListener('change', rerun);
  $('train').addEventListener('click', () => void train());
  const params = new URLSearchParams(location.search);
  if (params.get('train') === 'webgpu') void train(Number(params.get('steps') ?? 3) || 3);
}

/** The training demo: BYOL steps on WebGPU, compared with the cpu backend. */
async function train(steps = Number($<HTMLInputElement>('train-steps').value) || 3): Promise<void> {
  const out = $('train-log');
  const body = document.body.dataset;
  body['train'] = 'running';
  out.textContent = '';
  const log = (line: string) => {
    out.textContent += `${line}\n`;
  };
  try {
    const report = await trainDemo(steps, $<HTMLInputElement>('train-cpu').checked, log);
    if (report.maxLossRelDiff != null) log(`max relative loss difference webgpu vs cpu: ${report.maxLossRelDiff.toExponential(2)}`);
    body['trainReport'] = JSON.stringify(report);
    body['train'] = 'done';
  } catch (err) {
    log(`error: ${(err as Error).message}`);
    body['train'] = 'error';
  }
}

void start();
