/**
 * Fast ascending sort of float64 keys: an LSD radix sort on the IEEE-754 bit
 * patterns (six 11-bit passes, each skipped when all keys share that digit),
 * falling back to the native typed-array sort for short arrays.
 * @internal
 */

const RADIX_MIN = 4096;

/**
 * Sorts `a` ascending in place and returns it. `a` must hold no NaN (callers
 * validate first); `-0` is normalised to `+0` so that equal values are
 * bitwise equal.
 */
export function sortFloat64(a: Float64Array): Float64Array {
  const n = a.length;
  if (n < RADIX_MIN) {
    for (let i = 0; i < n; i++) if (a[i] === 0) a[i] = 0;
    return a.sort();
  }
  // Little-endian views (every JS engine in use is little-endian; checked below).
  const u = new Uint32Array(a.buffer, a.byteOffset, n * 2);
  let lo = new Uint32Array(n);
  let hi = new Uint32Array(n);
  // Six passes of 11/11/10 bits per 32-bit word: 2048 buckets stay in cache.
  const hist = new Uint32Array(6 * 2048);
  for (let i = 0; i < n; i++) {
    if (a[i] === 0) a[i] = 0;
    let l = u[2 * i] as number;
    let h = u[2 * i + 1] as number;
    if (h & 0x80000000) {
      h = ~h >>> 0;
      l = ~l >>> 0;
    } else {
      h = (h | 0x80000000) >>> 0;
    }
    lo[i] = l;
    hi[i] = h;
    (hist[l & 0x7ff] as number)++;
    (hist[2048 + ((l >>> 11) & 0x7ff)] as number)++;
    (hist[4096 + (l >>> 22)] as number)++;
    (hist[6144 + (h & 0x7ff)] as number)++;
    (hist[8192 + ((h >>> 11) & 0x7ff)] as number)++;
    (hist[10240 + (h >>> 22)] as number)++;
  }
  let lo2 = new Uint32Array(n);
  let hi2 = new Uint32Array(n);
  for (let pass = 0; pass < 6; pass++) {
    const base = pass * 2048;
    // Skip a pass whose digit is the same for every key.
    let skip = false;
    for (let d = 0; d < 2048; d++) {
      const c = hist[base + d] as number;
      if (c !== 0) {
        skip = c === n;
        break;
      }
    }
    if (skip) continue;
    let sum = 0;
    for (let d = 0; d < 2048; d++) {
      const c = hist[base + d] as number;
      hist[base + d] = sum;
      sum += c;
    }
    const src = pass >= 3 ? hi : lo;
    const shift = (pass % 3) * 11;
    for (let i = 0; i < n; i++) {
      const d = base + (((src[i] as number) >>> shift) & 0x7ff);
      const p = hist[d] as number;
      hist[d] = p + 1;
      lo2[p] = lo[i] as number;
      hi2[p] = hi[i] as number;
    }
    let t = lo;
    lo = lo2;
    lo2 = t;
    t = hi;
    hi = hi2;
    hi2 = t;
  }
  for (let i = 0; i < n; i++) {
    let l = lo[i] as number;
    let h = hi[i] as number;
    if (h & 0x80000000) {
      h = (h & 0x7fffffff) >>> 0;
    } else {
      h = ~h >>> 0;
      l = ~l >>> 0;
    }
    u[2 * i] = l;
    u[2 * i + 1] = h;
  }
  return a;
}

/** Number of elements of ascending `a` strictly below `v`. */
export function lowerBound(a: Float64Array, v: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((a[mid] as number) < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Number of elements of ascending `a` less than or equal to `v`. */
export function upperBound(a: Float64Array, v: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((a[mid] as number) <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
