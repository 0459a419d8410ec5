import { VideoReadError } from '../errors.js';
import { axcodes } from '../affine.js';
import type { MedicalVideo, VideoDType, VideoTypedArray } from '../types.js';
import { TAG, parseDicom, type DicomDataset, type DicomFile } from './dataset.js';
import { decodePixels, pixelInfo, type DecodedPixels, type DicomVideoOptions } from './pixels.js';

/** Options of the DICOM readers (with those of the video transfer syntaxes, decoded by ffmpeg). */
export interface DicomReadOptions extends DicomVideoOptions {
  /** Largest decoded size in bytes. */
  maxBytes: number;
  /** Apply RescaleSlope/Intercept (default true). */
  applyRescale?: boolean;
  /** SeriesInstanceUID to pick from a folder holding several. */
  seriesUid?: string;
}

/** Looks an attribute up at the top level, then in the shared and first per-frame functional groups. */
function lookup(ds: DicomDataset, tag: number, groupSeq: number): DicomDataset | undefined {
  if (ds.has(tag)) return ds;
  for (const fg of [TAG.SharedFunctionalGroupsSequence, TAG.PerFrameFunctionalGroupsSequence]) {
    const item = ds.items(fg)?.[0]?.items(groupSeq)?.[0];
    if (item?.has(tag)) return item;
  }
  return undefined;
}

function nums(ds: DicomDataset, tag: number, groupSeq: number): number[] | undefined {
  return lookup(ds, tag, groupSeq)?.numbers(tag);
}

/** Geometry and timing attributes of one DICOM file. */
interface Geometry {
  pixelSpacing?: [number, number];
  orientation?: number[];
  position?: number[];
  framePositions?: number[][];
  sliceThickness?: number;
  spacingBetweenSlices?: number;
  slope: number;
  intercept: number;
  frameTime?: number;
}

function geometry(ds: DicomDataset): Geometry {
  const ps = nums(ds, TAG.PixelSpacing, TAG.PixelMeasuresSequence) ?? ds.numbers(TAG.ImagerPixelSpacing);
  const iop = nums(ds, TAG.ImageOrientationPatient, TAG.PlaneOrientationSequence);
  const ipp = nums(ds, TAG.ImagePositionPatient, TAG.PlanePositionSequence);
  const g: Geometry = {
    slope: nums(ds, TAG.RescaleSlope, TAG.PixelValueTransformationSequence)?.[0] ?? 1,
    intercept: nums(ds, TAG.RescaleIntercept, TAG.PixelValueTransformationSequence)?.[0] ?? 0,
  };
  if (ps && ps.length >= 2 && ps[0]! > 0 && ps[1]! > 0) g.pixelSpacing = [ps[0]!, ps[1]!];
  if (iop && iop.length >= 6) g.orientation = iop.slice(0, 6);
  if (ipp && ipp.length >= 3) g.position = ipp.slice(0, 3);
  const th = nums(ds, TAG.SliceThickness, TAG.PixelMeasuresSequence)?.[0];
  if (th !== undefined && th > 0) g.sliceThickness = th;
  const sb = nums(ds, TAG.SpacingBetweenSlices, TAG.PixelMeasuresSequence)?.[0];
  if (sb !== undefined && sb > 0) g.spacingBetweenSlices = sb;
  const perFrame = ds.items(TAG.PerFrameFunctionalGroupsSequence);
  if (perFrame && perFrame.length > 1) {
    const pos = perFrame.map((it) => it.items(TAG.PlanePositionSequence)?.[0]?.numbers(TAG.ImagePositionPatient));
    if (pos.every((p) => p && p.length >= 3)) g.framePositions = pos.map((p) => (p as number[]).slice(0, 3));
  }
  const ft = ds.number(TAG.FrameTime);
  const ftv = ds.numbers(TAG.FrameTimeVector);
  const cine = ds.number(TAG.CineRate);
  const rec = ds.number(TAG.RecommendedDisplayFrameRate);
  if (ft !== undefined && ft > 0) g.frameTime = ft;
  else if (ftv && ftv.length > 1) {
    const rest = ftv.slice(1);
    g.frameTime = rest.reduce((a, b) => a + b, 0) / rest.length;
  } else if (cine !== undefined && cine > 0) g.frameTime = 1000 / cine;
  else if (rec !== undefined && rec > 0) g.frameTime = 1000 / rec;
  return g;
}

function cross(a: number[], b: number[]): number[] {
  return [a[1]! * b[2]! - a[2]! * b[1]!, a[2]! * b[0]! - a[0]! * b[2]!, a[0]! * b[1]! - a[1]! * b[0]!];
}

function dot(a: number[], b: number[]): number {
  return a[0]! * b[0]! + a[1]! * b[1]! + a[2]! * b[2]!;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function affineOf(g: Geometry, step: number[] | undefined): { affine: number[]; axcodes: string } | undefined {
  if (!g.orientation || !g.position) return undefined;
  const [rs, cs] = g.pixelSpacing ?? [1, 1];
  const row = g.orientation.slice(0, 3); // direction of increasing column index
  const col = g.orientation.slice(3, 6); // direction of increasing row index
  const s = step ?? cross(row, col).map((x) => x * (g.spacingBetweenSlices ?? g.sliceThickness ?? 1));
  const p = g.position;
  const affine = [
    row[0]! * cs, col[0]! * rs, s[0]!, p[0]!,
    row[1]! * cs, col[1]! * rs, s[1]!, p[1]!,
    row[2]! * cs, col[2]! * rs, s[2]!, p[2]!,
    0, 0, 0, 1,
  ];
  return { affine, axcodes: axcodes(affine, 'LPS') };
}

function rescaled(px: DecodedPixels, slope: number, intercept: number): { data: VideoTypedArray; dtype: VideoDType } {
  const out = new Float32Array(px.data.length);
  const d = px.data as unknown as ArrayLike<number>;
  for (let i = 0; i < out.length; i++) out[i] = (d[i] as number) * slope + intercept;
  return { data: out, dtype: 'float32' };
}

function baseMeta(f: DicomFile, px: DecodedPixels, g: Geometry): Record<string, unknown> {
  const ds = f.dataset;
  return {
    source: f.file,
    transferSyntax: f.transferSyntax,
    modality: ds.string(TAG.Modality),
    sopClassUid: ds.string(TAG.SOPClassUID),
    seriesInstanceUid: ds.string(TAG.SeriesInstanceUID),
    studyInstanceUid: ds.string(TAG.StudyInstanceUID),
    photometric: px.photometric,
    sourcePhotometric: px.info.photometric,
    bitsAllocated: px.info.bitsAllocated,
    bitsStored: px.info.bitsStored,
    pixelRepresentation: px.info.pixelRepresentation,
    numberOfFrames: px.info.frames,
    rescaleSlope: g.slope,
    rescaleIntercept: g.intercept,
    sourceDtype: px.dtype,
    pixelSpacing: g.pixelSpacing,
    imageOrientationPatient: g.orientation,
    imagePositionPatient: g.position,
    sliceThickness: g.sliceThickness,
  };
}

/** Reads one DICOM file (single frame or multi-frame cine) into `[frames, rows, columns, samples]`. */
export async function decodeDicomFile(bytes: Uint8Array, file: string, options: DicomReadOptions): Promise<MedicalVideo> {
  const f = parseDicom(bytes, file, options.maxBytes);
  const px = await decodePixels(f, options.maxBytes, options);
  const g = geometry(f.dataset);
  const { rows, columns, frames, samples } = px.info;
  let data = px.data;
  let dtype = px.dtype;
  const apply = (options.applyRescale ?? true) && !(g.slope === 1 && g.intercept === 0);
  if (apply) ({ data, dtype } = rescaled(px, g.slope, g.intercept));
  let step: number[] | undefined;
  let tSpacing = g.spacingBetweenSlices ?? g.sliceThickness ?? 1;
  if (g.framePositions && g.framePositions.length === frames && frames > 1) {
    const fp = g.framePositions;
    step = fp[1]!.map((x, i) => (x - fp[0]![i]!) );
    const n = g.orientation ? cross(g.orientation.slice(0, 3), g.orientation.slice(3, 6)) : step;
    const d: number[] = [];
    for (let i = 1; i < fp.length; i++) d.push(Math.abs(dot(fp[i]!, n) - dot(fp[i - 1]!, n)) / (Math.hypot(n[0]!, n[1]!, n[2]!) || 1));
    const m = median(d);
    if (m > 0) tSpacing = m;
    g.position ??= fp[0];
  }
  const video: MedicalVideo = {
    data,
    shape: [frames, rows, columns, samples],
    dtype,
    format: 'dicom',
    meta: { ...baseMeta(f, px, g), rescaleApplied: apply },
  };
  if (g.pixelSpacing) video.spacing = [tSpacing, g.pixelSpacing[0], g.pixelSpacing[1]];
  if (g.frameTime !== undefined && frames > 1) video.frameTime = g.frameTime;
  const a = affineOf(g, step);
  if (a) video.orientation = { affine: a.affine, space: 'LPS', source: 'patient', axcodes: a.axcodes };
  return video;
}

/** One file of a series: its label and bytes. */
export interface SeriesEntry {
  /** Path or label. */
  file: string;
  /** File bytes. */
  bytes: Uint8Array;
}

/**
 * Reads several DICOM files forming a series into one volume: files are
 * grouped by SeriesInstanceUID (the largest group, or `seriesUid`), sorted by
 * position along the slice normal (ImagePositionPatient projected on the
 * normal of ImageOrientationPatient; InstanceNumber, then name, when
 * positions are missing), and stacked as frames. The frame spacing is the
 * median distance between consecutive slice positions.
 */
export async function decodeDicomSeries(entries: SeriesEntry[], label: string, options: DicomReadOptions): Promise<MedicalVideo> {
  if (entries.length === 0) throw new VideoReadError(label, 'dicom', 'no DICOM files');
  const parsed = entries.map((e) => parseDicom(e.bytes, e.file, options.maxBytes)).filter((f) => f.dataset.has(TAG.PixelData));
  if (parsed.length === 0) throw new VideoReadError(label, 'dicom', 'no DICOM file with PixelData');
  const groups = new Map<string, DicomFile[]>();
  for (const f of parsed) {
    const uid = f.dataset.string(TAG.SeriesInstanceUID) ?? '';
    const g = groups.get(uid);
    if (g) g.push(f);
    else groups.set(uid, [f]);
  }
  let files: DicomFile[];
  if (options.seriesUid !== undefined) {
    const g = groups.get(options.seriesUid);
    if (!g) throw new VideoReadError(label, 'dicom', `no series ${options.seriesUid}; found ${[...groups.keys()].join(', ')}`);
    files = g;
  } else {
    files = [...groups.values()].sort((a, b) => b.length - a.length)[0] as DicomFile[];
  }
  const geos = files.map((f) => geometry(f.dataset));
  const g0 = geos[0] as Geometry;
  let keys: number[];
  let sortedBy: string;
  if (g0.orientation && geos.every((g) => g.position)) {
    const n = cross(g0.orientation.slice(0, 3), g0.orientation.slice(3, 6));
    keys = geos.map((g) => dot(g.position as number[], n));
    sortedBy = 'ImagePositionPatient';
  } else if (files.every((f) => f.dataset.number(TAG.InstanceNumber) !== undefined)) {
    keys = files.map((f) => f.dataset.number(TAG.InstanceNumber) as number);
    sortedBy = 'InstanceNumber';
  } else {
    keys = files.map((_, i) => i);
    sortedBy = 'file name';
  }
  const order = files.map((_, i) => i).sort((a, b) => keys[a]! - keys[b]! || (files[a]!.file < files[b]!.file ? -1 : 1));
  // Check sizes before decoding anything.
  const infos = order.map((i) => pixelInfo(files[i]!));
  const i0 = infos[0]!;
  for (const [k, inf] of infos.entries()) {
    if (inf.rows !== i0.rows || inf.columns !== i0.columns || inf.samples !== i0.samples || inf.dtype !== i0.dtype) {
      throw new VideoReadError(files[order[k]!]!.file, 'dicom', `slice is ${inf.rows}x${inf.columns}x${inf.samples} ${inf.dtype}, series is ${i0.rows}x${i0.columns}x${i0.samples} ${i0.dtype}`);
    }
  }
  const totalFrames = infos.reduce((a, inf) => a + inf.frames, 0);
  const frameLen = i0.rows * i0.columns * i0.samples;
  const rescale = (options.applyRescale ?? true) && geos.some((g) => !(g.slope === 1 && g.intercept === 0));
  let data: VideoTypedArray | undefined;
  let dtype: VideoDType = i0.dtype;
  let first: DecodedPixels | undefined;
  let t = 0;
  for (const idx of order) {
    const f = files[idx]!;
    const px = await decodePixels(f, options.maxBytes, options);
    first ??= px;
    let part: VideoTypedArray = px.data;
    if (rescale) {
      const g = geos[idx]!;
      part = rescaled(px, g.slope, g.intercept).data;
      dtype = 'float32';
    }
    if (!data) {
      const bytes = totalFrames * frameLen * (part.BYTES_PER_ELEMENT);
      if (bytes > options.maxBytes) throw new VideoReadError(label, 'dicom', `series of ${bytes} bytes exceeds maxBytes=${options.maxBytes}`);
      data = new (part.constructor as new (n: number) => VideoTypedArray)(totalFrames * frameLen);
    }
    (data as Uint8Array).set(part as Uint8Array, t * frameLen);
    t += px.info.frames;
  }
  const sortedGeos = order.map((i) => geos[i]!);
  const positions = sortedGeos.map((g) => g.position);
  let tSpacing = g0.spacingBetweenSlices ?? g0.sliceThickness ?? 1;
  let step: number[] | undefined;
  if (sortedBy === 'ImagePositionPatient' && positions.length > 1) {
    const d: number[] = [];
    for (let i = 1; i < keys.length; i++) d.push(keys[order[i]!]! - keys[order[i - 1]!]!);
    const m = median(d);
    if (m > 0) tSpacing = m;
    const p0 = positions[0] as number[];
    const pl = positions[positions.length - 1] as number[];
    step = p0.map((x, i) => (pl[i]! - x) / (positions.length - 1));
  }
  const gFirst = { ...sortedGeos[0]!, orientation: g0.orientation };
  const video: MedicalVideo = {
    data: data as VideoTypedArray,
    shape: [totalFrames, i0.rows, i0.columns, i0.samples],
    dtype,
    format: 'dicom',
    meta: {
      ...baseMeta(files[order[0]!]!, first as DecodedPixels, gFirst),
      source: label,
      files: order.map((i) => files[i]!.file),
      sortedBy,
      seriesCount: groups.size,
      rescaleApplied: rescale,
      slicePositions: positions,
    },
  };
  if (g0.pixelSpacing) video.spacing = [tSpacing, g0.pixelSpacing[0], g0.pixelSpacing[1]];
  const a = affineOf(gFirst, step);
  if (a) video.orientation = { affine: a.affine, space: 'LPS', source: 'patient', axcodes: a.axcodes };
  return video;
}
