import type { ReadVideoOptions } from '../options.js';
import type { DatasetItem, DatasetSample, VideoDataset } from './dataset.js';

/**
 * A view of some items of another {@link VideoDataset}, in the given order
 * (e.g. the train part of a train/validation split): item `i` is item
 * `indices[i]` of `dataset`, and a sample's `index` is its position in the
 * subset. Reads go through the parent's read options.
 *
 * @example
 * ```ts
 * const train = new SubsetDataset(new MRNetDataset(root), trainIndices);
 * const loader = new VideoLoader(train, { batchSize: 8, seed: 1 });
 * ```
 */
export class SubsetDataset implements VideoDataset {
  /** The parent dataset. */
  readonly dataset: VideoDataset;
  /** Indices into the parent, in subset order. */
  readonly indices: readonly number[];

  /**
   * @param dataset the parent dataset
   * @param indices indices into `dataset` (each an integer in range; repeats allowed)
   * @throws RangeError for an index outside the parent
   */
  constructor(dataset: VideoDataset, indices: readonly number[]) {
    for (const i of indices) {
      if (!Number.isInteger(i) || i < 0 || i >= dataset.length) throw new RangeError(`SubsetDataset: index ${i} out of range: the parent has ${dataset.length} items`);
    }
    this.dataset = dataset;
    this.indices = [...indices];
  }

  /** Number of items in the subset. */
  get length(): number {
    return this.indices.length;
  }

  /** The parent's read options. */
  get readOptions(): ReadVideoOptions {
    return this.dataset.readOptions;
  }

  /** The files of subset item `index` (the parent's item `indices[index]`). */
  item(index: number): DatasetItem {
    return this.dataset.item(this.parentIndex(index));
  }

  /** Reads subset item `index`; the sample's `index` is `index`. */
  async get(index: number): Promise<DatasetSample> {
    const s = await this.dataset.get(this.parentIndex(index));
    return { ...s, index };
  }

  private parentIndex(index: number): number {
    if (!Number.isInteger(index) || index < 0 || index >= this.indices.length) throw new RangeError(`index ${index} out of range: the subset has ${this.indices.length} items`);
    return this.indices[index] as number;
  }
}
