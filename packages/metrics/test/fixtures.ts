import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Reference values written by tools/fixtures/metrics.py (scikit-learn, scipy). */
export interface Case {
  name: string;
  labels: number[];
  probs: number[];
  probs2: number[];
  auc: number;
  auc2: number;
  ap: number;
  roc: { fpr: number[]; tpr: number[]; thresholds: number[] };
  rocAll: { fpr: number[]; tpr: number[]; thresholds: number[] };
  pr: { precision: number[]; recall: number[]; thresholds: number[] };
  at05: Record<string, number>;
  at03: Record<string, number>;
  youden: { threshold: number; j: number; sensitivity: number; specificity: number };
  delong: { auc: number; variance: number; z: number; pValue: number; ci: [number, number] };
  delongPaired: Record<string, number> & { ci: [number, number] };
  bootstrap: Record<string, { lower: number; upper: number; mean: number; se: number }>;
  brier: number;
  calibrationUniform: { probTrue: number[]; probPred: number[] };
  calibrationQuantile: { probTrue: number[]; probPred: number[] };
}

export interface Probe {
  n: number;
  d: number;
  k: number;
  C: number;
  X: number[];
  y: number[];
  Xtest: number[];
  coef: number[];
  intercept: number[];
  probaTest: number[];
  coefShape: [number, number];
}

export interface Fixtures {
  cases: Case[];
  bcaReference: { bca: [number, number]; percentile: [number, number]; se: number };
  probes: Probe[];
  fusion: { labels: number[]; axial: number[]; coronal: number[]; sagittal: number[]; coef: number[]; intercept: number; proba: number[] };
  knn: {
    train: number[];
    trainLabels: number[];
    test: number[];
    d: number;
    numClasses: number;
    k: number;
    temperature: number;
    uniform: number[];
    similarity: number[];
    exp: number[];
  };
  normal: { x: number[]; cdf: number[]; p: number[]; ppf: number[] };
}

export const fx = JSON.parse(
  readFileSync(join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'metrics.json'), 'utf8'),
) as Fixtures;

export function expectArrayClose(a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-12): void {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs((a[i] as number) - (b[i] as number));
    if (!(d <= tol)) throw new Error(`index ${i}: ${a[i]} vs ${b[i]} (diff ${d} > ${tol})`);
  }
}
