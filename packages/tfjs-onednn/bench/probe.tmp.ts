import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-layers';
import { registerOneDnnBackend } from '@byolmed3d/tfjs-onednn';
import { R3d18 } from './r3d18.js';
const name = await registerOneDnnBackend({ threads: 2 });
await tf.setBackend(process.env.BACKEND ?? name);
const [T, H] = (process.env.SHAPE ?? '16,112').split(',').map(Number) as [number, number];
const model = new R3d18(1);
const x = tf.randomNormal([2, T, H, H, 3], 0, 1, 'float32', 1) as tf.Tensor5D;
for (let it = 0; it < Number(process.env.IT ?? 4); it++) {
  const t0 = performance.now();
  const { value, grads } = tf.variableGrads(() => tf.sum(model.apply(x)) as tf.Scalar, model.trainableVariables);
  await value.data();
  tf.dispose([value, ...Object.values(grads)]);
  console.log('step', it, (performance.now() - t0).toFixed(0), 'ms', 'tensors', tf.memory().numTensors, 'rss', (process.memoryUsage().rss / 2 ** 20).toFixed(0));
}
if (process.env.PROFILE) {
  const prof: Record<string, number> = {};
  const p = await tf.profile(() => {
    const { value, grads } = tf.variableGrads(() => tf.sum(model.apply(x)) as tf.Scalar, model.trainableVariables);
    tf.dispose([value, ...Object.values(grads)]);
  });
  for (const k of p.kernels) prof[k.name] = (prof[k.name] ?? 0) + (k.kernelTimeMs as number);
  console.log(Object.entries(prof).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v.toFixed(0)}`).join('\n'));
}
