/** What a {@link BatchNormPartialsProgram} reduces per channel. */
export type BatchNormReduceKind = 'stats' | 'grad';

/** Rows (values per channel) one workgroup reduces at least, before the row range is split across more workgroups. */
export const BN_MIN_ROWS_PER_SPLIT = 512;
/** Most row slices (workgroups along the rows) of one reduction. */
export const BN_MAX_SPLITS = 256;
/** Threads per workgroup: 128, within WebGPU compatibility mode's default limits (as the conv GEMM's 16 x 8). */
export const BN_WORKGROUP_THREADS = 128;

/** How the rows of a `[rows, channels]` reduction are spread over workgroups. */
export interface BatchNormReduceLayout {
  /** Channels each workgroup covers (threads along x): 4..64, a power of 2. */
  channelsPerGroup: number;
  /** Row lanes per workgroup (threads along y); `channelsPerGroup * lanes` = {@link BN_WORKGROUP_THREADS}. */
  lanes: number;
  /** Workgroups along the rows. */
  splits: number;
  /** Rows per split (the last one may have fewer). */
  rowsPerSplit: number;
}

/**
 * The reduction layout for `rows` values of each of `channels` channels:
 * up to 64 channels side by side (coalesced loads of one row), the rest of
 * the {@link BN_WORKGROUP_THREADS} threads on row lanes, and the rows split over up to
 * {@link BN_MAX_SPLITS} workgroups of at least {@link BN_MIN_ROWS_PER_SPLIT}
 * rows each.
 */
export function batchNormReduceLayout(rows: number, channels: number): BatchNormReduceLayout {
  let channelsPerGroup = 4;
  while (channelsPerGroup < 64 && channelsPerGroup < channels) channelsPerGroup *= 2;
  const lanes = BN_WORKGROUP_THREADS / channelsPerGroup;
  const splits = Math.max(1, Math.min(BN_MAX_SPLITS, Math.floor(rows / BN_MIN_ROWS_PER_SPLIT)));
  const rowsPerSplit = Math.ceil(rows / splits);
  return { channelsPerGroup, lanes, splits: Math.ceil(rows / rowsPerSplit), rowsPerSplit };
}

/**
 * First pass of the training batch norm (and of its gradient) on a
 * `[rows, C]` view: each workgroup reduces one slice of rows for a group of
 * channels, each thread a strided subset of those rows, then the row lanes
 * are merged in workgroup-shared memory.
 *
 * - `stats` (input `x`): per slice and channel `sum(x - K)` and
 *   `sum((x - K)^2)`, shifted by the channel's first value `K = x[0, c]`
 *   (a sample, so within a few standard deviations of the mean: no
 *   `E[x^2] - E[x]^2` cancellation, and `x - K` is exact for nearby values).
 * - `grad` (inputs `dy`, `x`, `mean`): per slice and channel `sum(dy)` and
 *   `sum(dy * (x - mean))`.
 *
 * Output `[2, splits, C]`: the two per-slice quantities, merged by
 * {@link BatchNormFinalizeProgram}.
 */
export class BatchNormPartialsProgram {
  outputShape: number[];
  shaderKey: string;
  dispatchLayout = { x: [0] };
  dispatch: [number, number, number];
  variableNames: string[];
  workgroupSize: [number, number, number];
  uniforms = 'M : i32, C : i32, rowsPerSplit : i32, splits : i32, iters : i32,';
  readonly layout: BatchNormReduceLayout;

  constructor(
    readonly kind: BatchNormReduceKind,
    readonly rows: number,
    readonly channels: number,
  ) {
    this.layout = batchNormReduceLayout(rows, channels);
    const { channelsPerGroup, lanes, splits } = this.layout;
    this.variableNames = kind === 'stats' ? ['x'] : ['dy', 'x', 'mean'];
    this.workgroupSize = [channelsPerGroup, lanes, 1];
    this.outputShape = [2, splits, channels];
    this.dispatch = [Math.ceil(channels / channelsPerGroup), splits, 1];
    this.shaderKey = `bnPartials_${kind}_${channelsPerGroup}`;
  }

  /** Values for {@link uniforms}, in order. */
  uniformData(): { type: 'int32'; data: number[] }[] {
    const { rowsPerSplit, splits, lanes } = this.layout;
    return [this.rows, this.channels, rowsPerSplit, splits, Math.ceil(rowsPerSplit / lanes)].map((v) => ({ type: 'int32' as const, data: [v] }));
  }

  getUserCode(): string {
    const { channelsPerGroup: cw, lanes } = this.layout;
    const n = cw * lanes;
    const accumulate =
      this.kind === 'stats'
        ? `let d = x[r * uniforms.C + c] - k0;
           a = a + d;
           b = b + d * d;`
        : `let i = r * uniforms.C + c;
           let g = dy[i];
           a = a + g;
           b = b + g * (x[i] - k0);`;
    return `
      var<workgroup> sA : array<f32, ${n}>;
      var<workgroup> sB : array<f32, ${n}>;

      fn main(index : i32) {
        let tx = i32(localId.x);
        let ty = i32(localId.y);
        let c = i32(workgroupId.x) * ${cw} + tx;
        let split = i32(workgroupId.y);
        let r0 = split * uniforms.rowsPerSplit;
        let r1 = min(uniforms.M, r0 + uniforms.rowsPerSplit);
        let cOk = c < uniforms.C;
        // Shift: the channel's first value (stats) or the batch mean (grad).
        var k0 = 0.0;
        if (cOk) { k0 = ${this.kind === 'stats' ? 'x[c]' : 'mean[c]'}; }
        var a = 0.0;
        var b = 0.0;
        // The trip count is a uniform: the barrier below stays in uniform control flow.
        for (var it = 0; it < uniforms.iters; it++) {
          let r = r0 + it * ${lanes} + ty;
          if (cOk && r < r1) {
            ${accumulate}
          }
        }
        let t = ty * ${cw} + tx;
        sA[t] = a;
        sB[t] = b;
        workgroupBarrier();
        if (ty == 0 && cOk) {
          for (var l = 1; l < ${lanes}; l++) {
            let j = l * ${cw} + tx;
            a = a + sA[j];
            b = b + sB[j];
          }
          result[split * uniforms.C + c] = a;
          result[(uniforms.splits + split) * uniforms.C + c] = b;
        }
      }
    `;
  }
}

/**
 * Second pass: merges the per-slice partials of a {@link BatchNormPartialsProgram}
 * (one thread per channel) and derives the per-channel coefficients the
 * elementwise pass needs, all in one `[rows, C]` output.
 *
 * - `stats` (inputs `partials`, `gamma`, `beta`, `x`): rows mean `K + dm`,
 *   biased variance, scale `gamma / sqrt(var + eps)`, beta, `K` and `dm`
 *   (the elementwise pass computes `((x - K) - dm) * scale + beta`: a mean
 *   rounded to float32, or folded into a shift `beta - mean * scale`, would
 *   cost digits when |mean| is large against the spread).
 * - `grad` (inputs `partials`, `variance`, `gamma`): rows dbeta `sum(dy)`,
 *   dgamma `sum(dy * xhat)`, then `a`, `k`, `b` of
 *   `dx = a * dy - k * (x - mean) + b`, i.e. `a = gamma * inv`,
 *   `k = a * inv * dgamma / M`, `b = -a * dbeta / M`.
 */
export class BatchNormFinalizeProgram {
  outputShape: number[];
  shaderKey: string;
  dispatchLayout = { x: [0] };
  dispatch: [number, number, number];
  variableNames: string[];
  workgroupSize: [number, number, number] = [64, 1, 1];
  uniforms = 'M : i32, C : i32, rowsPerSplit : i32, splits : i32, eps : f32,';

  constructor(
    readonly kind: BatchNormReduceKind,
    readonly rows: number,
    readonly channels: number,
    readonly layout: BatchNormReduceLayout,
    readonly eps: number,
  ) {
    this.variableNames = kind === 'stats' ? ['partials', 'gamma', 'beta', 'x'] : ['partials', 'variance', 'gamma'];
    this.outputShape = [kind === 'stats' ? 6 : 5, channels];
    this.dispatch = [Math.ceil(channels / 64), 1, 1];
    this.shaderKey = `bnFinalize_${kind}`;
  }

  /** Values for {@link uniforms}, in order. */
  uniformData(): { type: 'int32' | 'float32'; data: number[] }[] {
    const i = (v: number) => ({ type: 'int32' as const, data: [v] });
    return [i(this.rows), i(this.channels), i(this.layout.rowsPerSplit), i(this.layout.splits), { type: 'float32', data: [this.eps] }];
  }

  getUserCode(): string {
    const body =
      this.kind === 'stats'
        ? `var s1 = 0.0;
           var s2 = 0.0;
           for (var s = 0; s < uniforms.splits; s++) {
             s1 = s1 + partials[s * C + c];
             s2 = s2 + partials[(uniforms.splits + s) * C + c];
           }
           let m = f32(uniforms.M);
           let k0 = x[c];
           let dm = s1 / m;
           let v = max(s2 / m - dm * dm, 0.0);
           result[c] = k0 + dm;
           result[C + c] = v;
           result[2 * C + c] = gamma[c] * inverseSqrt(v + uniforms.eps);
           result[3 * C + c] = beta[c];
           result[4 * C + c] = k0;
           result[5 * C + c] = dm;`
        : `var sDy = 0.0;
           var sDyXc = 0.0;
           for (var s = 0; s < uniforms.splits; s++) {
             sDy = sDy + partials[s * C + c];
             sDyXc = sDyXc + partials[(uniforms.splits + s) * C + c];
           }
           let inv = inverseSqrt(variance[c] + uniforms.eps);
           let dgamma = sDyXc * inv;
           let a = gamma[c] * inv;
           let m = f32(uniforms.M);
           result[c] = sDy;
           result[C + c] = dgamma;
           result[2 * C + c] = a;
           result[3 * C + c] = a * inv * dgamma / m;
           result[4 * C + c] = -a * sDy / m;`;
    return `
      fn main(index : i32) {
        let c = index;
        let C = uniforms.C;
        if (c < C) {
          ${body}
        }
      }
    `;
  }
}
