import { VideoReadError } from './errors.js';
import { ascii, viewOf } from './bytes.js';
import { DTYPE_SIZE, bytesToTyped, prod, transpose } from './dtype.js';
import { axcodes } from './affine.js';
import type { MedicalVideo, VideoDType, VideoOrientation, VideoTypedArray } from './types.js';
import type { NiftiFrameAxis } from './options.js';

/** Options of {@link decodeNifti}. */
export interface DecodeNiftiOptions {
  /** Frame axis (see `ReadVideoOptions.frameAxis`). Default `'auto'`. */
  frameAxis?: NiftiFrameAxis;
  /** Single volume of a 4D file to keep. Default: all. */
  volume?: number;
  /** Apply `scl_slope`/`scl_inter`. Default `true`. */
  applyScaling?: boolean;
}

/** Fields of a NIfTI-1 or NIfTI-2 header that the reader uses (all numbers in file units). */
export interface NiftiHeader {
  /** 1 or 2. */
  version: 1 | 2;
  /** True when the header is little endian. */
  littleEndian: boolean;
  /** `dim[0..7]`. */
  dim: number[];
  /** `pixdim[0..7]` (`pixdim[0]` is qfac). */
  pixdim: number[];
  /** NIfTI datatype code. */
  datatype: number;
  /** Bits per voxel. */
  bitpix: number;
  /** Byte offset of the voxels. */
  voxOffset: number;
  /** Scaling slope (0 or NaN: none). */
  sclSlope: number;
  /** Scaling intercept. */
  sclInter: number;
  /** Unit codes (`xyzt_units`). */
  xyztUnits: number;
  /** qform code. */
  qformCode: number;
  /** sform code. */
  sformCode: number;
  /** Quaternion b, c, d and offsets x, y, z. */
  quatern: [number, number, number, number, number, number];
  /** sform rows (12 numbers, row-major 3x4). */
  srow: number[];
  /** Free text description. */
  descrip: string;
  /** Magic string (`n+1`, `ni1`, `n+2`, `ni2`). */
  magic: string;
}

const DT: Record<number, { dtype: VideoDType; comps: number }> = {
  2: { dtype: 'uint8', comps: 1 },
  4: { dtype: 'int16', comps: 1 },
  8: { dtype: 'int32', comps: 1 },
  16: { dtype: 'float32', comps: 1 },
  64: { dtype: 'float64', comps: 1 },
  128: { dtype: 'uint8', comps: 3 },
  256: { dtype: 'int8', comps: 1 },
  512: { dtype: 'uint16', comps: 1 },
  768: { dtype: 'uint32', comps: 1 },
  1024: { dtype: 'int64', comps: 1 },
  1280: { dtype: 'uint64', comps: 1 },
  2304: { dtype: 'uint8', comps: 4 },
};

/** True when `b` starts like a NIfTI-1 or NIfTI-2 header (either byte order). */
export function isNifti(b: Uint8Array): boolean {
  if (b.length < 348) return false;
  const v = viewOf(b);
  const s = v.getInt32(0, true);
  const sb = v.getInt32(0, false);
  if (s === 348 || sb === 348) {
    const m = ascii(b, 344, 4);
    return m === 'n+1' || m === 'ni1';
  }
  if ((s === 540 || sb === 540) && b.length >= 540) {
    const m = ascii(b, 4, 4);
    return m === 'n+2' || m === 'ni2';
  }
  return false;
}

/** Parses a NIfTI-1 or NIfTI-2 header. */
export function parseNiftiHeader(b: Uint8Array, file: string): NiftiHeader {
  if (b.length < 348) throw new VideoReadError(file, 'nifti', `truncated: ${b.length} bytes, a header needs 348`);
  const v = viewOf(b);
  let le = true;
  let version: 1 | 2;
  const s = v.getInt32(0, true);
  if (s === 348 || s === 540) version = s === 348 ? 1 : 2;
  else {
    le = false;
    const sb = v.getInt32(0, false);
    if (sb !== 348 && sb !== 540) throw new VideoReadError(file, 'nifti', `sizeof_hdr is ${s}, expected 348 or 540`);
    version = sb === 348 ? 1 : 2;
  }
  if (version === 1) {
    const dim = Array.from({ length: 8 }, (_, i) => v.getInt16(40 + 2 * i, le));
    const pixdim = Array.from({ length: 8 }, (_, i) => v.getFloat32(76 + 4 * i, le));
    return {
      version,
      littleEndian: le,
      dim,
      pixdim,
      datatype: v.getInt16(70, le),
      bitpix: v.getInt16(72, le),
      voxOffset: v.getFloat32(108, le),
      sclSlope: v.getFloat32(112, le),
      sclInter: v.getFloat32(116, le),
      xyztUnits: b[123] as number,
      qformCode: v.getInt16(252, le),
      sformCode: v.getInt16(254, le),
      quatern: [256, 260, 264, 268, 272, 276].map((o) => v.getFloat32(o, le)) as NiftiHeader['quatern'],
      srow: Array.from({ length: 12 }, (_, i) => v.getFloat32(280 + 4 * i, le)),
      descrip: ascii(b, 148, 80),
      magic: ascii(b, 344, 4),
    };
  }
  if (b.length < 540) throw new VideoReadError(file, 'nifti', `truncated: ${b.length} bytes, a NIfTI-2 header needs 540`);
  const i64 = (o: number): number => Number(v.getBigInt64(o, le));
  return {
    version,
    littleEndian: le,
    dim: Array.from({ length: 8 }, (_, i) => i64(16 + 8 * i)),
    pixdim: Array.from({ length: 8 }, (_, i) => v.getFloat64(104 + 8 * i, le)),
    datatype: v.getInt16(12, le),
    bitpix: v.getInt16(14, le),
    voxOffset: i64(168),
    sclSlope: v.getFloat64(176, le),
    sclInter: v.getFloat64(184, le),
    xyztUnits: v.getInt32(500, le),
    qformCode: v.getInt32(344, le),
    sformCode: v.getInt32(348, le),
    quatern: [352, 360, 368, 376, 384, 392].map((o) => v.getFloat64(o, le)) as NiftiHeader['quatern'],
    srow: Array.from({ length: 12 }, (_, i) => v.getFloat64(400 + 8 * i, le)),
    descrip: ascii(b, 240, 80),
    magic: ascii(b, 4, 4),
  };
}

/** Spatial unit factor to millimetres (unknown units count as mm). */
function spaceToMm(units: number): number {
  switch (units & 0x07) {
    case 1:
      return 1000;
    case 3:
      return 0.001;
    default:
      return 1;
  }
}

/** Time unit factor to milliseconds (unknown units count as seconds). */
function timeToMs(units: number): number {
  switch (units & 0x38) {
    case 16:
      return 1;
    case 24:
      return 0.001;
    default:
      return 1000;
  }
}

/** Result of {@link niftiAffine}. */
export interface NiftiAffine {
  /** Row-major 4x4 affine from file voxel indices `(i, j, k)` to RAS+ world units. */
  affine: number[];
  /** Which header fields gave it. */
  source: VideoOrientation['source'];
}

/**
 * The voxel-to-world affine (row-major 4x4, file units, RAS+) of a header,
 * as nibabel's `get_best_affine`: sform when `sform_code > 0`, else qform
 * when `qform_code > 0`, else the centred pixdim affine.
 */
export function niftiAffine(h: NiftiHeader): NiftiAffine {
  const [n1 = 1, n2 = 1, n3 = 1] = h.dim.slice(1, 4).map((d) => Math.max(1, d));
  const zx = h.pixdim[1] ?? 1;
  const zy = h.pixdim[2] ?? 1;
  const zz = h.pixdim[3] ?? 1;
  if (h.sformCode > 0) {
    return { affine: [...h.srow, 0, 0, 0, 1], source: 'sform' };
  }
  if (h.qformCode > 0) {
    const [b, c, d, qx, qy, qz] = h.quatern;
    let a2 = 1 - (b * b + c * c + d * d);
    let bb = b,
      cc = c,
      dd = d;
    if (a2 < 1e-7) {
      const n = Math.hypot(b, c, d) || 1;
      bb /= n;
      cc /= n;
      dd /= n;
      a2 = 0;
    }
    const a = Math.sqrt(a2);
    const R = [
      a * a + bb * bb - cc * cc - dd * dd,
      2 * (bb * cc - a * dd),
      2 * (bb * dd + a * cc),
      2 * (bb * cc + a * dd),
      a * a + cc * cc - bb * bb - dd * dd,
      2 * (cc * dd - a * bb),
      2 * (bb * dd - a * cc),
      2 * (cc * dd + a * bb),
      a * a + dd * dd - cc * cc - bb * bb,
    ];
    const qfac = (h.pixdim[0] ?? 1) < 0 ? -1 : 1;
    const z = [Math.abs(zx) || 1, Math.abs(zy) || 1, (Math.abs(zz) || 1) * qfac];
    const A: number[] = [];
    const t = [qx, qy, qz];
    for (let r = 0; r < 3; r++) {
      for (let k = 0; k < 3; k++) A.push((R[r * 3 + k] as number) * (z[k] as number));
      A.push(t[r] as number);
    }
    return { affine: [...A, 0, 0, 0, 1], source: 'qform' };
  }
  return {
    affine: [-zx, 0, 0, ((n1 - 1) / 2) * zx, 0, zy, 0, (-(n2 - 1) / 2) * zy, 0, 0, zz, (-(n3 - 1) / 2) * zz, 0, 0, 0, 1],
    source: 'pixdim',
  };
}

/**
 * The bytes a NIfTI header declares: `vox_offset` plus the voxels for a
 * single file (`n+1`/`n+2`), or the voxels of the `.img` for a pair header
 * (`pair` true, or magic `ni1`/`ni2`). Read from the header alone, so a
 * gzip bomb is refused before it is inflated. @internal
 */
export function niftiDeclaredBytes(head: Uint8Array, file: string): number {
  const h = parseNiftiHeader(head, file);
  const ndim = h.dim[0] as number;
  if (!(ndim >= 1 && ndim <= 7)) throw new VideoReadError(file, 'nifti', `dim[0] is ${ndim}, expected 1..7`);
  let count = 1;
  for (let i = 1; i <= ndim; i++) {
    const d = h.dim[i] as number;
    if (!Number.isInteger(d) || d < 1) throw new VideoReadError(file, 'nifti', `dim[${i}] is ${d}, expected a positive integer`);
    count *= d;
  }
  const voxels = count * Math.max(1, h.bitpix / 8);
  const pair = h.magic === 'ni1' || h.magic === 'ni2';
  return (pair ? Math.max(0, Math.floor(h.voxOffset)) : Math.floor(h.voxOffset)) + voxels;
}

/**
 * Decodes a NIfTI-1/2 single file (`.nii`, already gunzipped) held in memory
 * into `[T, H, W, C]`; see `ReadVideoOptions.frameAxis` for the axis mapping.
 */
export function decodeNifti(b: Uint8Array, file: string, maxBytes: number, options: DecodeNiftiOptions = {}, image?: Uint8Array): MedicalVideo {
  const h = parseNiftiHeader(b, file);
  const pair = h.magic === 'ni1' || h.magic === 'ni2';
  if (pair && !image) {
    throw new VideoReadError(file, 'nifti', 'header of a .hdr/.img pair: read it by path (the .img beside it is loaded) or pass the image bytes');
  }
  const src = pair && image ? image : b;
  const ndim = h.dim[0] as number;
  if (!(ndim >= 1 && ndim <= 7)) throw new VideoReadError(file, 'nifti', `dim[0] is ${ndim}, expected 1..7`);
  const dims: number[] = [];
  for (let i = 1; i <= 7; i++) {
    const d = i <= ndim ? (h.dim[i] as number) : 1;
    if (!Number.isInteger(d) || d < 1) throw new VideoReadError(file, 'nifti', `dim[${i}] is ${d}, expected a positive integer`);
    dims.push(d);
  }
  const dt = DT[h.datatype];
  if (!dt) throw new VideoReadError(file, 'nifti', `unsupported datatype code ${h.datatype}`);
  const elemBytes = DTYPE_SIZE[dt.dtype] * dt.comps;
  if (h.bitpix !== elemBytes * 8) throw new VideoReadError(file, 'nifti', `bitpix ${h.bitpix} does not match datatype ${h.datatype}`);
  const count = prod(dims);
  const need = count * elemBytes;
  if (need > maxBytes) throw new VideoReadError(file, 'nifti', `volume of ${need} bytes exceeds maxBytes=${maxBytes}`);
  const off = Math.floor(h.voxOffset);
  const minOff = pair ? 0 : h.version === 1 ? 348 : 540;
  if (!(off >= minOff)) throw new VideoReadError(file, 'nifti', `vox_offset ${h.voxOffset} is before the end of the header`);
  if (off + need > src.length) {
    throw new VideoReadError(file, 'nifti', `truncated: dims (${dims.slice(0, ndim).join(', ')}) need ${need} bytes from offset ${off}, ${pair ? 'image file' : 'file'} has ${src.length}`);
  }
  let vox: VideoTypedArray = bytesToTyped(src.subarray(off, off + need), dt.dtype, h.littleEndian);
  // Volume selection (t axis).
  if (options.volume !== undefined) {
    const vol = options.volume;
    const nt = dims[3] as number;
    if (!Number.isInteger(vol) || vol < 0 || vol >= nt) throw new VideoReadError(file, 'nifti', `volume ${vol} out of range: the file has ${nt} volumes`);
    const per = (dims[0] as number) * (dims[1] as number) * (dims[2] as number) * dt.comps;
    const rest = prod(dims.slice(4));
    const sel = vox.constructor as new (n: number) => VideoTypedArray;
    const out = new sel(per * rest);
    for (let r = 0; r < rest; r++) {
      (out as Uint8Array).set((vox as Uint8Array).subarray((r * nt + vol) * per, (r * nt + vol + 1) * per), r * per);
    }
    vox = out;
    dims[3] = 1;
  }
  // Axis mapping.
  let f: number;
  const fa = options.frameAxis ?? 'auto';
  if (fa === 'auto') f = (dims[3] as number) > 1 && dims[2] === 1 ? 3 : 2;
  else f = { x: 0, y: 1, z: 2, t: 3 }[fa];
  if (f === 3 && (dims[3] as number) === 1 && ndim < 4) throw new VideoReadError(file, 'nifti', 'frameAxis t asked of a 3D volume');
  const spatialLeft = [0, 1, 2].filter((a) => a !== f);
  const wAxis = spatialLeft[0] as number;
  const hAxis = spatialLeft[1] as number;
  const leftover = [0, 1, 2, 3, 4, 5, 6].filter((a) => a !== f && a !== wAxis && a !== hAxis);
  // Source as C order: reversed dims, plus the component axis innermost.
  // Axis k of the file sits at C position 6 - k; comps at 7.
  const cShape = [...dims].reverse().concat([dt.comps]);
  const pos = (k: number): number => 6 - k;
  const permFull = [pos(f), pos(hAxis), pos(wAxis), ...leftover.map(pos), 7];
  // Drop unit axes for speed.
  const keep = cShape.map((d, i) => d > 1 || i === pos(wAxis));
  const squeezedShape = cShape.filter((_, i) => keep[i]);
  const newIndex = new Map<number, number>();
  cShape.forEach((_, i) => {
    if (keep[i]) newIndex.set(i, newIndex.size);
  });
  const perm = permFull.filter((i) => keep[i]).map((i) => newIndex.get(i) as number);
  const identity = perm.every((p, i) => p === i);
  const data = identity ? vox : transpose(vox, squeezedShape, perm);
  const T = dims[f] as number;
  const H = dims[hAxis] as number;
  const W = dims[wAxis] as number;
  const shape: [number, number, number, number] = [T, H, W, data.length / (T * H * W)];
  // Scaling.
  let out: VideoTypedArray = data;
  let dtype: VideoDType = dt.dtype;
  const slope = h.sclSlope;
  const inter = Number.isFinite(h.sclInter) ? h.sclInter : 0;
  const scaled = (options.applyScaling ?? true) && Number.isFinite(slope) && slope !== 0 && !(slope === 1 && inter === 0);
  if (scaled) {
    const f32 = new Float32Array(data.length);
    const d = data as unknown as ArrayLike<number | bigint>;
    for (let i = 0; i < f32.length; i++) f32[i] = Number(d[i]) * slope + inter;
    out = f32;
    dtype = 'float32';
  }
  // Spacing, frame time, orientation.
  const mm = spaceToMm(h.xyztUnits);
  const zoom = (a: number): number => Math.abs(h.pixdim[a + 1] ?? 1) * mm;
  const spacing: [number, number, number] = [f === 3 ? zoom(2) : zoom(f), zoom(hAxis), zoom(wAxis)];
  const { affine: fileAffine, source } = niftiAffine(h);
  const col = (k: number): number[] => [fileAffine[k] as number, fileAffine[4 + k] as number, fileAffine[8 + k] as number];
  const cw = col(wAxis);
  const ch = col(hAxis);
  const ct = f === 3 ? [0, 0, 0] : col(f);
  const affine = [
    cw[0], ch[0], ct[0], fileAffine[3],
    cw[1], ch[1], ct[1], fileAffine[7],
    cw[2], ch[2], ct[2], fileAffine[11],
    0, 0, 0, 1,
  ] as number[];
  const video: MedicalVideo = {
    data: out,
    shape,
    dtype,
    spacing,
    orientation: { affine, space: 'RAS', source, axcodes: axcodes(fileAffine, 'RAS') },
    format: 'nifti',
    meta: {
      source: file,
      niftiVersion: h.version,
      dim: h.dim.slice(0, ndim + 1),
      pixdim: h.pixdim,
      datatype: h.datatype,
      sourceDtype: dt.dtype,
      sclSlope: h.sclSlope,
      sclInter: h.sclInter,
      scalingApplied: scaled,
      xyztUnits: h.xyztUnits,
      qformCode: h.qformCode,
      sformCode: h.sformCode,
      fileAffine,
      descrip: h.descrip,
      frameAxis: ['x', 'y', 'z', 't'][f],
      littleEndian: h.littleEndian,
    },
  };
  if (f === 3 && (h.pixdim[4] ?? 0) > 0) video.frameTime = (h.pixdim[4] as number) * timeToMs(h.xyztUnits);
  return video;
}
