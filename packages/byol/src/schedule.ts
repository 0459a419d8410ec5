import { check } from './errors.js';

/** tau (target decay) as a function of the optimizer step k (0-based). */
export type TauSchedule = (step: number) => number;

/** Options of {@link cosineTau}. */
export interface CosineTauOptions {
  /** tau at step 0; default 0.996 (BYOL paper; the seed paper uses 0.99). */
  tauBase?: number;
  /** K, the total number of optimizer steps of the run (tau reaches 1 there). */
  totalSteps: number;
}

/**
 * BYOL's cosine schedule over optimizer steps:
 * `tau(k) = 1 - (1 - tauBase) (cos(pi k / K) + 1) / 2`, from `tauBase` at
 * k = 0 to 1 at k = K (and 1 after K).
 */
export function cosineTau(options: CosineTauOptions): TauSchedule {
  const { tauBase = 0.996, totalSteps } = options;
  check(tauBase >= 0 && tauBase <= 1, 'cosineTau', () => `tauBase must be in [0, 1], got ${tauBase}`);
  check(Number.isFinite(totalSteps) && totalSteps > 0, 'cosineTau', () => `totalSteps must be > 0, got ${totalSteps}`);
  return (step) => {
    const k = Math.min(Math.max(step, 0), totalSteps);
    return 1 - ((1 - tauBase) * (Math.cos((Math.PI * k) / totalSteps) + 1)) / 2;
  };
}
