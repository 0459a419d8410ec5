import { describe, expect, it } from 'vitest';
import {
  aggregateByExam,
  brierScore,
  calibrationCurve,
  expectedCalibrationError,
  fitPlaneFusion,
  fitStandardizer,
  knnClassify,
  linearProbe,
  LogisticRegression,
  MetricsError,
  rocAuc,
} from '@byolmed3d/metrics';
import { expectArrayClose, fx } from './fixtures.js';

describe('LogisticRegression / linearProbe', () => {
  for (const p of fx.probes) {
    it(`matches sklearn LogisticRegression(C=${p.C}) on standardised ${p.n}x${p.d} features, ${p.k} classes`, () => {
      const train = { data: Float32Array.from(p.X), shape: [p.n, p.d] as const, labels: p.y };
      const query = { data: Float32Array.from(p.Xtest), shape: [40, p.d] as const };
      const r = linearProbe(train, query, { C: p.C });
      expect(r.model.converged).toBe(true);
      expect([r.model.intercept.length, p.d]).toEqual(p.coefShape);
      expectArrayClose(r.model.coef, p.coef, 2e-6);
      expectArrayClose(r.model.intercept, p.intercept, 2e-6);
      expectArrayClose(r.proba, p.probaTest, 1e-6);
      expect(r.numClasses).toBe(p.k);
    });
  }

  it('reports accuracy and AUC with query labels, and separable data is learnt', () => {
    const n = 60;
    const d = 4;
    const x = new Float32Array(n * d);
    const y: number[] = [];
    for (let i = 0; i < n; i++) {
      y.push(i % 2);
      for (let j = 0; j < d; j++) x[i * d + j] = Math.sin(i * 7.3 + j * 1.7) + (j === 0 ? (i % 2) * 3 : 0);
    }
    const r = linearProbe({ data: x, shape: [n, d], labels: y }, { data: x, shape: [n, d], labels: y });
    expect(r.accuracy).toBe(1);
    expect(r.auc).toBe(1);
    expect(r.predictions).toHaveLength(n);
  });

  it('standardiser matches population mean/std and leaves constant columns alone', () => {
    const s = fitStandardizer({ data: [1, 5, 3, 5, 5, 5], shape: [3, 2] });
    expectArrayClose(s.mean, [3, 5]);
    expectArrayClose(s.std, [Math.sqrt(8 / 3), 1]);
    expectArrayClose(s.transform({ data: [3, 6], shape: [1, 2] }).data, [0, 1]);
  });

  it('rejects bad shapes, NaN features and a single class', () => {
    expect(() => LogisticRegression.fit({ data: [1, 2, 3], shape: [2, 2] }, [0, 1])).toThrow(/expected 2 x 2/);
    expect(() => LogisticRegression.fit({ data: [1, NaN], shape: [2, 1] }, [0, 1])).toThrow(MetricsError);
    expect(() => LogisticRegression.fit({ data: [1, 2], shape: [2, 1] }, [0, 0])).toThrow(/two classes/);
    expect(() => LogisticRegression.fit({ data: [1, 2], shape: [2, 1] }, [0, 1.5])).toThrow(/integers/);
    expect(() => linearProbe({ data: [1, 2], shape: [2, 1], labels: [0, 1] }, { data: [1, 2], shape: [1, 2] })).toThrow(/features/);
  });
});

describe('knnClassify', () => {
  const k = fx.knn;
  const train = { data: Float32Array.from(k.train), shape: [k.trainLabels.length, k.d] as const, labels: k.trainLabels };
  const query = { data: Float32Array.from(k.test), shape: [k.test.length / k.d, k.d] as const };
  for (const w of ['uniform', 'similarity', 'exp'] as const) {
    it(`matches sklearn KNeighborsClassifier(metric='cosine') predict_proba with ${w} weights`, () => {
      const r = knnClassify(train, query, { k: k.k, weighting: w, temperature: k.temperature });
      expectArrayClose(r.proba, k[w], 1e-9);
      expect(r.numClasses).toBe(3);
    });
  }

  it('finds the right class on clustered data and reports accuracy', () => {
    const r = knnClassify(train, { ...train }, { k: 1 });
    expect(r.accuracy).toBe(1);
    expect(r.auc).toBe(1);
  });

  it('rejects zero rows, k out of range and dimension mismatch', () => {
    expect(() => knnClassify(train, { data: new Float32Array(k.d), shape: [1, k.d] })).toThrow(/all zeros/);
    expect(() => knnClassify(train, query, { k: 0 })).toThrow(/k must be/);
    expect(() => knnClassify(train, { data: [1, 2], shape: [1, 2] })).toThrow(/features/);
  });
});

describe('exam-level aggregation and plane fusion', () => {
  it('averages clips per exam in first-appearance order and checks labels', () => {
    const r = aggregateByExam(['b', 'a', 'b', 'a', 'c'], [0.2, 0.9, 0.4, 0.7, 0.5], { labels: [0, 1, 0, 1, 1] });
    expect(r.examIds).toEqual(['b', 'a', 'c']);
    expectArrayClose(r.scores, [0.3, 0.8, 0.5], 1e-15);
    expect(Array.from(r.counts)).toEqual([2, 2, 1]);
    expect(Array.from(r.labels!)).toEqual([0, 1, 1]);
    expectArrayClose(aggregateByExam([1, 1, 2], [0.2, 0.6, 0.3], { reduce: 'max' }).scores, [0.6, 0.3]);
    expectArrayClose(aggregateByExam([1, 1, 1], [0.2, 0.6, 0.3], { reduce: 'median' }).scores, [0.3]);
    const lg = aggregateByExam([1, 1], [0.2, 0.8], { space: 'logit' }).scores[0]!;
    expect(lg).toBeCloseTo(0.5, 12);
    expect(() => aggregateByExam([1, 1], [0.2, 0.8], { labels: [0, 1] })).toThrow(/both 0 and 1/);
    expect(() => aggregateByExam([1], [0.2, 0.8])).toThrow(/differ in length/);
  });

  it("MRNet fusion matches sklearn's LogisticRegression on the three planes", () => {
    const f = fx.fusion;
    const fusion = fitPlaneFusion(f.labels, { axial: f.axial, coronal: f.coronal, sagittal: f.sagittal });
    expect(fusion.planes).toEqual(['axial', 'coronal', 'sagittal']);
    expectArrayClose(fusion.coef, f.coef, 1e-6);
    expect(fusion.intercept).toBeCloseTo(f.intercept, 6);
    const p = fusion.predict({ axial: f.axial, coronal: f.coronal, sagittal: f.sagittal });
    expectArrayClose(p, f.proba, 1e-7);
    expect(rocAuc(f.labels, p)).toBeGreaterThanOrEqual(rocAuc(f.labels, f.sagittal));
    expect(() => fusion.predict({ axial: f.axial, coronal: f.coronal })).toThrow(/missing plane 'sagittal'/);
    expect(() => fitPlaneFusion(f.labels, { axial: f.axial.map((v) => v * 4 - 2) })).toThrow(/not a probability/);
  });
});

describe('calibration', () => {
  for (const c of fx.cases) {
    it(`calibrationCurve and brierScore match sklearn on ${c.name}`, () => {
      const u = calibrationCurve(c.labels, c.probs);
      expectArrayClose(u.probTrue, c.calibrationUniform.probTrue, 1e-12);
      expectArrayClose(u.probPred, c.calibrationUniform.probPred, 1e-12);
      const q = calibrationCurve(c.labels, c.probs, { nBins: 5, strategy: 'quantile' });
      expectArrayClose(q.probTrue, c.calibrationQuantile.probTrue, 1e-12);
      expectArrayClose(q.probPred, c.calibrationQuantile.probPred, 1e-12);
      expect(brierScore(c.labels, c.probs)).toBeCloseTo(c.brier, 14);
      const ece = expectedCalibrationError(c.labels, c.probs);
      let manual = 0;
      u.counts.forEach((k, b) => (manual += k * Math.abs(u.probTrue[b]! - u.probPred[b]!)));
      expect(ece).toBeCloseTo(manual / c.labels.length, 14);
    });
  }
  it('rejects logits', () => {
    expect(() => calibrationCurve([0, 1], [-1, 2])).toThrow(/sigmoid/);
  });
});
