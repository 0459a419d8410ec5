import { describe, expect, it } from 'vitest';
import {
  AugmentError,
  Compose,
  RandContrast,
  RandGaussianBlur,
  RandomResizedCrop,
  RandTemporalSample,
  RepeatChannels,
  toClip,
  ZScore,
  type ClipShape,
} from '@byolmed3d/augment3d';
import { randClip } from './helpers.js';

const make = (seed: number) =>
  new Compose([new RandTemporalSample({ frames: 3 }), new RandomResizedCrop({ size: 5 }), new RepeatChannels(), new RandGaussianBlur({ prob: 0.5 }), new ZScore()], { seed });

describe('Transform protocol and Compose', () => {
  it('randomize then apply equals call; params can be replayed', () => {
    const x = randClip([6, 12, 12, 1]);
    const a = make(3);
    const y = a.call(x);
    const b = make(3);
    const p = b.randomize(x.shape);
    expect(b.apply(x, p).data).toEqual(y.data);
    expect(b.apply(x).data).toEqual(y.data); // last draw
    expect(b.outputShape(x.shape, p)).toEqual([3, 5, 5, 3]);
  });

  it('Compose seeds each child from its own stream: same seed same draws, other seed other draws', () => {
    const shape: ClipShape = [8, 20, 20, 1];
    const p1 = JSON.stringify(make(11).randomize(shape));
    expect(JSON.stringify(make(11).randomize(shape))).toBe(p1);
    expect(JSON.stringify(make(12).randomize(shape))).not.toBe(p1);
    const c = make(11);
    c.randomize(shape);
    c.setSeed(11);
    expect(JSON.stringify(c.randomize(shape))).toBe(p1);
    // Children get different seeds from the stream, so two identical children draw differently.
    const twins = new Compose([new RandContrast(), new RandContrast()], { seed: 1 });
    const [q1, q2] = twins.randomize(shape) as [{ factor: number }, { factor: number }];
    expect(q1.factor).not.toBe(q2.factor);
  });

  it('paramsLog lists every child with its draw', () => {
    const c = make(5);
    c.call(randClip([6, 12, 12, 1]));
    const log = c.paramsLog();
    expect(log.map((e) => e.transform)).toEqual(['RandTemporalSample', 'RandomResizedCrop', 'RepeatChannels', 'RandGaussianBlur', 'ZScore']);
    expect((log[0]!.params as { indices: number[] }).indices).toHaveLength(3);
    expect(JSON.parse(JSON.stringify(log))).toEqual(log);
  });

  it('errors name the transform and the reason', () => {
    const t = new RandContrast();
    expect(() => t.apply(randClip([1, 2, 2, 1]))).toThrow(AugmentError);
    expect(() => t.apply(randClip([1, 2, 2, 1]))).toThrow(/RandContrast: apply\(\) called before randomize/);
    expect(() => new ZScore().apply({ data: new Float32Array(3), shape: [1, 2, 2, 1] })).toThrow(/ZScore: data length 3 does not match/);
    expect(() => new RandContrast({ prob: 2 })).toThrow(/prob must be in \[0, 1\]/);
    let err: unknown;
    try {
      new RandomResizedCrop({ size: 0 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AugmentError);
    expect((err as AugmentError).transform).toBe('RandomResizedCrop');
    expect((err as AugmentError).reason).toMatch(/positive integers/);
  });

  it('toClip converts integer volumes, adds the channel axis and rescales', () => {
    const c = toClip({ data: Uint8Array.from([0, 255, 51, 102]), shape: [1, 2, 2] }, { scale: 1 / 255 });
    expect(c.shape).toEqual([1, 2, 2, 1]);
    expect([...c.data].map((v) => +v.toFixed(3))).toEqual([0, 1, 0.2, 0.4]);
  });
});
