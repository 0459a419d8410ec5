#!/usr/bin/env node
// Converts a torchvision video ResNet checkpoint (`.pth`, torch.save zip
// format) to safetensors through @byolmed3d/resnet3d: read the pickle, load it
// into createVideoResNet(arch), report missing and unexpected keys, write the
// model's state dict as .safetensors, read it back and check it bit for bit.
//
//   node index.mjs r3d_18-b3b3357e.pth [--arch r3d_18] [--out r3d_18.safetensors] [--num-classes 400] [--non-strict]
//   node index.mjs --tiny   # the repo's testdata/golden/r3d_18_stem_layer1.pth, non-strict
//
// torchvision's Kinetics-400 r3d_18 weights:
//   https://download.pytorch.org/models/r3d_18-b3b3357e.pth
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { Checklist, startScript } from '@byolmed3d/util/node';
import { createVideoResNet, describeStateDict, readSafetensors, readTorchCheckpoint, toFloat32, writeSafetensors } from '@byolmed3d/resnet3d';

const { values: args, positionals } = startScript({
  positional: 'CHECKPOINT.pth',
  flags: { arch: /** @type {import('@byolmed3d/resnet3d').VideoResNetArch} */ ('r3d_18'), out: null, numClasses: 400, nonStrict: false, key: null },
});
const { check, finish } = new Checklist();

/**
 * Whether two entries hold the same bits (float32 compared as uint32 words).
 * @param {{ shape: readonly number[], data: ArrayLike<number> | BigInt64Array }} a
 * @param {{ shape: readonly number[], data: ArrayLike<number> | BigInt64Array }} b
 */
function sameBits(a, b) {
  if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) return false;
  if (a.data.length !== b.data.length) return false;
  if (a.data instanceof BigInt64Array || b.data instanceof BigInt64Array) {
    for (let i = 0; i < a.data.length; i++) if (BigInt(a.data[i] ?? 0) !== BigInt(b.data[i] ?? 0)) return false;
    return true;
  }
  const fa = a.data instanceof Float32Array ? a.data : toFloat32(a.data);
  const fb = b.data instanceof Float32Array ? b.data : toFloat32(b.data);
  const ua = new Uint32Array(fa.buffer, fa.byteOffset, fa.length);
  const ub = new Uint32Array(fb.buffer, fb.byteOffset, fb.length);
  for (let i = 0; i < ua.length; i++) if (ua[i] !== ub[i]) return false;
  return true;
}

tf.env().set('PROD', true); // quiet: no "install tfjs-node" banner (see README for faster backends)
await tf.setBackend('cpu');
const here = fileURLToPath(new URL('.', import.meta.url));
const pthPath = args.tiny ? resolve(here, '../../testdata/golden/r3d_18_stem_layer1.pth') : resolve(/** @type {string} */ (positionals[0]));
const arch = args.arch;
const strict = !(args.tiny || args.nonStrict);
const outPath = args.out
  ? resolve(args.out)
  : args.tiny
    ? join(mkdtempSync(join(tmpdir(), 'byolmed3d-convert-')), 'r3d_18_stem_layer1.safetensors')
    : resolve(basename(pthPath).replace(/\.(pth|pt|tar)$/i, '') + '.safetensors');

// 1. Read the checkpoint (a zip with data.pkl; no Python, no torch).
const t0 = performance.now();
const checkpoint = await readTorchCheckpoint(pthPath, args.key ? { key: args.key.split('.') } : {});
const summary = describeStateDict(checkpoint);
console.log(`read ${pthPath} (${(statSync(pthPath).size / 1e6).toFixed(1)} MB) in ${(performance.now() - t0).toFixed(0)} ms: ${summary.tensors.length} tensors, ${summary.parameterCount.toLocaleString('en')} parameters, dtypes ${JSON.stringify(summary.dtypes)}`);

// 2. Load it into the model (a `module.` prefix from DataParallel is stripped).
const model = createVideoResNet(arch, { numClasses: args.numClasses });
const { missingKeys, unexpectedKeys } = model.loadStateDict(checkpoint, { strict });
console.log(`loaded into ${arch} (${model.parameterCount.toLocaleString('en')} parameters, strict: ${strict})`);
console.log(`  missing keys (${missingKeys.length}, left at their initial values)${missingKeys.length ? ': ' + abbreviate(missingKeys) : ''}`);
console.log(`  unexpected keys (${unexpectedKeys.length}, ignored)${unexpectedKeys.length ? ': ' + abbreviate(unexpectedKeys) : ''}`);

// 3. Write the model's full state dict (PyTorch layout and names) as safetensors.
const state = model.stateDict();
await writeSafetensors(outPath, state, { metadata: { format: 'pt', arch, source: basename(pthPath) } });
console.log(`wrote ${outPath} (${(statSync(outPath).size / 1e6).toFixed(1)} MB, ${Object.keys(state).length} tensors)`);

// 4. Read it back and compare bit for bit.
const back = await readSafetensors(outPath);
const keys = Object.keys(state);
const same = keys.filter((k) => back[k] && sameBits(/** @type {any} */ (state[k]), /** @type {any} */ (back[k])));
const loadedFromPth = Object.keys(checkpoint).filter((k) => k in state && !k.endsWith('num_batches_tracked'));
const fromPthExact = loadedFromPth.filter((k) => sameBits(/** @type {any} */ (checkpoint[k]), /** @type {any} */ (back[k])));
console.log(`read back: ${same.length}/${keys.length} tensors bit-exact with the model; ${fromPthExact.length}/${loadedFromPth.length} loaded tensors bit-exact with the .pth`);

// 5. The safetensors file loads strictly into a fresh model of the same architecture.
const fresh = createVideoResNet(arch, { numClasses: args.numClasses, seed: 1 });
const strictLoad = fresh.loadStateDict(back, { strict: true });
const freshState = fresh.stateDict();
const reloaded = keys.filter((k) => freshState[k] && sameBits(/** @type {any} */ (state[k]), /** @type {any} */ (freshState[k])));
console.log(`strict load of the .safetensors into a fresh ${arch}: ${reloaded.length}/${keys.length} tensors bit-exact`);

if (args.tiny) {
  console.log('\nchecks:');
  check(Object.keys(checkpoint).length > 0 && Object.keys(checkpoint).every((k) => k.startsWith('stem.') || k.startsWith('layer1.')), `the .pth holds only stem.* and layer1.* (${Object.keys(checkpoint).length} tensors)`);
  check(unexpectedKeys.length === 0, 'no unexpected keys');
  check(missingKeys.length > 0 && missingKeys.every((k) => /^(layer[234]|fc)\./.test(k)), `missing keys are exactly layer2-4 and fc (${missingKeys.length})`);
  check(missingKeys.length + loadedFromPth.length === model.parameterNames.length, 'missing + loaded = every model parameter');
  // The golden checkpoint is filled by a formula (testdata/golden/README.md): check what was loaded against it.
  let worst = 0;
  for (const k of loadedFromPth) {
    const e = /** @type {import('@byolmed3d/resnet3d').TensorEntry} */ (back[k]);
    const d = /** @type {Float32Array} */ (e.data);
    for (let i = 0; i < d.length; i++) worst = Math.max(worst, Math.abs((d[i] ?? 0) - goldenValue(k, e.shape, i)));
  }
  check(worst < 1e-6, `loaded values match the golden formula (max |diff| ${worst.toExponential(2)})`);
  check(same.length === keys.length, 'every tensor of the .safetensors is bit-exact with the model state dict');
  check(fromPthExact.length === loadedFromPth.length, 'every loaded .pth tensor survives .pth -> model -> .safetensors bit-exact');
  check(strictLoad.missingKeys.length === 0 && strictLoad.unexpectedKeys.length === 0 && reloaded.length === keys.length, 'the .safetensors loads strictly and reproduces the state dict');
}

model.dispose();
fresh.dispose();
console.log(`tensors left: ${tf.memory().numTensors}`);
if (args.tiny) {
  check(tf.memory().numTensors === 0, 'no tensors left after dispose');
  finish('convert-torchvision-weights', { cleanup: () => !args.out && rmSync(dirname(outPath), { recursive: true, force: true }) }); // the 130 MB temporary file
}

/**
 * First few names of a key list.
 * @param {string[]} list
 */
function abbreviate(list) {
  return list.length <= 6 ? list.join(', ') : `${list.slice(0, 5).join(', ')}, ... (${list.length - 5} more)`;
}

/**
 * The golden parameter formula of testdata/golden/README.md.
 * @param {string} name
 * @param {number[]} shape
 * @param {number} i
 */
function goldenValue(name, shape, i) {
  /** @param {string} s */
  const fnv1a32 = (s) => {
    let h = 0x811c9dc5;
    for (const b of new TextEncoder().encode(s)) h = Math.imul(h ^ b, 0x01000193) >>> 0;
    return h >>> 0;
  };
  /** @param {number} x */
  const mix32 = (x) => {
    x = (x ^ (x >>> 16)) >>> 0;
    x = Math.imul(x, 0x7feb352d) >>> 0;
    x = (x ^ (x >>> 15)) >>> 0;
    x = Math.imul(x, 0x846ca68b) >>> 0;
    return (x ^ (x >>> 16)) >>> 0;
  };
  const u = (mix32((fnv1a32(name) ^ mix32(i)) >>> 0) / 2 ** 32) * 2 - 1;
  const leaf = name.slice(name.lastIndexOf('.') + 1);
  const n = shape.reduce((a, b) => a * b, 1);
  if (leaf === 'weight' && shape.length >= 2) return u * Math.sqrt(6 / (n / /** @type {number} */ (shape[0])));
  if (leaf === 'weight') return 1 + 0.1 * u;
  if (leaf === 'bias' || leaf === 'running_mean') return 0.1 * u;
  if (leaf === 'running_var') return 1 + 0.25 * (1 + u);
  return NaN;
}
