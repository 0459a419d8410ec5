import { VideoReadError } from '../errors.js';
import type { MedicalVideo } from '../types.js';
import type { ReadVideoOptions } from '../options.js';

/** One input of a dataset item: a file, a DICOM folder, or a list of DICOM files. */
export interface ItemView {
  /** View name (e.g. an MRNet plane); `'video'` for single-view datasets. */
  name: string;
  /** Absolute path (file or directory) or list of absolute paths (DICOM series). */
  source: string | string[];
}

/** What a dataset item is made of, before anything is read. */
export interface DatasetItem {
  /** Item id (unique within the dataset), e.g. the MRNet exam id `'0003'`. */
  id: string;
  /** Class label (0/1 for MRNet tasks), when the dataset is labelled. */
  label?: number;
  /** The files to read; the first view is the item's main video. */
  views: ItemView[];
}

/** A read dataset item. */
export interface DatasetSample {
  /** Index of the item in the dataset. */
  index: number;
  /** Item id. */
  id: string;
  /** Class label, when labelled. */
  label?: number;
  /** The main video (the first view). */
  video: MedicalVideo;
  /** Every view by name (MRNet planes); single-view datasets hold `{ video }`. */
  views: Record<string, MedicalVideo>;
}

/**
 * A dataset of medical videos on disk. Items are described by
 * {@link VideoDataset.item} without reading, so that loaders can read them
 * on worker threads and cache them.
 */
export interface VideoDataset {
  /** Number of items. */
  readonly length: number;
  /** Options every read of this dataset passes to `readVideo`. */
  readonly readOptions: ReadVideoOptions;
  /** The files of item `index` (no I/O). */
  item(index: number): DatasetItem;
  /** Reads item `index` on the calling thread. */
  get(index: number): Promise<DatasetSample>;
}

/** Synchronous Node built-ins for dataset indexing (datasets are Node-only). */
export function nodeFs(): { fs: typeof import('node:fs'); path: typeof import('node:path') } {
  const p = typeof process !== 'undefined' ? process : undefined;
  const get = p?.getBuiltinModule?.bind(p);
  if (!get) throw new Error('datasets need Node.js (>= 20.16) file system access');
  return { fs: get('node:fs'), path: get('node:path') };
}

/**
 * Resolves `rel` inside `root` and rejects anything that would escape it
 * (`..` segments, absolute paths), raising a {@link VideoReadError}.
 */
export function resolveInRoot(root: string, rel: string, what = rel): string {
  const { path } = nodeFs();
  const base = path.resolve(root);
  if (rel.includes('\0')) throw new VideoReadError(what, 'unknown', 'path contains a NUL byte');
  const full = path.resolve(base, rel);
  const r = path.relative(base, full);
  if (r === '' || r.startsWith('..') || path.isAbsolute(r)) {
    throw new VideoReadError(what, 'unknown', `path escapes the dataset root ${base}`);
  }
  return full;
}

/**
 * The `readVideo` options every file-backed dataset starts from: files must
 * stay inside `root` after symlinks are resolved, and volumes must be finite
 * and at least `minShape` (so a NaN, empty or sliver exam is an unreadable
 * item that a loader skips and counts, or a strict run stops on, naming the
 * file). Each can be overridden through the dataset's `readOptions`.
 */
export function datasetReadDefaults(root: string, minShape: [number, number, number] = [1, 1, 1]): ReadVideoOptions {
  return { root, requireFinite: true, minShape };
}

/** Shared `get` of the file-backed datasets: reads every view with `readVideo`. */
export abstract class FileDatasetBase implements VideoDataset {
  /** Options passed to every `readVideo` call. */
  readonly readOptions: ReadVideoOptions;

  /**
   * @param readOptions - the user's options, which win over `defaults`
   * @param defaults - the dataset's defaults (its `root` for containment,
   *   `requireFinite: true`, its `minShape`)
   */
  protected constructor(readOptions: ReadVideoOptions = {}, defaults: ReadVideoOptions = {}) {
    this.readOptions = { ...defaults, ...readOptions };
  }

  /** Number of items. */
  abstract get length(): number;

  /** The files of item `index`. */
  abstract item(index: number): DatasetItem;

  /** Reads item `index` (every view) on the calling thread. */
  async get(index: number): Promise<DatasetSample> {
    const { readVideo } = await import('../read.js');
    const it = this.item(index);
    const views: Record<string, MedicalVideo> = {};
    for (const v of it.views) views[v.name] = await readVideo(v.source, this.readOptions);
    return sampleOf(index, it, views);
  }

  /** Checks an index. */
  protected check(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.length) {
      throw new RangeError(`index ${index} out of range: the dataset has ${this.length} items`);
    }
  }
}

/** Builds a {@link DatasetSample} from read views. */
export function sampleOf(index: number, it: DatasetItem, views: Record<string, MedicalVideo>): DatasetSample {
  const first = it.views[0];
  const video = first ? views[first.name] : undefined;
  if (!video) throw new VideoReadError(it.id, 'unknown', 'dataset item has no views');
  const s: DatasetSample = { index, id: it.id, video, views };
  if (it.label !== undefined) s.label = it.label;
  return s;
}

/** One parsed CSV row with its 1-based line number in the file. */
export interface CsvRow {
  /** 1-based line number. */
  line: number;
  /** Trimmed cells. */
  cells: string[];
}

/** Parses simple CSV text (no quoted separators) into rows of trimmed cells with their line numbers; blank lines are dropped. */
export function parseCsvLines(text: string, delimiter = ','): CsvRow[] {
  const rows: CsvRow[] = [];
  text.split(/\r?\n/).forEach((line, k) => {
    if (line.trim() === '') return;
    rows.push({ line: k + 1, cells: line.split(delimiter).map((c) => c.trim().replace(/^"(.*)"$/, '$1')) });
  });
  return rows;
}

/** Parses simple CSV text (no quoted separators) into rows of trimmed cells; blank lines are dropped. */
export function parseCsv(text: string, delimiter = ','): string[][] {
  return parseCsvLines(text, delimiter).map((r) => r.cells);
}

/**
 * Records `id` (with `label`) seen on `line`, refusing a second listing:
 * conflicting labels and plain repeats are both a {@link VideoReadError}
 * naming the file, the id and both lines. @internal
 */
export function checkUniqueId(seen: Map<string, { line: number; label: number | string | undefined }>, file: string, id: string, label: number | string | undefined, line: number): void {
  const prev = seen.get(id);
  if (prev) {
    const why = prev.label !== label ? `with conflicting labels ${String(prev.label)} (line ${prev.line}) and ${String(label)} (line ${line})` : `twice (lines ${prev.line} and ${line})`;
    throw new VideoReadError(file, 'unknown', `exam id ${id} is listed ${why}`);
  }
  seen.set(id, { line, label });
}
