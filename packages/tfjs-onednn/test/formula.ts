/**
 * The parameter formula of testdata/golden/README.md (torchvision goldens):
 * every value is a function of the parameter's name and flat index.
 */
import type { StateDict, TensorEntry } from '@byolmed3d/resnet3d';

function fnv1a32(s: string): number {
  let h = 0x811c9dc5;
  for (const b of new TextEncoder().encode(s)) h = Math.imul(h ^ b, 0x01000193);
  return h >>> 0;
}

function mix32(x: number): number {
  x >>>= 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

function uniform(keyHash: number, i: number): number {
  return (mix32(keyHash ^ mix32(i)) / 2 ** 32) * 2 - 1;
}

/** Formula state dict (PyTorch layout) for the names and shapes of `like`. */
export function formulaStateDict(like: StateDict): StateDict {
  const out: StateDict = {};
  for (const [name, e] of Object.entries(like)) {
    const leaf = name.slice(name.lastIndexOf('.') + 1);
    if (leaf === 'num_batches_tracked') {
      out[name] = e;
      continue;
    }
    const n = e.shape.reduce((a, b) => a * b, 1);
    const h = fnv1a32(name);
    const s = Math.sqrt(6 / (n / (e.shape[0] as number)));
    const f =
      leaf === 'weight' && e.shape.length >= 2
        ? (u: number) => u * s
        : leaf === 'weight'
          ? (u: number) => 1 + 0.1 * u
          : leaf === 'running_var'
            ? (u: number) => 1 + 0.25 * (1 + u)
            : (u: number) => 0.1 * u;
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = f(uniform(h, i));
    out[name] = { shape: e.shape.slice(), dtype: 'float32', data } satisfies TensorEntry;
  }
  return out;
}

/** The golden input clip: uniform('input', i) over NCDHW, returned as NDHWC data. */
export function formulaInputNdhwc(shape: readonly [number, number, number, number, number]): Float32Array {
  const [n, c, t, h, w] = shape;
  const key = fnv1a32('input');
  const out = new Float32Array(n * c * t * h * w);
  let i = 0;
  for (let a = 0; a < n; a++)
    for (let ch = 0; ch < c; ch++)
      for (let d = 0; d < t; d++)
        for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[(((a * t + d) * h + y) * w + x) * c + ch] = uniform(key, i++);
  return out;
}
