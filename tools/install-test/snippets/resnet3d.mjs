import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { createVideoResNet, encodeSafetensors, decodeSafetensors, readSafetensors, writeSafetensors } from '@byolmed3d/resnet3d';

await tf.setBackend('cpu');
const m = createVideoResNet('r3d_18', { numClasses: 2, widthMultiplier: 0.125 });
const out = tf.tidy(() => m.apply(tf.ones([1, 4, 16, 16, 3]), { training: false }));
if (out.features.shape.join() !== `1,${m.featureDim}` || out.logits?.shape.join() !== '1,2') throw new Error('bad shapes');
tf.dispose([out.features, out.logits]);
const sd = m.stateDict();
const back = decodeSafetensors(encodeSafetensors(sd));
const n = Object.keys(sd).length;
if (n === 0 || Object.keys(back.entries).length !== n) throw new Error('safetensors round trip');
// writeSafetensors loads @byolmed3d/util/node lazily: it must resolve from an install too.
const dir = mkdtempSync(join(tmpdir(), 'resnet3d-snippet-'));
try {
  const file = join(dir, 'model.safetensors');
  await writeSafetensors(file, sd);
  if (Object.keys(await readSafetensors(file)).length !== n) throw new Error('writeSafetensors round trip');
  if (readdirSync(dir).length !== 1) throw new Error(`writeSafetensors left ${readdirSync(dir).join(', ')}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
m.dispose();
console.log('ok');
