import { VideoReadError } from '../errors.js';
import { toFloat32Clip } from '../describe.js';
import type { Clip, MedicalVideo } from '../types.js';
import { epochOrder } from './rng.js';
import { sampleOf, type DatasetSample, type VideoDataset } from './dataset.js';
import type { DecodePool } from './pool.js';
import type { ClipCache } from './cache.js';

/** Options of {@link VideoLoader}. */
export interface LoaderOptions {
  /** Items per batch. Default `1`. */
  batchSize?: number;
  /** Visit items in a seeded random order (new order each epoch). Default `true`. */
  shuffle?: boolean;
  /** Seed of the order (a safe integer; larger seeds would collide, so they are refused). Default `0`. */
  seed?: number;
  /** Drop a last batch smaller than `batchSize`. Default `false`. */
  dropLast?: boolean;
  /** Batches decoded ahead of the consumer (bounds memory to about `(prefetch + 1) * batchSize` items). Default `2`. */
  prefetch?: number;
  /** Worker threads decoding files (Node); `0` decodes on the calling thread. Default `0`. */
  workers?: number;
  /** Folder of an on-disk cache of decoded videos (Node). Default: no cache. */
  cacheDir?: string;
  /** Turns a sample into the clip put in the batch. Default `toFloat32Clip(sample.video)`. */
  transform?: (sample: DatasetSample) => Clip | Promise<Clip>;
  /** `'stack'` concatenates equally shaped clips into `[N, T, H, W, C]`; `'list'` only returns `clips`. Default `'stack'`. */
  collate?: 'stack' | 'list';
  /**
   * Skip items that fail with a {@link VideoReadError} (unreadable, too big,
   * non-finite, empty or too small volumes, files outside the root) instead
   * of throwing; they are counted in {@link VideoLoader.skipped} and in each
   * {@link Batch.skipped}, and the batch is filled from the next items. When
   * false (strict), the first bad item throws its error, which names the file.
   * Default `false`.
   */
  skipBadItems?: boolean;
  /** Called for every skipped item. Default: `console.warn`. */
  onWarning?: (message: string, error: VideoReadError) => void;
}

/** One batch of a {@link VideoLoader}. */
export interface Batch {
  /** Epoch the batch belongs to. */
  epoch: number;
  /** Position in the epoch order after this batch (pass it as `start` to resume after it). */
  position: number;
  /** Dataset indices of the items. */
  indices: number[];
  /** Item ids. */
  ids: string[];
  /** Labels (`NaN` where unlabelled). */
  labels: Float32Array;
  /** The clips, one per item. */
  clips: Clip[];
  /** With `collate: 'stack'`: the clips concatenated, shape `[N, T, H, W, C]`. */
  data?: Float32Array;
  /** With `collate: 'stack'`: `[N, T, H, W, C]`. */
  shape?: [number, number, number, number, number];
  /**
   * Items skipped (with `skipBadItems`) while this batch was filled: the
   * batch is filled from the next items instead, so it still holds
   * `batchSize` items unless the epoch ran out. Empty when none.
   */
  skipped: SkippedItem[];
}

/** Where a loader stands: resume with `loader.batches(state.epoch, { start: state.position })`. */
export interface LoaderState {
  /** Current epoch. */
  epoch: number;
  /** Items of the epoch order consumed so far. */
  position: number;
}

/** Hit and miss counts of a loader's on-disk cache. */
export interface CacheStats {
  /** Videos served from the cache. */
  hits: number;
  /** Videos decoded and written to the cache. */
  misses: number;
}

/** One skipped item. */
export interface SkippedItem {
  /** Dataset index. */
  index: number;
  /** Item id. */
  id: string;
  /** The error. */
  error: VideoReadError;
}

/**
 * Streams batches of a {@link VideoDataset} with bounded memory: a seeded
 * order per epoch, a window of `prefetch` batches decoded ahead (on a worker
 * pool when `workers > 0`), an optional on-disk cache of decoded videos, and
 * resumption from any position (a resumed run sees the same order).
 *
 * @example
 * ```ts
 * const loader = new VideoLoader(new MRNetDataset(root, { planes: ['sagittal'] }), {
 *   batchSize: 4, seed: 1, workers: 2, transform: (s) => myCropTo16x112x112(s.video),
 * });
 * for await (const b of loader.batches(0)) train(b.data, b.shape, b.labels);
 * await loader.close();
 * ```
 */
export class VideoLoader {
  /** The dataset read. */
  readonly dataset: VideoDataset;
  /** Items per batch. */
  readonly batchSize: number;
  /** Seed of the order. */
  readonly seed: number;
  /** Whether the order is shuffled. */
  readonly shuffle: boolean;
  /** Items skipped so far (with `skipBadItems`). */
  readonly skipped: SkippedItem[] = [];
  private readonly options: LoaderOptions;
  private pool: DecodePool | undefined;
  private cache: ClipCache | undefined;
  private current: LoaderState = { epoch: 0, position: 0 };

  constructor(dataset: VideoDataset, options: LoaderOptions = {}) {
    this.dataset = dataset;
    this.options = options;
    this.batchSize = options.batchSize ?? 1;
    this.seed = options.seed ?? 0;
    this.shuffle = options.shuffle ?? true;
    if (!Number.isInteger(this.batchSize) || this.batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${this.batchSize}`);
    if (!Number.isSafeInteger(this.seed)) throw new RangeError(`seed must be a safe integer (|seed| <= 2^53 - 1), got ${this.seed}`);
  }

  /** Number of skipped items. */
  get skippedCount(): number {
    return this.skipped.length;
  }

  /** Where the loader stands (after the last batch yielded). */
  get state(): LoaderState {
    return { ...this.current };
  }

  /** Batches per epoch (upper bound when items get skipped). */
  get batchesPerEpoch(): number {
    const n = this.dataset.length;
    return this.options.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** The dataset indices in the order epoch `epoch` visits them. */
  order(epoch: number): Uint32Array {
    return epochOrder(this.dataset.length, this.seed, epoch, this.shuffle);
  }

  /** Hit/miss counts of the on-disk cache (zeros without one). */
  get cacheStats(): CacheStats {
    return { hits: this.cache?.hits ?? 0, misses: this.cache?.misses ?? 0 };
  }

  private async readSource(source: string | string[]): Promise<MedicalVideo> {
    const opts = this.dataset.readOptions;
    if (this.options.cacheDir !== undefined) {
      if (!this.cache) {
        const { ClipCache } = await import('./cache.js');
        this.cache = new ClipCache(this.options.cacheDir);
      }
      const key = await this.cache.key(source, opts);
      const hit = await this.cache.get(key);
      if (hit) return hit;
      const v = await this.decode(source);
      await this.cache.put(key, v);
      return v;
    }
    return this.decode(source);
  }

  private async decode(source: string | string[]): Promise<MedicalVideo> {
    const workers = this.options.workers ?? 0;
    if (workers > 0) {
      if (!this.pool) {
        const { DecodePool } = await import('./pool.js');
        this.pool = new DecodePool(workers);
      }
      return this.pool.read(source, this.dataset.readOptions);
    }
    const { readVideo } = await import('../read.js');
    return readVideo(source, this.dataset.readOptions);
  }

  /** Reads one item (through cache/workers) and applies the transform. */
  private async load(index: number): Promise<{ index: number; sample: DatasetSample; clip: Clip }> {
    const it = this.dataset.item(index);
    const views: Record<string, MedicalVideo> = {};
    await Promise.all(it.views.map(async (v) => {
      views[v.name] = await this.readSource(v.source);
    }));
    const sample = sampleOf(index, it, views);
    const clip = this.options.transform ? await this.options.transform(sample) : toFloat32Clip(sample.video);
    return { index, sample, clip };
  }

  /**
   * Yields the batches of `epoch`, starting at position `start` of the
   * epoch's order (0 = beginning; a {@link Batch.position} or
   * {@link VideoLoader.state} resumes right after that batch).
   */
  async *batches(epoch = 0, { start = 0 }: { start?: number } = {}): AsyncGenerator<Batch> {
    const order = this.order(epoch);
    const n = order.length;
    const bs = this.batchSize;
    const window = Math.max(1, (this.options.prefetch ?? 2) * bs);
    const skip = this.options.skipBadItems ?? false;
    const warn = this.options.onWarning ?? ((m: string) => console.warn(m));
    type Loaded = { index: number; sample: DatasetSample; clip: Clip } | { index: number; error: unknown };
    const inflight: Promise<Loaded>[] = [];
    let next = Math.max(0, Math.min(start, n));
    this.current = { epoch, position: next };
    const fill = (): void => {
      while (inflight.length < window && next < n) {
        const index = order[next++] as number;
        inflight.push(this.load(index).catch((error: unknown) => ({ index, error })));
      }
    };
    let position = this.current.position;
    let items: { index: number; sample: DatasetSample; clip: Clip }[] = [];
    let skippedHere: SkippedItem[] = [];
    fill();
    try {
      while (inflight.length > 0) {
        const r = await (inflight.shift() as Promise<Loaded>);
        position++;
        fill();
        if ('error' in r) {
          const e = r.error;
          if (skip && e instanceof VideoReadError) {
            const id = this.dataset.item(r.index).id;
            const sk = { index: r.index, id, error: e };
            this.skipped.push(sk);
            skippedHere.push(sk);
            warn(`video-io: skipping item ${r.index} (${id}): ${e.message}`, e);
          } else throw e;
        } else items.push(r);
        const last = inflight.length === 0;
        if (items.length === bs || (last && items.length > 0 && !this.options.dropLast)) {
          const b = this.collate(epoch, position, items, skippedHere);
          items = [];
          skippedHere = [];
          this.current = { epoch, position };
          yield b;
        } else if (last) {
          this.current = { epoch, position };
        }
      }
    } finally {
      // Let abandoned reads finish quietly.
      for (const p of inflight) void p.catch(() => undefined);
    }
  }

  /** Iterates epoch 0 (`for await (const b of loader)`). */
  [Symbol.asyncIterator](): AsyncGenerator<Batch> {
    return this.batches(this.current.epoch);
  }

  private collate(epoch: number, position: number, items: { index: number; sample: DatasetSample; clip: Clip }[], skipped: SkippedItem[]): Batch {
    const b: Batch = {
      epoch,
      position,
      skipped,
      indices: items.map((i) => i.index),
      ids: items.map((i) => i.sample.id),
      labels: Float32Array.from(items, (i) => i.sample.label ?? NaN),
      clips: items.map((i) => i.clip),
    };
    if ((this.options.collate ?? 'stack') === 'stack') {
      const s0 = (items[0] as (typeof items)[number]).clip.shape;
      for (const it of items) {
        if (it.clip.shape.some((d, k) => d !== s0[k])) {
          throw new Error(
            `video-io loader: clips of one batch differ in shape ([${s0.join(', ')}] vs [${it.clip.shape.join(', ')}] for item ${it.sample.id}); ` +
              "pass a transform that crops/resizes to a fixed shape, or collate: 'list'",
          );
        }
      }
      const per = s0[0] * s0[1] * s0[2] * s0[3];
      const data = new Float32Array(per * items.length);
      items.forEach((it, k) => data.set(it.clip.data, k * per));
      b.data = data;
      b.shape = [items.length, s0[0], s0[1], s0[2], s0[3]];
    }
    return b;
  }

  /** Stops the worker threads (if any). */
  async close(): Promise<void> {
    await this.pool?.close();
    this.pool = undefined;
  }
}
