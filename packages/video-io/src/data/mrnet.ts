import { VideoReadError } from '../errors.js';
import type { ReadVideoOptions } from '../options.js';
import { checkUniqueId, datasetReadDefaults, FileDatasetBase, nodeFs, parseCsvLines, resolveInRoot, type DatasetItem } from './dataset.js';

/** MRNet planes. */
export type MRNetPlane = 'axial' | 'coronal' | 'sagittal';
/** MRNet tasks (one label file each). */
export type MRNetTask = 'abnormal' | 'acl' | 'meniscus';
/** MRNet splits. */
export type MRNetSplit = 'train' | 'valid';

/** Options of {@link MRNetDataset}. */
export interface MRNetOptions {
  /** Split folder. Default `'train'`. */
  split?: MRNetSplit;
  /** Planes to read per exam; the first is the sample's main video. Default `['sagittal', 'coronal', 'axial']`. */
  planes?: MRNetPlane[];
  /** Label file `<split>-<task>.csv`. Default `'abnormal'`. */
  task?: MRNetTask;
  /**
   * When false and the label file is absent, exams are listed from the
   * first plane's folder and left unlabelled (self-supervised pretraining).
   * Default `true`.
   */
  requireLabels?: boolean;
  /**
   * Options passed to `readVideo`, over the dataset's defaults `{ root,
   * requireFinite: true, minShape: [2, 2, 2] }` (containment in the root,
   * finite volumes, at least 2 slices: a 2-D array is not an exam). Set
   * `maxBytes` here to bound what one exam may decode to.
   */
  readOptions?: ReadVideoOptions;
}

/**
 * The MRNet knee MRI dataset: `root/{train,valid}/{axial,coronal,sagittal}/NNNN.npy`
 * exams (`(slices, 256, 256)` uint8) with labels in `root/<split>-<task>.csv`
 * (no header; exactly two columns `exam id, 0/1`; an exam id listed twice
 * or an extra column is a {@link VideoReadError} naming the file and line).
 * Node only.
 *
 * @example
 * ```ts
 * const ds = new MRNetDataset('/data/MRNet-v1.0', { split: 'train', planes: ['sagittal'], task: 'acl' });
 * const s = await ds.get(0); // s.video.shape = [slices, 256, 256, 1], s.label = 0 | 1
 * ```
 */
export class MRNetDataset extends FileDatasetBase {
  /** Dataset root (absolute). */
  readonly root: string;
  /** Split read. */
  readonly split: MRNetSplit;
  /** Planes read, in order. */
  readonly planes: MRNetPlane[];
  /** Task of the labels. */
  readonly task: MRNetTask;
  /** Exam ids (4-digit, zero padded) in label-file order. */
  readonly ids: string[];
  /** Labels by position (undefined when unlabelled). */
  readonly labels: (number | undefined)[];

  constructor(root: string, options: MRNetOptions = {}) {
    super(options.readOptions, datasetReadDefaults(nodeFs().path.resolve(root), [2, 2, 2]));
    const { fs, path } = nodeFs();
    this.root = path.resolve(root);
    this.split = options.split ?? 'train';
    this.planes = options.planes ?? ['sagittal', 'coronal', 'axial'];
    this.task = options.task ?? 'abnormal';
    if (!['train', 'valid'].includes(this.split)) throw new VideoReadError(root, 'npy', `unknown MRNet split ${String(this.split)}`);
    for (const p of this.planes) if (!['axial', 'coronal', 'sagittal'].includes(p)) throw new VideoReadError(root, 'npy', `unknown MRNet plane ${String(p)}`);
    if (!['abnormal', 'acl', 'meniscus'].includes(this.task)) throw new VideoReadError(root, 'npy', `unknown MRNet task ${String(this.task)}`);
    if (this.planes.length === 0) throw new VideoReadError(root, 'npy', 'no planes selected');
    const csv = path.join(this.root, `${this.split}-${this.task}.csv`);
    this.ids = [];
    this.labels = [];
    if (fs.existsSync(csv)) {
      const seen = new Map<string, { line: number; label: number | string | undefined }>();
      for (const { line, cells } of parseCsvLines(fs.readFileSync(csv, 'utf8'))) {
        const [id, label] = cells;
        if (cells.length !== 2) {
          throw new VideoReadError(csv, 'unknown', `line ${line}: expected 2 columns "exam id,0|1", got ${cells.length}`);
        }
        if (id === undefined || label === undefined || !/^\d+$/.test(id) || !/^[01]$/.test(label)) {
          throw new VideoReadError(csv, 'unknown', `line ${line}: expected "exam id,0|1", got ${JSON.stringify(cells.join(','))}`);
        }
        const exam = id.padStart(4, '0');
        checkUniqueId(seen, csv, exam, Number(label), line);
        this.ids.push(exam);
        this.labels.push(Number(label));
      }
    } else if (options.requireLabels === false) {
      const dir = path.join(this.root, this.split, this.planes[0] as string);
      for (const f of fs.readdirSync(dir).sort()) {
        const m = /^(\d+)\.npy$/.exec(f);
        if (m) {
          this.ids.push(m[1] as string);
          this.labels.push(undefined);
        }
      }
    } else {
      throw new VideoReadError(csv, 'unknown', 'MRNet label file not found (pass requireLabels: false for unlabelled use)');
    }
  }

  /** Number of exams. */
  get length(): number {
    return this.ids.length;
  }

  /** The plane files of exam `index`. */
  item(index: number): DatasetItem {
    this.check(index);
    const id = this.ids[index] as string;
    const it: DatasetItem = {
      id,
      views: this.planes.map((p) => ({ name: p, source: resolveInRoot(this.root, `${this.split}/${p}/${id}.npy`, id) })),
    };
    const label = this.labels[index];
    if (label !== undefined) it.label = label;
    return it;
  }

  /** Fraction of positive labels (for class weighting). */
  positiveRate(): number {
    const l = this.labels.filter((x): x is number => x !== undefined);
    return l.length ? l.reduce((a, b) => a + b, 0) / l.length : NaN;
  }
}
