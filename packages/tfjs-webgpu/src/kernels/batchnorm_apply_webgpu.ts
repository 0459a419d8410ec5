/** Which elementwise pass of the training batch norm a {@link BatchNormApplyProgram} runs. */
export type BatchNormApplyKind = 'forward' | 'dx';

/**
 * Elementwise pass of the training batch norm on a `[rows, C]` view, vec4
 * along channels when C is a multiple of 4:
 *
 * - `forward` (inputs `x`, `coef` = the finalize output
 *   `[mean, var, scale, beta, K, dm]`): `y = ((x - K) - dm) * scale + beta`.
 * - `dx` (inputs `dy`, `x`, the batch `mean`, `coef` = the gradient's
 *   finalize output `[dbeta, dgamma, a, k, b]`):
 *   `dx = a * dy - k * (x - mean) + b`.
 */
export class BatchNormApplyProgram {
  outputShape: number[];
  shaderKey: string;
  dispatchLayout = { x: [0] };
  dispatch: [number, number, number];
  variableNames: string[];
  variableComponents: number[];
  outputComponent: number;
  workgroupSize: [number, number, number] = [64, 1, 1];
  size = true;
  uniforms = 'cv : i32,';
  private readonly comps: number;

  constructor(
    readonly kind: BatchNormApplyKind,
    readonly rows: number,
    readonly channels: number,
  ) {
    this.comps = channels % 4 === 0 ? 4 : 1;
    this.variableNames = kind === 'forward' ? ['x', 'coef'] : ['dy', 'x', 'mean', 'coef'];
    this.variableComponents = this.variableNames.map(() => this.comps);
    this.outputComponent = this.comps;
    this.outputShape = [rows, channels];
    this.dispatch = [Math.ceil((rows * channels) / this.comps / 64), 1, 1];
    this.shaderKey = `bnApply_${kind}_${this.comps}`;
  }

  /** Values for {@link uniforms}, in order. */
  uniformData(): { type: 'int32'; data: number[] }[] {
    return [{ type: 'int32', data: [this.channels / this.comps] }];
  }

  getUserCode(): string {
    const body =
      this.kind === 'forward'
        ? `result[index] = fma((x[index] - coef[4 * cv + c]) - coef[5 * cv + c], coef[2 * cv + c], coef[3 * cv + c]);`
        : `result[index] = dy[index] * coef[2 * cv + c] - (x[index] - mean[c]) * coef[3 * cv + c] + coef[4 * cv + c];`;
    return `
      fn main(index : i32) {
        if (index < uniforms.size) {
          let cv = uniforms.cv;
          let c = index % cv;
          ${body}
        }
      }
    `;
  }
}
