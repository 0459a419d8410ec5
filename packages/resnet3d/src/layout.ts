/**
 * Layout conversions between PyTorch weights and tfjs filters. PyTorch keeps
 * convolution weights as `[out, in, kT, kH, kW]` and linear weights as
 * `[out, in]`; tfjs wants `[kT, kH, kW, in, out]` and `[in, out]`.
 */

function assertLength(fn: string, data: ArrayLike<number>, shape: readonly number[]): void {
  let n = 1;
  for (const d of shape) n *= d;
  if (data.length !== n) throw new RangeError(`${fn}: data has ${data.length} elements, shape [${shape.join(', ')}] needs ${n}`);
}

/**
 * Moves every element between the PyTorch index `((a * i + b) * k + s)` and
 * the tfjs index `(s * i + b) * o + a` (a: out channel, b: in channel, s:
 * kernel position), in the direction `toTf` says.
 */
function permuteConv3d(fn: string, data: ArrayLike<number>, shape: readonly number[], o: number, i: number, k: number, toTf: boolean): Float32Array {
  if (shape.length !== 5) throw new RangeError(`${fn}: expected 5 dims, got [${shape.join(', ')}]`);
  assertLength(fn, data, shape);
  const src = data instanceof Float32Array ? data : Float32Array.from(data);
  const out = new Float32Array(src.length);
  const io = i * o;
  let p = 0;
  for (let a = 0; a < o; a++)
    for (let b = 0; b < i; b++) {
      const base = b * o + a;
      if (toTf) for (let s = 0; s < k; s++) out[s * io + base] = src[p++] as number;
      else for (let s = 0; s < k; s++) out[p++] = src[s * io + base] as number;
    }
  return out;
}

/**
 * Converts a PyTorch conv3d weight `[out, in, kT, kH, kW]` to the tfjs filter
 * layout `[kT, kH, kW, in, out]`.
 */
export function torchToTfConv3d(data: ArrayLike<number>, shape: readonly number[]): Float32Array {
  const [o = 0, i = 0, kt = 0, kh = 0, kw = 0] = shape;
  return permuteConv3d('torchToTfConv3d', data, shape, o, i, kt * kh * kw, true);
}

/**
 * Converts a tfjs conv3d filter `[kT, kH, kW, in, out]` to PyTorch's layout
 * `[out, in, kT, kH, kW]` (the inverse of {@link torchToTfConv3d}).
 */
export function tfToTorchConv3d(data: ArrayLike<number>, tfShape: readonly number[]): Float32Array {
  const [kt = 0, kh = 0, kw = 0, i = 0, o = 0] = tfShape;
  return permuteConv3d('tfToTorchConv3d', data, tfShape, o, i, kt * kh * kw, false);
}

/** Transposes a row-major `[rows, cols]` matrix (PyTorch linear `[out, in]` <-> tfjs `[in, out]`). */
export function transpose2d(data: ArrayLike<number>, shape: readonly number[]): Float32Array {
  if (shape.length !== 2) throw new RangeError(`transpose2d: expected 2 dims, got [${shape.join(', ')}]`);
  assertLength('transpose2d', data, shape);
  const [r, c] = shape as [number, number];
  const src = data instanceof Float32Array ? data : Float32Array.from(data);
  const out = new Float32Array(src.length);
  for (let a = 0; a < r; a++) for (let b = 0; b < c; b++) out[b * r + a] = src[a * c + b] as number;
  return out;
}

/** The tfjs shape of a PyTorch conv3d weight shape `[out, in, kT, kH, kW]`. */
export function tfConv3dShape(torchShape: readonly number[]): [number, number, number, number, number] {
  const [o, i, kt, kh, kw] = torchShape as [number, number, number, number, number];
  return [kt, kh, kw, i, o];
}
