// Fault injection for every metrics function that takes scores or labels:
// a NaN, an infinity, a null (what a NaN score becomes after a JSON round
// trip) or a non-binary label is refused with a MetricsError naming the
// function and the entry; nothing returns a NaN or a fake 0.5.
import { describe, expect, it } from 'vitest';
import {
  aggregateByExam,
  averagePrecision,
  bootstrapAucDifference,
  bootstrapCI,
  bootstrapMetrics,
  brierScore,
  calibrationCurve,
  confusionMatrix,
  delong,
  delongTest,
  evaluateBinary,
  expectedCalibrationError,
  fitPlaneFusion,
  knnClassify,
  linearProbe,
  logit,
  MetricsError,
  prCurve,
  rocAuc,
  rocCurve,
  sigmoid,
  thresholdMetrics,
  youdenThreshold,
} from '@byolmed3d/metrics';

const labels = [0, 1, 0, 1, 1, 0, 1, 0];
const good = [0.1, 0.8, 0.3, 0.7, 0.9, 0.2, 0.6, 0.4];

type ScoreFn = (y: ArrayLike<number>, s: ArrayLike<number>) => unknown;
const scoreFns: [string, ScoreFn][] = [
  ['rocAuc', (y, s) => rocAuc(y, s)],
  ['rocCurve', (y, s) => rocCurve(y, s)],
  ['prCurve', (y, s) => prCurve(y, s)],
  ['averagePrecision', (y, s) => averagePrecision(y, s)],
  ['confusionMatrix', (y, s) => confusionMatrix(y, s)],
  ['thresholdMetrics', (y, s) => thresholdMetrics(y, s)],
  ['youdenThreshold', (y, s) => youdenThreshold(y, s)],
  ['evaluateBinary', (y, s) => evaluateBinary(y, s)],
  ['delong', (y, s) => delong(y, s)],
  ['delongTest', (y, s) => delongTest(y, s, good)],
  ['delongTest', (y, s) => delongTest(y, good, s)],
  ['bootstrapMetrics', (y, s) => bootstrapMetrics(y, s, { nBoot: 20 })],
  ['bootstrapCI', (y, s) => bootstrapCI(y, s, (a, b) => rocAuc(a, b), { nBoot: 20 })],
  ['bootstrapAucDifference', (y, s) => bootstrapAucDifference(y, s, good, { nBoot: 20 })],
  ['bootstrapAucDifference', (y, s) => bootstrapAucDifference(y, good, s, { nBoot: 20 })],
  ['calibrationCurve', (y, s) => calibrationCurve(y, s)],
  ['brierScore', (y, s) => brierScore(y, s)],
  // expectedCalibrationError validates through calibrationCurve, whose name its errors carry
  ['calibrationCurve', (y, s) => expectedCalibrationError(y, s)],
  ['aggregateByExam', (y, s) => aggregateByExam(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'], s, { labels: y })],
  ['fitPlaneFusion', (y, s) => fitPlaneFusion(y, { sagittal: s, coronal: good })],
];

function bad(at: number, v: unknown): number[] {
  const s: unknown[] = [...good];
  s[at] = v;
  return s as number[];
}

function expectRefused(f: () => unknown, fn: string, what: RegExp): void {
  let err: unknown;
  let out: unknown;
  try {
    out = f();
  } catch (e) {
    err = e;
  }
  expect(err, `${fn} returned ${JSON.stringify(out)} instead of refusing`).toBeInstanceOf(MetricsError);
  expect((err as MetricsError).message).toMatch(new RegExp(`^${fn}: `));
  expect((err as MetricsError).message).toMatch(what);
}

describe('fault injection: metrics refuse non-finite scores and bad labels', () => {
  for (const [fn, f] of scoreFns) {
    it(`${fn}: NaN, +-Infinity, null and undefined scores are refused, naming the entry`, () => {
      expect(() => f(labels, good)).not.toThrow();
      expectRefused(() => f(labels, bad(3, NaN)), fn, /\[3\] is NaN/);
      expectRefused(() => f(labels, bad(2, Infinity)), fn, /\[2\] is Infinity/);
      expectRefused(() => f(labels, bad(5, -Infinity)), fn, /\[5\] is -Infinity/);
      expectRefused(() => f(labels, bad(0, null)), fn, /\[0\] is null/);
      expectRefused(() => f(labels, bad(1, undefined)), fn, /\[1\] is undefined/);
      expectRefused(() => f(labels, Float32Array.from(bad(4, NaN))), fn, /\[4\] is NaN/);
    });

    it(`${fn}: non-binary labels are refused`, () => {
      const y = (v: unknown): number[] => {
        const l: unknown[] = [...labels];
        l[2] = v;
        return l as number[];
      };
      for (const v of [2, -1, 0.5, NaN, null]) expectRefused(() => f(y(v), good), fn, /binary labels must be 0 or 1|not a number|label/);
      expectRefused(() => f(Uint8Array.from(y(3)), good), fn, /binary labels must be 0 or 1/);
    });
  }

  it('all-null scores (every prediction NaN, serialised) never give a fake AUC of 0.5', () => {
    const allNull = good.map(() => null) as unknown as number[];
    expectRefused(() => rocAuc(labels, allNull), 'rocAuc', /is null/);
    expectRefused(() => bootstrapMetrics(labels, allNull), 'bootstrapMetrics', /is null/);
    expectRefused(() => thresholdMetrics(labels, allNull), 'thresholdMetrics', /is null/);
  });

  it('sigmoid and logit refuse non-finite inputs instead of passing them on', () => {
    expectRefused(() => sigmoid([0, NaN]), 'sigmoid', /logits\[1\] is NaN/);
    expectRefused(() => sigmoid([Infinity]), 'sigmoid', /logits\[0\] is Infinity/);
    expectRefused(() => logit([0.5, NaN]), 'logit', /probs\[1\] is NaN/);
    expect(Array.from(sigmoid([0]))).toEqual([0.5]);
  });

  it('embedding evaluations refuse non-finite features', () => {
    const train = { data: [0, 1, 2, NaN], shape: [4, 1] as [number, number], labels: [0, 1, 0, 1] };
    const query = { data: [0, 1], shape: [2, 1] as [number, number] };
    expectRefused(() => linearProbe(train, query), 'linearProbe', /train\.data\[3\] is NaN/);
    expectRefused(() => knnClassify(train, query), 'knnClassify', /train\.data\[3\] is NaN/);
    expectRefused(() => knnClassify({ ...train, data: [0, 1, 2, 3] }, { data: [Infinity, 0], shape: [2, 1] }), 'knnClassify', /query\.data\[0\] is Infinity/);
  });
});
