import { VideoReadError } from '../errors.js';
import type { ReadVideoOptions } from '../options.js';
import { VIDEO_EXTENSIONS } from '../detect.js';
import { checkUniqueId, datasetReadDefaults, FileDatasetBase, nodeFs, parseCsvLines, resolveInRoot, type DatasetItem } from './dataset.js';

/** File name endings a {@link FolderDataset} picks up by default. */
export const DATASET_EXTENSIONS = ['.npy', '.npz', '.nii', '.nii.gz', '.dcm', ...VIDEO_EXTENSIONS];

/** Options of {@link FolderDataset}. */
export interface FolderDatasetOptions {
  /** File endings to include (case-insensitive). Default {@link DATASET_EXTENSIONS}. */
  extensions?: string[];
  /**
   * `'subfolder'`: the first-level subfolder names are classes (sorted; label
   * = index in {@link FolderDataset.classNames}); `'none'`: unlabelled. Default `'none'`.
   */
  labels?: 'subfolder' | 'none';
  /**
   * A folder whose files are all `.dcm` becomes one item (a DICOM series)
   * when true; when false every `.dcm` file is an item. Default `true`.
   */
  dicomSeriesFolders?: boolean;
  /**
   * Options passed to `readVideo`, over the defaults `{ root, requireFinite:
   * true, minShape: [1, 1, 1] }` (containment in the root with symlinks
   * resolved, finite and non-empty volumes). Set `maxBytes` here.
   */
  readOptions?: ReadVideoOptions;
}

/**
 * Every medical video under a folder (recursively, sorted by path), any
 * format `readVideo` reads, optionally labelled by class subfolder. Item ids
 * are paths relative to the root. Node only.
 */
export class FolderDataset extends FileDatasetBase {
  /** Root folder (absolute). */
  readonly root: string;
  /** Class names (sorted subfolder names) when labelled by subfolder, else empty. */
  readonly classNames: string[];
  private readonly items: DatasetItem[];

  constructor(root: string, options: FolderDatasetOptions = {}) {
    super(options.readOptions, datasetReadDefaults(nodeFs().path.resolve(root)));
    const { fs, path } = nodeFs();
    this.root = path.resolve(root);
    const exts = (options.extensions ?? DATASET_EXTENSIONS).map((e) => e.toLowerCase());
    const seriesFolders = options.dicomSeriesFolders ?? true;
    const found: string[] = [];
    const walk = (dir: string, depth: number): void => {
      if (depth > 32) return;
      const entries = fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      const files = entries.filter((e) => e.isFile() && exts.some((x) => e.name.toLowerCase().endsWith(x)));
      const allDcm = files.length > 0 && files.every((e) => e.name.toLowerCase().endsWith('.dcm'));
      if (seriesFolders && allDcm && dir !== this.root) found.push(dir);
      else for (const f of files) found.push(path.join(dir, f.name));
      for (const e of entries) if (e.isDirectory()) walk(path.join(dir, e.name), depth + 1);
    };
    walk(this.root, 0);
    const rels = found.map((f) => path.relative(this.root, f));
    this.classNames = [];
    if (options.labels === 'subfolder') {
      const classes = new Set<string>();
      for (const r of rels) {
        const top = r.split(path.sep)[0] as string;
        if (r.includes(path.sep)) classes.add(top);
      }
      this.classNames = [...classes].sort();
    }
    this.items = [];
    for (const r of rels) {
      const it: DatasetItem = { id: r.split(path.sep).join('/'), views: [{ name: 'video', source: resolveInRoot(this.root, r) }] };
      if (options.labels === 'subfolder') {
        if (!r.includes(path.sep)) continue; // files at the root have no class
        it.label = this.classNames.indexOf(r.split(path.sep)[0] as string);
      }
      this.items.push(it);
    }
  }

  /** Number of items. */
  get length(): number {
    return this.items.length;
  }

  /** The file (or DICOM folder) of item `index`. */
  item(index: number): DatasetItem {
    this.check(index);
    return this.items[index] as DatasetItem;
  }
}

/** Options of {@link CsvManifestDataset}. */
export interface CsvManifestOptions {
  /** Folder the manifest's paths are relative to (and must stay inside). Default: the manifest's folder. */
  root?: string;
  /** Column holding the path (name when `header`, else index). Default `'path'` / `0`. */
  pathColumn?: string | number;
  /** Column holding the label (numbers, or class names mapped to sorted indices); absent: unlabelled. Default `'label'` / `1` when present. */
  labelColumn?: string | number;
  /** Column holding the id. Default: the path. */
  idColumn?: string | number;
  /** The first row names the columns. Default `true`. */
  header?: boolean;
  /** Cell separator. Default `','`. */
  delimiter?: string;
  /**
   * Options passed to `readVideo`, over the defaults `{ root, requireFinite:
   * true, minShape: [1, 1, 1] }` (containment in `root` with symlinks
   * resolved, finite and non-empty volumes). Set `maxBytes` here.
   */
  readOptions?: ReadVideoOptions;
}

/**
 * Items listed in a CSV manifest: one row per item with a path (file or
 * DICOM folder, relative to `root`; paths escaping `root` are rejected) and
 * optionally a label and an id. Every row must have as many cells as the
 * header (an extra or missing column is an error naming the line), and an
 * id listed twice (conflicting labels or not) is refused. Node only.
 */
export class CsvManifestDataset extends FileDatasetBase {
  /** Root folder (absolute). */
  readonly root: string;
  /** Class names when labels are not numeric (label = index), else empty. */
  readonly classNames: string[];
  private readonly items: DatasetItem[];

  constructor(manifest: string, options: CsvManifestOptions = {}) {
    const { fs, path } = nodeFs();
    const root = path.resolve(options.root ?? path.dirname(manifest));
    super(options.readOptions, datasetReadDefaults(root));
    this.root = root;
    const lines = parseCsvLines(fs.readFileSync(manifest, 'utf8'), options.delimiter ?? ',');
    const header = options.header ?? true;
    const names = header ? (lines.shift()?.cells ?? []) : [];
    const width = header ? names.length : (lines[0]?.cells.length ?? 0);
    for (const { line, cells } of lines) {
      if (cells.length !== width) {
        throw new VideoReadError(manifest, 'unknown', `line ${line}: ${cells.length} cells, expected ${width} (${header ? `the header names ${width} columns` : 'as the first row'}); an unexpected extra or missing column`);
      }
    }
    const rows = lines.map((l) => l.cells);
    const col = (c: string | number | undefined, fallbackName: string, fallbackIndex: number | undefined): number | undefined => {
      if (typeof c === 'number') return c;
      if (typeof c === 'string') {
        const i = names.indexOf(c);
        if (i < 0) throw new VideoReadError(manifest, 'unknown', `manifest has no column ${c}`);
        return i;
      }
      if (header) {
        const i = names.indexOf(fallbackName);
        return i < 0 ? undefined : i;
      }
      return fallbackIndex;
    };
    const pc = col(options.pathColumn, 'path', 0);
    if (pc === undefined) throw new VideoReadError(manifest, 'unknown', 'manifest has no path column');
    const lc = col(options.labelColumn, 'label', rows[0] && rows[0].length > 1 ? 1 : undefined);
    const ic = col(options.idColumn, 'id', undefined);
    const rawLabels = lc === undefined ? [] : rows.map((r) => r[lc] ?? '');
    const numeric = rawLabels.every((l) => l !== '' && Number.isFinite(Number(l)));
    this.classNames = lc !== undefined && !numeric ? [...new Set(rawLabels)].sort() : [];
    const seen = new Map<string, { line: number; label: number | string | undefined }>();
    this.items = rows.map((r, k) => {
      const line = (lines[k] as { line: number }).line;
      const rel = r[pc];
      if (rel === undefined || rel === '') throw new VideoReadError(manifest, 'unknown', `line ${line} has no path`);
      const it: DatasetItem = { id: ic !== undefined ? (r[ic] ?? rel) : rel, views: [{ name: 'video', source: resolveInRoot(this.root, rel) }] };
      if (lc !== undefined) {
        const l = r[lc] ?? '';
        it.label = numeric ? Number(l) : this.classNames.indexOf(l);
      }
      checkUniqueId(seen, manifest, it.id, lc === undefined ? undefined : r[lc], line);
      return it;
    });
  }

  /** Number of rows. */
  get length(): number {
    return this.items.length;
  }

  /** The file of row `index`. */
  item(index: number): DatasetItem {
    this.check(index);
    return this.items[index] as DatasetItem;
  }
}
