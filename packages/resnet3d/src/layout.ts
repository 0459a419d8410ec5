/**
 * Converts a PyTorch conv3d weight `[out, in, kT, kH, kW]` to the tfjs filter
 * layout `[kT, kH, kW, in, out]`.
 */
export function torchToTfConv3d(data: Float32Array, shape: readonly number[]): Float32Array {
  if (shape.length !== 5) throw new RangeError(`torchToTfConv3d: expected 5 dims, got [${shape.join(', ')}]`);
  const [o, i, kt, kh, kw] = shape as [number, number, number, number, number];
  const out = new Float32Array(data.length);
  let src = 0;
  for (let a = 0; a < o; a++)
    for (let b = 0; b < i; b++)
      for (let t = 0; t < kt; t++)
        for (let h = 0; h < kh; h++)
          for (let w = 0; w < kw; w++) out[(((t * kh + h) * kw + w) * i + b) * o + a] = data[src++] as number;
  return out;
}
