/**
 * Writes a C-order uint8 NumPy `.npy` file (format 1.0), the dtype and layout
 * of MRNet's exams.
 */
export function encodeNpyUint8(data: Uint8Array, shape: readonly number[]): Uint8Array {
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) throw new RangeError(`encodeNpyUint8: shape [${shape.join(', ')}] holds ${count} values, data has ${data.length}`);
  const shapeStr = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '|u1', 'fortran_order': False, 'shape': ${shapeStr}, }`;
  // magic (6) + version (2) + header length (2) + header, padded to 64 with spaces and '\n'.
  const total = Math.ceil((10 + header.length + 1) / 64) * 64;
  header = header.padEnd(total - 10 - 1, ' ') + '\n';
  const out = new Uint8Array(total + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0);
  out[8] = header.length & 0xff;
  out[9] = header.length >> 8;
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  out.set(data, total);
  return out;
}
