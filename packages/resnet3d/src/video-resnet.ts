import * as tf from '@tensorflow/tfjs-core';
import type { BlockType, ConvMaker, StemType } from './blocks.js';
import { WeightsError } from './errors.js';
import { torchvisionInitializer } from './init.js';
import type { Layer, Triple } from './layers.js';
import { tfToTorchConv3d, torchToTfConv3d, transpose2d } from './layout.js';
import type { NormKind } from './norm.js';
import { ParamStore, type ParamInitializer, type ParamRecord } from './params.js';
import { numel, stateDictEntries, toFloat32, type StateDict, type TensorEntryLike } from './state-dict.js';

/** The four ingredients of a torchvision video ResNet. */
export interface VideoResNetSpec {
  /** Residual block type: {@link BasicBlock} or {@link Bottleneck}. */
  block: BlockType;
  /** Convolution builder of each of the four stages (`layer1`..`layer4`). */
  convMakers: readonly [ConvMaker, ConvMaker, ConvMaker, ConvMaker];
  /** Number of blocks in each of the four stages, e.g. `[2, 2, 2, 2]` for 18 layers. */
  layers: readonly [number, number, number, number];
  /** Stem type: {@link BasicStem} or {@link R2Plus1dStem}. */
  stem: StemType;
}

/** Options of {@link VideoResNet} and {@link createVideoResNet}. */
export interface VideoResNetOptions {
  /** Classes of the final `fc` layer; `0` builds an encoder without `fc` (features only). Default 400 (Kinetics-400). */
  numClasses?: number;
  /**
   * Scales every channel count (stem, the 64/128/256/512 planes, the (2+1)D
   * stem's 45), rounded, at least 1: `0.25` gives a small fast variant.
   * torchvision weights only fit at 1. Default 1.
   */
  widthMultiplier?: number;
  /** `'batch'` (PyTorch `BatchNorm3d`, default) or `'group'` (`GroupNorm`, for micro-batches). */
  norm?: NormKind;
  /** Groups of group norm; a layer uses the largest divisor of its channels not above it. Default 32. */
  groups?: number;
  /** Input channels (3 for RGB; 1 for single-channel medical clips). Default 3. */
  inChannels?: number;
  /**
   * Prefix of the variable names (`<name>/layer1.0.conv1.0.weight`); made
   * unique among live models by appending `_<k>`. Default `<arch>_<k>`.
   */
  name?: string;
  /** Seed of the default torchvision-style initialisation. Default 0. */
  seed?: number;
  /** Custom initial values (tfjs layout); overrides the default initialisation. */
  initializer?: ParamInitializer;
}

/** Options of {@link VideoResNet.apply}. */
export interface ApplyOptions {
  /** Training mode: batch norm uses batch statistics and updates its running statistics. Default false. */
  training?: boolean;
  /** Also return the output of the stem and of each stage. Default false. */
  stages?: boolean;
}

/** Intermediate outputs of a video ResNet, channels last. */
export interface VideoResNetStages {
  /** Output of the stem `[N, T, H/2, W/2, C]`. */
  stem: tf.Tensor5D;
  /** Output of `layer1`. */
  layer1: tf.Tensor5D;
  /** Output of `layer2`. */
  layer2: tf.Tensor5D;
  /** Output of `layer3`. */
  layer3: tf.Tensor5D;
  /** Output of `layer4` (before pooling). */
  layer4: tf.Tensor5D;
}

/** What {@link VideoResNet.apply} returns; the caller owns (and disposes) every tensor. */
export interface VideoResNetOutput {
  /** Globally average-pooled `layer4` output `[N, featureDim]` (the vector that enters `fc`). */
  features: tf.Tensor2D;
  /** `fc(features)` `[N, numClasses]`; absent when `numClasses` is 0. */
  logits?: tf.Tensor2D;
  /** Stage outputs, when asked for with `stages: true`. */
  stages?: VideoResNetStages;
}

/** Options of {@link VideoResNet.loadStateDict}. */
export interface LoadStateDictOptions {
  /**
   * Throw when the model has parameters the entries lack or the entries have
   * names the model does not know (PyTorch's `strict`). Shape mismatches
   * always throw. Default true.
   */
  strict?: boolean;
}

/** What {@link VideoResNet.loadStateDict} did not match (PyTorch's `_IncompatibleKeys`). */
export interface LoadStateDictResult {
  /** Model parameters absent from the entries (left unchanged). */
  missingKeys: string[];
  /** Entry names the model does not have (ignored). */
  unexpectedKeys: string[];
}

const livePrefixes = new Set<string>();
const prefixCounters = new Map<string, number>();

function uniquePrefix(base: string, numbered: boolean): string {
  if (!numbered && !livePrefixes.has(base)) return base;
  let k = prefixCounters.get(base) ?? 0;
  let name: string;
  do name = `${base}_${++k}`;
  while (livePrefixes.has(name));
  prefixCounters.set(base, k);
  return name;
}

/**
 * A torchvision-style video ResNet (R3D, MC3, R(2+1)D) for tfjs, channels
 * last: input `[N, T, H, W, C]`. Variables are named
 * `<name>/<torchvision state_dict name>` and load from / save to torchvision
 * state dicts.
 */
export class VideoResNet {
  /** Architecture name (`r3d_18`, ...) or `'custom'`. */
  readonly arch: string;
  /** The generic ingredients this model was built from. */
  readonly spec: VideoResNetSpec;
  /** Unique prefix of this model's variable names. */
  readonly name: string;
  /** Number of classes of `fc` (0: no `fc`). */
  readonly numClasses: number;
  /** Width multiplier the model was built with. */
  readonly widthMultiplier: number;
  /** Normalisation kind. */
  readonly norm: NormKind;
  /** Input channels. */
  readonly inChannels: number;
  /** Length of the pooled feature vector (512 x expansion x width). */
  readonly featureDim: number;
  private readonly options: VideoResNetOptions;
  private readonly store: ParamStore;
  private readonly stem: Layer;
  private readonly stageLayers: Layer[][];
  private readonly fcWeight: tf.Variable | null;
  private readonly fcBias: tf.Variable | null;
  private disposed = false;

  /**
   * Builds a model from its ingredients, e.g.
   * `new VideoResNet({ block: BasicBlock, convMakers: [Conv3DSimple, Conv3DSimple, Conv3DSimple, Conv3DSimple], layers: [2, 2, 2, 2], stem: BasicStem })`.
   * @param arch architecture label recorded on the model (default `'custom'`)
   */
  constructor(spec: VideoResNetSpec, options: VideoResNetOptions = {}, arch = 'custom') {
    const numClasses = options.numClasses ?? 400;
    const width = options.widthMultiplier ?? 1;
    const inChannels = options.inChannels ?? 3;
    if (!Number.isInteger(numClasses) || numClasses < 0) throw new RangeError(`VideoResNet: numClasses must be an integer >= 0, got ${numClasses}`);
    if (!(width > 0) || !Number.isFinite(width)) throw new RangeError(`VideoResNet: widthMultiplier must be > 0, got ${width}`);
    if (!Number.isInteger(inChannels) || inChannels < 1) throw new RangeError(`VideoResNet: inChannels must be a positive integer, got ${inChannels}`);
    if (spec.layers.length !== 4 || spec.convMakers.length !== 4) throw new RangeError('VideoResNet: spec needs 4 stages (layers and convMakers)');
    const norm = options.norm ?? 'batch';
    if (norm !== 'batch' && norm !== 'group') throw new RangeError(`VideoResNet: norm must be 'batch' or 'group', got ${String(norm)}`);
    this.arch = arch;
    this.spec = spec;
    this.options = { ...options };
    this.numClasses = numClasses;
    this.widthMultiplier = width;
    this.norm = norm;
    this.inChannels = inChannels;
    this.name = options.name !== undefined ? uniquePrefix(options.name, false) : uniquePrefix(arch, true);
    livePrefixes.add(this.name);
    const store = new ParamStore(this.name, options.initializer ?? torchvisionInitializer(options.seed ?? 0));
    this.store = store;
    const ctx = { store, norm, groups: options.groups ?? 32 };
    const scale = (c: number): number => Math.max(1, Math.round(c * width));
    try {
      let inplanes = scale(64);
      this.stem = spec.stem.build(ctx, inChannels, inplanes, scale);
      const planesPerStage = [64, 128, 256, 512];
      this.stageLayers = [];
      for (let s = 0; s < 4; s++) {
        const planes = scale(planesPerStage[s] as number);
        const stride = s === 0 ? 1 : 2;
        const conv = spec.convMakers[s] as ConvMaker;
        const blocks: Layer[] = [];
        const outPlanes = planes * spec.block.expansion;
        const ds: Triple | null = stride !== 1 || inplanes !== outPlanes ? conv.downsampleStride(stride) : null;
        blocks.push(spec.block.build(ctx, `layer${s + 1}.0`, inplanes, planes, conv, stride, ds));
        inplanes = outPlanes;
        for (let b = 1; b < (spec.layers[s] as number); b++) blocks.push(spec.block.build(ctx, `layer${s + 1}.${b}`, inplanes, planes, conv, 1, null));
        this.stageLayers.push(blocks);
      }
      this.featureDim = inplanes;
      this.fcWeight = numClasses > 0 ? store.add('fc.weight', [numClasses, inplanes], 'linear', true) : null;
      this.fcBias = numClasses > 0 ? store.add('fc.bias', [numClasses], 'vector', true) : null;
    } catch (e) {
      for (const r of store.records.values()) r.variable.dispose();
      livePrefixes.delete(this.name);
      throw e;
    }
  }

  /** Trainable variables (convolution, norm affine and `fc` parameters), in torchvision order. */
  get trainableVariables(): tf.Variable[] {
    return [...this.store.records.values()].filter((r) => r.trainable).map((r) => r.variable);
  }

  /** Non-trainable variables: batch-norm running means and variances, then the int32 `num_batches_tracked` counters. */
  get nonTrainableVariables(): tf.Variable[] {
    return [...[...this.store.records.values()].filter((r) => !r.trainable).map((r) => r.variable), ...[...this.store.batchCounters.values()].map((c) => c.variable)];
  }

  /** Number of trainable parameters (PyTorch's `sum(p.numel() for p in model.parameters())`). */
  get parameterCount(): number {
    let n = 0;
    for (const r of this.store.records.values()) if (r.trainable) n += r.variable.size;
    return n;
  }

  /** The variable of a torchvision parameter name (e.g. `fc.weight`), if the model has it. */
  getVariable(torchName: string): tf.Variable | undefined {
    return this.store.records.get(torchName)?.variable;
  }

  /** torchvision names of every parameter and running statistic, in order. */
  get parameterNames(): string[] {
    return [...this.store.records.keys()];
  }

  /**
   * Runs the network on a channels-last clip batch `[N, T, H, W, C]`. In
   * training mode batch norm normalises with batch statistics and updates its
   * running statistics (momentum 0.1, unbiased variance) by `assign`.
   */
  apply(x: tf.Tensor5D, options: ApplyOptions = {}): VideoResNetOutput {
    this.assertLive();
    tf.util.assert(x.rank === 5, () => `VideoResNet.apply: expected a rank-5 [N, T, H, W, C] input, got shape [${x.shape}]`);
    tf.util.assert(x.shape[4] === this.inChannels, () => `VideoResNet.apply: expected ${this.inChannels} channels last, got shape [${x.shape}]`);
    const training = options.training ?? false;
    return tf.tidy(() => {
      const input = x.dtype === 'float32' ? x : (tf.cast(x, 'float32') as tf.Tensor5D);
      const stem = this.stem.apply(input, training);
      let y = stem;
      const outs: tf.Tensor5D[] = [];
      for (const blocks of this.stageLayers) {
        for (const b of blocks) y = b.apply(y, training);
        outs.push(y);
      }
      const features = tf.mean(y, [1, 2, 3]) as tf.Tensor2D;
      const result: VideoResNetOutput = { features };
      if (this.fcWeight && this.fcBias) result.logits = tf.add(tf.matMul(features, this.fcWeight as tf.Tensor2D), this.fcBias) as tf.Tensor2D;
      if (options.stages) {
        const [layer1, layer2, layer3, layer4] = outs as [tf.Tensor5D, tf.Tensor5D, tf.Tensor5D, tf.Tensor5D];
        result.stages = { stem, layer1, layer2, layer3, layer4 };
      }
      return result as unknown as tf.TensorContainer;
    }) as unknown as VideoResNetOutput;
  }

  /**
   * The torchvision `state_dict` of the model: every parameter and running
   * statistic in PyTorch layout (float32), plus `num_batches_tracked` (int64
   * scalars) of each batch norm. Reads the variables with synchronous
   * downloads; on backends that cannot (webgpu in Node) use
   * {@link VideoResNet.stateDictAsync}.
   */
  stateDict(): StateDict {
    this.assertLive();
    return this.toStateDict((v) => v.dataSync() as Float32Array | Int32Array);
  }

  /**
   * {@link VideoResNet.stateDict} with every variable read back
   * asynchronously (`await data()`, all downloads in flight at once): the
   * export path for GPU backends. Same result as `stateDict`.
   */
  async stateDictAsync(): Promise<StateDict> {
    this.assertLive();
    const vars = [...[...this.store.records.values()].map((r) => r.variable), ...[...this.store.batchCounters.values()].map((c) => c.variable)];
    const values = await Promise.all(vars.map((v) => v.data() as Promise<Float32Array | Int32Array>));
    const byVar = new Map(vars.map((v, i) => [v, values[i] as Float32Array | Int32Array]));
    return this.toStateDict((v) => byVar.get(v) as Float32Array | Int32Array);
  }

  private toStateDict(read: (v: tf.Variable) => Float32Array | Int32Array): StateDict {
    const out: StateDict = {};
    for (const r of this.store.records.values()) {
      const values = read(r.variable) as Float32Array;
      const data = r.kind === 'conv' ? tfToTorchConv3d(values, r.variable.shape) : r.kind === 'linear' ? transpose2d(values, r.variable.shape) : Float32Array.from(values);
      out[r.torchName] = { shape: r.torchShape.slice(), dtype: 'float32', data };
      if (r.torchName.endsWith('.running_var')) {
        const bn = r.torchName.slice(0, -'.running_var'.length);
        out[`${bn}.num_batches_tracked`] = { shape: [], dtype: 'int64', data: BigInt64Array.of(BigInt(read(this.store.counter(bn).variable)[0] as number)) };
      }
    }
    return out;
  }

  /**
   * Loads torchvision `state_dict` entries (PyTorch layout, any float dtype)
   * into the model. A `module.` prefix on every name (DataParallel) is
   * stripped. Nothing is changed when it throws.
   */
  loadStateDict(entries: Record<string, TensorEntryLike> | Map<string, TensorEntryLike>, options: LoadStateDictOptions = {}): LoadStateDictResult {
    this.assertLive();
    const strict = options.strict ?? true;
    let list = stateDictEntries(entries);
    if (list.length > 0 && list.every(([k]) => k.startsWith('module.'))) list = list.map(([k, v]) => [k.slice('module.'.length), v]);
    const given = new Map(list);
    const missingKeys: string[] = [];
    const unexpectedKeys: string[] = [];
    const updates: [ParamRecord, Float32Array][] = [];
    const counters: [string, number][] = [];
    const errors: string[] = [];
    for (const r of this.store.records.values()) {
      const e = given.get(r.torchName);
      if (!e) {
        missingKeys.push(r.torchName);
        continue;
      }
      if (!tf.util.arraysEqual([...e.shape], r.torchShape)) {
        errors.push(`size mismatch for ${r.torchName}: copying a param with shape [${e.shape.join(', ')}], the shape in the current model is [${r.torchShape.join(', ')}]`);
        continue;
      }
      if (e.data.length !== numel(r.torchShape)) {
        errors.push(`${r.torchName}: ${e.data.length} elements for shape [${e.shape.join(', ')}]`);
        continue;
      }
      const src = e.data instanceof Float32Array ? e.data : toFloat32(e.data);
      const data = r.kind === 'conv' ? torchToTfConv3d(src, r.torchShape) : r.kind === 'linear' ? transpose2d(src, r.torchShape) : Float32Array.from(src);
      updates.push([r, data]);
    }
    const bnNames = new Set(this.store.batchCounters.keys());
    for (const [k, e] of list) {
      if (this.store.records.has(k)) continue;
      if (k.endsWith('.num_batches_tracked') && bnNames.has(k.slice(0, -'.num_batches_tracked'.length))) {
        const v = e.data[0];
        counters.push([k.slice(0, -'.num_batches_tracked'.length), v === undefined ? 0 : Number(v)]);
        continue;
      }
      unexpectedKeys.push(k);
    }
    if (strict && (missingKeys.length || unexpectedKeys.length)) {
      if (missingKeys.length) errors.push(`Missing key(s) in state_dict: ${missingKeys.join(', ')}`);
      if (unexpectedKeys.length) errors.push(`Unexpected key(s) in state_dict: ${unexpectedKeys.join(', ')}`);
    }
    if (errors.length) throw new WeightsError(this.name, 'state-dict', `error(s) in loading state_dict for ${this.arch}: ${errors.join('; ')}`);
    tf.tidy(() => {
      for (const [r, data] of updates) r.variable.assign(tf.tensor(data, r.variable.shape, 'float32'));
    });
    for (const [bn, c] of counters) this.store.counter(bn).count = c;
    return { missingKeys, unexpectedKeys };
  }

  /**
   * A new model of the same architecture and options with copied weights,
   * running statistics and counters, under a new unique variable prefix
   * (`name`, default derived from this model's name).
   */
  clone(name?: string): VideoResNet {
    this.assertLive();
    const records = this.store.records;
    const copy = new VideoResNet(this.spec, { ...this.options, name: name ?? this.name, initializer: (torchName) => tf.clone((records.get(torchName) as ParamRecord).variable) }, this.arch);
    // Copied on the device: no read-back (webgpu cannot read synchronously).
    for (const [bn, c] of this.store.batchCounters) copy.store.counter(bn).variable.assign(c.variable);
    return copy;
  }

  /** Disposes every variable; the model cannot be used afterwards. */
  dispose(): void {
    if (this.disposed) return;
    for (const r of this.store.records.values()) r.variable.dispose();
    for (const c of this.store.batchCounters.values()) c.variable.dispose();
    livePrefixes.delete(this.name);
    this.disposed = true;
  }

  private assertLive(): void {
    if (this.disposed) throw new Error(`VideoResNet ${this.name} has been disposed`);
  }
}
