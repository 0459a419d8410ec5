import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { registerOneDnnBackend } from '@byolmed3d/tfjs-onednn';
const th = Number(process.env.TH ?? 2);
await tf.setBackend(await registerOneDnnBackend({ threads: th }));
const x = tf.randomNormal([2, 16, 32, 32, 64], 0, 1, 'float32', 1) as tf.Tensor5D;
const w = tf.randomNormal([3, 3, 3, 64, 64], 0, 0.1, 'float32', 2) as tf.Tensor5D;
const flop = 2 * 2 * 16 * 32 * 32 * 64 * 64 * 27;
for (let i = 0; i < 6; i++) {
  const c0 = process.cpuUsage(); const t0 = performance.now();
  const y = tf.conv3d(x, w, 1, 'same'); y.dataSync();
  const dt = performance.now() - t0; const c = process.cpuUsage(c0);
  const m = tf.mul(y, y); m.dataSync();
  const t1 = performance.now(); const m2 = tf.mul(y, y); m2.dataSync(); const dm = performance.now() - t1;
  console.log(`th ${th} conv ${dt.toFixed(1)} ms ${(flop / dt / 1e6).toFixed(0)} GFLOP/s cpu ${((c.user + c.system) / 1000).toFixed(0)} ms; mul ${dm.toFixed(2)} ms for ${y.size} elems`);
  tf.dispose([y, m, m2]);
}
