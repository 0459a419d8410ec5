/** A learning-rate (or any scalar) schedule as a function of the optimizer step. */
export type Schedule = (step: number) => number;

/** Options of {@link warmupCosine}. */
export interface WarmupCosineOptions {
  /** Peak value reached after warmup. */
  base: number;
  /** Total optimizer steps of the run. */
  totalSteps: number;
  /** Linear warmup steps from 0 to `base`; default 0. */
  warmupSteps?: number;
  /** Value the cosine decays to at `totalSteps`; default 0. */
  floor?: number;
}

/** Linear warmup to `base`, then cosine decay to `floor` at `totalSteps`. */
export function warmupCosine(options: WarmupCosineOptions): Schedule {
  const { base, totalSteps, warmupSteps = 0, floor = 0 } = options;
  return (step) => {
    if (step < warmupSteps) return (base * (step + 1)) / warmupSteps;
    const span = Math.max(1, totalSteps - warmupSteps);
    const t = Math.min(1, (step - warmupSteps) / span);
    return floor + ((base - floor) * (1 + Math.cos(Math.PI * t))) / 2;
  };
}
