// Bundled for the browser by browser.test.ts: conv3d forward and both
// gradients on the portable backend against the cpu backend, in the page.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';
import { registerPortableBackend } from '@byolmed3d/tfjs-portable';

function values(n: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    a[i] = s / 2147483648 - 0.5;
  }
  return a;
}

function step(): number[][] {
  return tf.tidy(() => {
    const x = tf.tensor5d(values(2 * 5 * 9 * 7 * 6, 1), [2, 5, 9, 7, 6]);
    const w = tf.tensor5d(values(3 * 3 * 3 * 6 * 11, 2), [3, 3, 3, 6, 11]);
    const y = tf.conv3d(x, w, [1, 2, 2], 'same');
    const r = tf.tensor(values(y.size, 3), y.shape);
    const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv3d(a as tf.Tensor5D, b as tf.Tensor5D, [1, 2, 2], 'same'), r)))([x, w]);
    return [y, ...g].map((t) => Array.from(t.dataSync()));
  });
}

async function main(): Promise<void> {
  const name = await registerPortableBackend({ wasmPaths: new URL('./', location.href).href });
  await tf.setBackend('cpu');
  const ref = step();
  if (!(await tf.setBackend(name))) throw new Error(`backend ${name} did not start`);
  const before = tf.memory().numTensors;
  const ours = step();
  const err = ref.map((a, k) => {
    let m = 0, s = 1;
    a.forEach((v, i) => {
      m = Math.max(m, Math.abs(v - (ours[k]?.[i] ?? NaN)));
      s = Math.max(s, Math.abs(v));
    });
    return m / s;
  });
  (window as unknown as { result: unknown }).result = { backend: tf.getBackend(), simd: await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'), err, leaked: tf.memory().numTensors - before };
}

main().catch((e: unknown) => {
  (window as unknown as { result: unknown }).result = { error: String(e) };
});
