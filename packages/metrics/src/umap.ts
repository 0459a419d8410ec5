import { UMAP } from 'umap-js';
import { MetricsError } from './errors.js';
import { checkMatrix, type FeatureMatrix } from './logistic.js';
import { Random } from '@byolmed3d/util';

/** Options of {@link umapEmbedding}. */
export interface UmapOptions {
  /** Output dimensions. Default `2`. */
  nComponents?: number;
  /** Neighbours of the fuzzy graph (clamped to `rows - 1`). Default `15`. */
  nNeighbors?: number;
  /** Minimum distance between embedded points. Default `0.1`. */
  minDist?: number;
  /** Optimisation epochs (0: umap-js's choice from the data size). Default `0`. */
  nEpochs?: number;
  /** Seed of every random choice (initialisation, negative sampling). Default `0`. */
  seed?: number;
  /** Standardise each feature column (zero mean, unit variance) first. Default `true`. */
  standardize?: boolean;
}

/**
 * A low-dimensional UMAP embedding (McInnes et al. 2018, via `umap-js`) of
 * the rows of `features`, e.g. encoder features of the test exams for a
 * scatter plot coloured by label. Seeded: the same input and options give
 * the same output. Returns row-major `[rows, nComponents]` coordinates.
 * @throws {@link MetricsError} on a bad matrix, non-finite values, fewer than 3 rows or bad options
 */
export function umapEmbedding(features: FeatureMatrix, options: UmapOptions = {}): Float64Array {
  const fn = 'umapEmbedding';
  const [n, d] = checkMatrix(fn, features, 'features');
  const { nComponents = 2, nNeighbors = 15, minDist = 0.1, nEpochs = 0, seed = 0, standardize = true } = options;
  if (n < 3) throw new MetricsError(fn, 'invalid-argument', `needs at least 3 rows, got ${n}`);
  if (!Number.isInteger(nComponents) || nComponents < 1) throw new MetricsError(fn, 'invalid-argument', `nComponents must be a positive integer, got ${nComponents}`);
  if (!Number.isInteger(nNeighbors) || nNeighbors < 2) throw new MetricsError(fn, 'invalid-argument', `nNeighbors must be an integer >= 2, got ${nNeighbors}`);
  if (!Number.isInteger(nEpochs) || nEpochs < 0) throw new MetricsError(fn, 'invalid-argument', `nEpochs must be a non-negative integer, got ${nEpochs}`);
  if (!(minDist >= 0)) throw new MetricsError(fn, 'invalid-argument', `minDist must be >= 0, got ${minDist}`);
  const rows: number[][] = [];
  for (let i = 0; i < n; i++) {
    const r: number[] = new Array<number>(d);
    for (let j = 0; j < d; j++) r[j] = Number(features.data[i * d + j]);
    rows.push(r);
  }
  if (standardize) {
    for (let j = 0; j < d; j++) {
      let m = 0;
      for (let i = 0; i < n; i++) m += rows[i]![j]!;
      m /= n;
      let v = 0;
      for (let i = 0; i < n; i++) v += (rows[i]![j]! - m) ** 2;
      const s = Math.sqrt(v / n) || 1;
      for (let i = 0; i < n; i++) rows[i]![j] = (rows[i]![j]! - m) / s;
    }
  }
  const rng = new Random(seed);
  const umap = new UMAP({
    nComponents,
    nNeighbors: Math.max(2, Math.min(nNeighbors, n - 1)),
    minDist,
    ...(nEpochs > 0 ? { nEpochs } : {}),
    random: () => rng.next(),
  });
  const emb = umap.fit(rows);
  const out = new Float64Array(n * nComponents);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < nComponents; k++) {
      const v = emb[i]?.[k] as number;
      if (!Number.isFinite(v)) throw new MetricsError(fn, 'not-finite', `embedding of row ${i} is not finite`);
      out[i * nComponents + k] = v;
    }
  }
  return out;
}
