import { VideoReadError } from '../errors.js';
import { ascii, inflateRawBounded, startsWith, viewOf } from '../bytes.js';

/** Tag numbers (group << 16 | element) of the attributes the reader uses. */
export const TAG = {
  TransferSyntaxUID: 0x00020010,
  SOPClassUID: 0x00080016,
  SOPInstanceUID: 0x00080018,
  Modality: 0x00080060,
  RecommendedDisplayFrameRate: 0x00082144,
  SliceThickness: 0x00180050,
  SpacingBetweenSlices: 0x00180088,
  CineRate: 0x00180040,
  FrameTime: 0x00181063,
  FrameTimeVector: 0x00181065,
  ImagerPixelSpacing: 0x00181164,
  StudyInstanceUID: 0x0020000d,
  SeriesInstanceUID: 0x0020000e,
  SeriesNumber: 0x00200011,
  InstanceNumber: 0x00200013,
  ImagePositionPatient: 0x00200032,
  ImageOrientationPatient: 0x00200037,
  PlanePositionSequence: 0x00209113,
  PlaneOrientationSequence: 0x00209116,
  SamplesPerPixel: 0x00280002,
  PhotometricInterpretation: 0x00280004,
  PlanarConfiguration: 0x00280006,
  NumberOfFrames: 0x00280008,
  FrameIncrementPointer: 0x00280009,
  Rows: 0x00280010,
  Columns: 0x00280011,
  PixelSpacing: 0x00280030,
  BitsAllocated: 0x00280100,
  BitsStored: 0x00280101,
  HighBit: 0x00280102,
  PixelRepresentation: 0x00280103,
  RescaleIntercept: 0x00281052,
  RescaleSlope: 0x00281053,
  PixelMeasuresSequence: 0x00289110,
  PixelValueTransformationSequence: 0x00289145,
  SharedFunctionalGroupsSequence: 0x52009229,
  PerFrameFunctionalGroupsSequence: 0x52009230,
  FloatPixelData: 0x7fe00008,
  DoubleFloatPixelData: 0x7fe00009,
  PixelData: 0x7fe00010,
} as const;

/** VRs of the attributes above, for implicit-VR datasets. */
const IMPLICIT_VR: Record<number, string> = {
  [TAG.TransferSyntaxUID]: 'UI',
  [TAG.SOPClassUID]: 'UI',
  [TAG.SOPInstanceUID]: 'UI',
  [TAG.Modality]: 'CS',
  [TAG.RecommendedDisplayFrameRate]: 'IS',
  [TAG.SliceThickness]: 'DS',
  [TAG.SpacingBetweenSlices]: 'DS',
  [TAG.CineRate]: 'IS',
  [TAG.FrameTime]: 'DS',
  [TAG.FrameTimeVector]: 'DS',
  [TAG.ImagerPixelSpacing]: 'DS',
  [TAG.StudyInstanceUID]: 'UI',
  [TAG.SeriesInstanceUID]: 'UI',
  [TAG.SeriesNumber]: 'IS',
  [TAG.InstanceNumber]: 'IS',
  [TAG.ImagePositionPatient]: 'DS',
  [TAG.ImageOrientationPatient]: 'DS',
  [TAG.PlanePositionSequence]: 'SQ',
  [TAG.PlaneOrientationSequence]: 'SQ',
  [TAG.SamplesPerPixel]: 'US',
  [TAG.PhotometricInterpretation]: 'CS',
  [TAG.PlanarConfiguration]: 'US',
  [TAG.NumberOfFrames]: 'IS',
  [TAG.FrameIncrementPointer]: 'AT',
  [TAG.Rows]: 'US',
  [TAG.Columns]: 'US',
  [TAG.PixelSpacing]: 'DS',
  [TAG.BitsAllocated]: 'US',
  [TAG.BitsStored]: 'US',
  [TAG.HighBit]: 'US',
  [TAG.PixelRepresentation]: 'US',
  [TAG.RescaleIntercept]: 'DS',
  [TAG.RescaleSlope]: 'DS',
  [TAG.PixelMeasuresSequence]: 'SQ',
  [TAG.PixelValueTransformationSequence]: 'SQ',
  [TAG.SharedFunctionalGroupsSequence]: 'SQ',
  [TAG.PerFrameFunctionalGroupsSequence]: 'SQ',
  [TAG.FloatPixelData]: 'OF',
  [TAG.DoubleFloatPixelData]: 'OD',
  [TAG.PixelData]: 'OW',
};

const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV']);
const UNDEFINED = 0xffffffff;
const MAX_DEPTH = 12;

/** Well-known transfer syntaxes. */
export const TS = {
  ImplicitLittle: '1.2.840.10008.1.2',
  ExplicitLittle: '1.2.840.10008.1.2.1',
  Deflated: '1.2.840.10008.1.2.1.99',
  ExplicitBig: '1.2.840.10008.1.2.2',
  JpegBaseline: '1.2.840.10008.1.2.4.50',
  JpegExtended: '1.2.840.10008.1.2.4.51',
  JpegLossless: '1.2.840.10008.1.2.4.57',
  JpegLosslessSV1: '1.2.840.10008.1.2.4.70',
  Rle: '1.2.840.10008.1.2.5',
} as const;

/** A fragment of encapsulated pixel data (offset and length in the dataset bytes). */
export interface Fragment {
  /** Byte offset of the fragment's value. */
  offset: number;
  /** Length in bytes. */
  length: number;
}

/** One parsed data element. */
export interface DicomElement {
  /** `group << 16 | element`. */
  tag: number;
  /** Value representation (from the file, or the dictionary for implicit VR; `UN` when unknown). */
  vr: string;
  /** Byte offset of the value in the dataset bytes. */
  offset: number;
  /** Value length in bytes (0 for undefined-length sequences / encapsulated data). */
  length: number;
  /** Items of a sequence. */
  items?: DicomDataset[];
  /** Encapsulated pixel data: the Basic Offset Table item first, then the fragments. */
  fragments?: Fragment[];
}

/** A parsed dataset: the elements by tag, over the bytes they point into. */
export class DicomDataset {
  /** Elements by tag. */
  readonly elements = new Map<number, DicomElement>();
  /** The bytes values point into. */
  readonly bytes: Uint8Array;
  /** Byte order of numeric values. */
  readonly littleEndian: boolean;
  private readonly view: DataView;

  constructor(bytes: Uint8Array, littleEndian: boolean) {
    this.bytes = bytes;
    this.littleEndian = littleEndian;
    this.view = viewOf(bytes);
  }

  /** True when the element is present. */
  has(tag: number): boolean {
    return this.elements.has(tag);
  }

  /** The value as a trimmed string (multi-valued strings keep their `\` separators). */
  string(tag: number): string | undefined {
    const e = this.elements.get(tag);
    if (!e || e.items || e.fragments) return undefined;
    return ascii(this.bytes, e.offset, e.length).replace(/[\s\0]+$/, '').replace(/^\s+/, '');
  }

  /** Numeric values (parsed from DS/IS strings or binary US/SS/UL/SL/FL/FD/AT). */
  numbers(tag: number): number[] | undefined {
    const e = this.elements.get(tag);
    if (!e || e.items || e.fragments) return undefined;
    const v = this.view;
    const le = this.littleEndian;
    const out: number[] = [];
    const n = (size: number): number => Math.floor(e.length / size);
    switch (e.vr) {
      case 'US':
        for (let i = 0; i < n(2); i++) out.push(v.getUint16(e.offset + 2 * i, le));
        return out;
      case 'SS':
        for (let i = 0; i < n(2); i++) out.push(v.getInt16(e.offset + 2 * i, le));
        return out;
      case 'UL':
        for (let i = 0; i < n(4); i++) out.push(v.getUint32(e.offset + 4 * i, le));
        return out;
      case 'SL':
        for (let i = 0; i < n(4); i++) out.push(v.getInt32(e.offset + 4 * i, le));
        return out;
      case 'FL':
        for (let i = 0; i < n(4); i++) out.push(v.getFloat32(e.offset + 4 * i, le));
        return out;
      case 'FD':
        for (let i = 0; i < n(8); i++) out.push(v.getFloat64(e.offset + 8 * i, le));
        return out;
      case 'AT':
        for (let i = 0; i < n(4); i++) out.push(v.getUint16(e.offset + 4 * i, le) * 65536 + v.getUint16(e.offset + 4 * i + 2, le));
        return out;
      default: {
        const s = this.string(tag);
        if (s === undefined || s === '') return undefined;
        for (const part of s.split('\\')) {
          const x = Number(part.trim());
          if (part.trim() === '' || !Number.isFinite(x)) return undefined;
          out.push(x);
        }
        return out;
      }
    }
  }

  /** First numeric value. */
  number(tag: number): number | undefined {
    return this.numbers(tag)?.[0];
  }

  /** Items of a sequence element. */
  items(tag: number): DicomDataset[] | undefined {
    return this.elements.get(tag)?.items;
  }
}

function fail(file: string, reason: string): never {
  throw new VideoReadError(file, 'dicom', reason);
}

interface ParseState {
  file: string;
  explicit: boolean;
  le: boolean;
}

/**
 * Parses elements of `ds.bytes` from `pos` to `end`. Stops early at an item
 * delimiter when `inItem` is set and returns the position after it.
 */
function parseElements(ds: DicomDataset, st: ParseState, pos: number, end: number, depth: number, inItem: boolean): number {
  const b = ds.bytes;
  const v = viewOf(b);
  if (depth > MAX_DEPTH) fail(st.file, `sequences nested deeper than ${MAX_DEPTH}`);
  while (pos < end) {
    if (pos + 8 > end) {
      // Trailing padding of fewer than 8 bytes: tolerate zeros only.
      for (let i = pos; i < end; i++) if (b[i] !== 0) fail(st.file, `truncated element header at byte ${pos}`);
      return end;
    }
    const group = v.getUint16(pos, st.le);
    const elem = v.getUint16(pos + 2, st.le);
    const tag = ((group << 16) | elem) >>> 0;
    if (tag === 0 && depth === 0 && !inItem && b[pos + 4] === 0 && b[pos + 5] === 0) {
      // Zero padding after the last element (some writers pad files): stop here.
      return end;
    }
    if (group === 0xfffe) {
      const len = v.getUint32(pos + 4, st.le);
      if (elem === 0xe00d && inItem) return pos + 8;
      if (elem === 0xe00d || elem === 0xe0dd) {
        pos += 8;
        continue;
      }
      fail(st.file, `unexpected item tag (fffe,${elem.toString(16)}) of length ${len} at byte ${pos}`);
    }
    // Group 0002 is always explicit little endian.
    const explicit = group === 0x0002 ? true : st.explicit;
    const le = group === 0x0002 ? true : st.le;
    let vr: string;
    let len: number;
    let hdr: number;
    if (explicit) {
      const c0 = b[pos + 4] as number;
      const c1 = b[pos + 5] as number;
      if (c0 < 0x41 || c0 > 0x5a || c1 < 0x41 || c1 > 0x5a) fail(st.file, `invalid VR bytes at byte ${pos + 4} (tag ${tagString(tag)})`);
      vr = String.fromCharCode(c0, c1);
      if (LONG_VRS.has(vr)) {
        if (pos + 12 > end) fail(st.file, `truncated element header at byte ${pos}`);
        len = v.getUint32(pos + 8, le);
        hdr = 12;
      } else {
        len = v.getUint16(pos + 6, le);
        hdr = 8;
      }
    } else {
      vr = IMPLICIT_VR[tag] ?? 'UN';
      len = v.getUint32(pos + 4, le);
      hdr = 8;
    }
    const start = pos + hdr;
    const el: DicomElement = { tag, vr, offset: start, length: len === UNDEFINED ? 0 : len };
    if (len === UNDEFINED) {
      if (tag === TAG.PixelData) {
        el.fragments = [];
        pos = parseFragments(el.fragments, v, st, start, end);
      } else if (vr === 'SQ' || vr === 'UN' || !explicit) {
        el.vr = 'SQ';
        el.items = [];
        // UN with undefined length is implicit little endian inside (PS3.5 6.2.2).
        const inner = vr === 'UN' && explicit ? { ...st, explicit: false, le: true } : st;
        pos = parseSequence(el.items, ds, inner, start, end, depth + 1, true);
      } else {
        fail(st.file, `undefined length on non-sequence ${tagString(tag)} (${vr})`);
      }
    } else {
      if (start + len > end) fail(st.file, `truncated: element ${tagString(tag)} claims ${len} bytes at byte ${start}, ${end - start} remain`);
      if (vr === 'SQ' || (!explicit && IMPLICIT_VR[tag] === 'SQ')) {
        el.vr = 'SQ';
        el.items = [];
        parseSequence(el.items, ds, st, start, start + len, depth + 1, false);
      }
      pos = start + len;
    }
    if (!ds.elements.has(tag)) ds.elements.set(tag, el);
  }
  if (inItem) fail(st.file, 'truncated: item without delimiter');
  return pos;
}

function parseSequence(items: DicomDataset[], parent: DicomDataset, st: ParseState, pos: number, end: number, depth: number, undefinedLength: boolean): number {
  const v = viewOf(parent.bytes);
  while (pos < end) {
    if (pos + 8 > end) fail(st.file, `truncated sequence at byte ${pos}`);
    const group = v.getUint16(pos, st.le);
    const elem = v.getUint16(pos + 2, st.le);
    const len = v.getUint32(pos + 4, st.le);
    if (group !== 0xfffe) fail(st.file, `expected an item tag in a sequence at byte ${pos}`);
    if (elem === 0xe0dd) return pos + 8;
    if (elem !== 0xe000) fail(st.file, `unexpected (fffe,${elem.toString(16)}) in a sequence at byte ${pos}`);
    const item = new DicomDataset(parent.bytes, st.le);
    if (len === UNDEFINED) {
      pos = parseElements(item, st, pos + 8, end, depth, true);
    } else {
      if (pos + 8 + len > end) fail(st.file, `truncated: sequence item claims ${len} bytes at byte ${pos}`);
      parseElements(item, st, pos + 8, pos + 8 + len, depth, false);
      pos += 8 + len;
    }
    items.push(item);
  }
  if (undefinedLength) fail(st.file, 'truncated: sequence without delimiter');
  return pos;
}

function parseFragments(out: Fragment[], v: DataView, st: ParseState, pos: number, end: number): number {
  while (pos < end) {
    if (pos + 8 > end) fail(st.file, `truncated encapsulated pixel data at byte ${pos}`);
    const group = v.getUint16(pos, st.le);
    const elem = v.getUint16(pos + 2, st.le);
    const len = v.getUint32(pos + 4, st.le);
    if (group !== 0xfffe) fail(st.file, `expected a fragment item at byte ${pos}`);
    if (elem === 0xe0dd) return pos + 8;
    if (elem !== 0xe000) fail(st.file, `unexpected (fffe,${elem.toString(16)}) in encapsulated pixel data`);
    if (len === UNDEFINED || pos + 8 + len > end) fail(st.file, `truncated: fragment claims ${len} bytes at byte ${pos}`);
    out.push({ offset: pos + 8, length: len });
    pos += 8 + len;
  }
  fail(st.file, 'truncated: encapsulated pixel data without sequence delimiter');
}

/** `(gggg,eeee)` spelling of a tag. */
export function tagString(tag: number): string {
  return `(${(tag >>> 16).toString(16).padStart(4, '0')},${(tag & 0xffff).toString(16).padStart(4, '0')})`;
}

/** True when `b` looks like DICOM: `DICM` at byte 128, or a bare dataset starting with group 0002/0008. */
export function isDicom(b: Uint8Array): boolean {
  if (startsWith(b, [0x44, 0x49, 0x43, 0x4d], 128)) return true;
  return looksLikeBareDataset(b) !== undefined;
}

function looksLikeBareDataset(b: Uint8Array): { explicit: boolean; le: boolean } | undefined {
  if (b.length < 16) return undefined;
  const v = viewOf(b);
  const g = v.getUint16(0, true);
  const gBig = v.getUint16(0, false);
  const isVr = (o: number): boolean => {
    const c0 = b[o] as number;
    const c1 = b[o + 1] as number;
    return c0 >= 0x41 && c0 <= 0x5a && c1 >= 0x41 && c1 <= 0x5a;
  };
  if (g === 0x0002 || g === 0x0008) {
    if (isVr(4)) return { explicit: true, le: true };
    const len = v.getUint32(4, true);
    if (len < b.length && v.getUint16(2, true) < 0x0100) return { explicit: false, le: true };
    return undefined;
  }
  if (gBig === 0x0008 && isVr(4)) return { explicit: true, le: false };
  return undefined;
}

/** A parsed DICOM file. */
export interface DicomFile {
  /** The file's label (path). */
  file: string;
  /** Transfer syntax UID (from the meta header, or guessed for bare datasets). */
  transferSyntax: string;
  /** The main dataset (meta elements included). */
  dataset: DicomDataset;
}

/**
 * Parses a DICOM Part-10 file (or a bare dataset without preamble) held in
 * memory. Deflated datasets are inflated (bounded by `maxBytes`).
 */
export function parseDicom(b: Uint8Array, file: string, maxBytes: number): DicomFile {
  let pos: number;
  let explicit = true;
  let le = true;
  let ts: string;
  const meta = new DicomDataset(b, true);
  if (startsWith(b, [0x44, 0x49, 0x43, 0x4d], 128)) {
    pos = 132;
    // Meta group: explicit VR little endian, group 0002 only.
    const v = viewOf(b);
    let metaEnd = pos;
    while (metaEnd + 8 <= b.length && v.getUint16(metaEnd, true) === 0x0002) {
      const vr = ascii(b, metaEnd + 4, 2);
      const long = LONG_VRS.has(vr);
      if (long && metaEnd + 12 > b.length) fail(file, 'truncated file meta header');
      const len = long ? v.getUint32(metaEnd + 8, true) : v.getUint16(metaEnd + 6, true);
      const next = metaEnd + (long ? 12 : 8) + len;
      if (len === UNDEFINED || next > b.length) fail(file, `truncated: meta element at byte ${metaEnd} claims ${len} bytes`);
      metaEnd = next;
    }
    parseElements(meta, { file, explicit: true, le: true }, pos, metaEnd, 0, false);
    pos = metaEnd;
    ts = meta.string(TAG.TransferSyntaxUID) ?? TS.ExplicitLittle;
  } else {
    const guess = looksLikeBareDataset(b);
    if (!guess) fail(file, 'no DICM magic at byte 128 and no recognisable dataset start');
    pos = 0;
    explicit = guess.explicit;
    le = guess.le;
    ts = !explicit ? TS.ImplicitLittle : le ? TS.ExplicitLittle : TS.ExplicitBig;
  }
  if (ts === TS.ImplicitLittle) explicit = false;
  else if (ts === TS.ExplicitBig) le = false;
  let body = b;
  let start = pos;
  if (ts === TS.Deflated) {
    body = inflateRawBounded(b.subarray(pos), maxBytes, file, 'dicom');
    start = 0;
  }
  const ds = new DicomDataset(body, le);
  parseElements(ds, { file, explicit, le }, start, body.length, 0, false);
  for (const [tag, el] of meta.elements) {
    // Meta elements live in `b`; copy their string values into the dataset only when the body is the same buffer.
    if (body === b && !ds.elements.has(tag)) ds.elements.set(tag, el);
  }
  return { file, transferSyntax: ts, dataset: ds };
}
