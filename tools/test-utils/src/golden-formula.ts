/**
 * The weight formula of testdata/golden/README.md: every parameter of a
 * torchvision video ResNet (and the golden input clip) is a deterministic
 * function of its state-dict name and flat index, so goldens need no weights.
 */

/** FNV-1a hash of the UTF-8 bytes of `s` (unsigned 32-bit). */
export function fnv1a32(s: string): number {
  let h = 0x811c9dc5;
  for (const b of new TextEncoder().encode(s)) h = Math.imul(h ^ b, 0x01000193);
  return h >>> 0;
}

/** The integer mixer of the formula (unsigned 32-bit). */
export function mix32(x: number): number {
  x >>>= 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/** uniform(key, i) in [-1, 1). */
export function uniform(key: string, i: number, keyHash = fnv1a32(key)): number {
  return (mix32(keyHash ^ mix32(i)) / 2 ** 32) * 2 - 1;
}

/** Formula value of a parameter, PyTorch layout; null for num_batches_tracked ("untouched"). */
export function formulaTensor(name: string, shape: readonly number[]): Float32Array | null {
  const leaf = name.slice(name.lastIndexOf('.') + 1);
  if (leaf === 'num_batches_tracked') return null;
  const n = shape.reduce((a, b) => a * b, 1);
  const h = fnv1a32(name);
  const out = new Float32Array(n);
  let f: (u: number) => number;
  if (leaf === 'weight' && shape.length >= 2) {
    const s = Math.sqrt(6 / (n / (shape[0] as number)));
    f = (u) => u * s;
  } else if (leaf === 'weight') f = (u) => 1 + 0.1 * u;
  else if (leaf === 'bias' || leaf === 'running_mean') f = (u) => 0.1 * u;
  else if (leaf === 'running_var') f = (u) => 1 + 0.25 * (1 + u);
  else throw new Error(`formula: unknown leaf ${name}`);
  for (let i = 0; i < n; i++) out[i] = f(uniform(name, i, h));
  return out;
}

/** Formula state dict for the names and shapes of `like` (num_batches_tracked kept as in `like`). */
export function formulaStateDict<E extends { shape: number[] }>(like: Record<string, E>): Record<string, E | { shape: number[]; dtype: 'float32'; data: Float32Array }> {
  const out: Record<string, E | { shape: number[]; dtype: 'float32'; data: Float32Array }> = {};
  for (const [name, e] of Object.entries(like)) {
    const data = formulaTensor(name, e.shape);
    out[name] = data ? { shape: e.shape.slice(), dtype: 'float32', data } : e;
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
        for (let y = 0; y < h; y++)
          for (let x = 0; x < w; x++) out[(((a * t + d) * h + y) * w + x) * c + ch] = uniform('input', i++, key);
  return out;
}
