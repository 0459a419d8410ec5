import * as tf from '@tensorflow/tfjs-core';
import type { ParamInitializer } from './params.js';

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (const b of new TextEncoder().encode(s)) h = Math.imul(h ^ b, 0x01000193);
  return h >>> 0;
}

/** `n` seeded N(0, std^2) samples: mulberry32 uniforms and Marsaglia's polar method, inlined for speed. */
function normals(n: number, std: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let a = seed | 0;
  let i = 0;
  while (i < n) {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const u = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
    a = (a + 0x6d2b79f5) | 0;
    t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const v = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
    const s = u * u + v * v;
    if (s >= 1 || s === 0) continue;
    const f = Math.sqrt((-2 * Math.log(s)) / s) * std;
    out[i++] = u * f;
    if (i < n) out[i++] = v * f;
  }
  return out;
}

/**
 * torchvision's initialisation of video ResNets, seeded: convolutions
 * `kaiming_normal_(mode='fan_out', nonlinearity='relu')`, norm weights 1 and
 * biases 0, running mean 0 and variance 1, `fc` weights N(0, 0.01) and bias 0.
 * Each parameter draws from its own stream (seed mixed with its name), so the
 * values do not depend on construction order.
 */
export function torchvisionInitializer(seed: number): ParamInitializer {
  return (torchName, torchShape, kind, tfShape) => {
    const leaf = torchName.slice(torchName.lastIndexOf('.') + 1);
    const n = tfShape.reduce((a, b) => a * b, 1);
    const s = (fnv1a(torchName) ^ Math.imul(seed >>> 0, 0x9e3779b1)) >>> 0;
    if (kind === 'conv') {
      const fanOut = (torchShape[0] as number) * (torchShape[2] as number) * (torchShape[3] as number) * (torchShape[4] as number);
      return tf.tensor(normals(n, Math.sqrt(2 / fanOut), s), tfShape, 'float32');
    }
    if (kind === 'linear') return tf.tensor(normals(n, 0.01, s), tfShape, 'float32');
    if (leaf === 'weight' || leaf === 'running_var') return tf.ones(tfShape, 'float32');
    return tf.zeros(tfShape, 'float32');
  };
}
