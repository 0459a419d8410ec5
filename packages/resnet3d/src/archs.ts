import { BasicBlock, BasicStem, Bottleneck, Conv2Plus1D, Conv3DNoTemporal, Conv3DSimple, R2Plus1dStem } from './blocks.js';
import { VideoResNet, type VideoResNetOptions, type VideoResNetSpec } from './video-resnet.js';

/** Names of the built-in architectures. */
export type VideoResNetArch = 'r3d_18' | 'mc3_18' | 'r2plus1d_18' | 'r3d_34' | 'r3d_50';

/**
 * The built-in architectures. `r3d_18`, `mc3_18` and `r2plus1d_18` are
 * torchvision's (`torchvision.models.video`); `r3d_34` (BasicBlock,
 * `[3, 4, 6, 3]`) and `r3d_50` (Bottleneck, `[3, 4, 6, 3]`) are the deeper
 * R3D networks of Hara et al. built from the same torchvision parts.
 */
export const ARCHITECTURES: Readonly<Record<VideoResNetArch, VideoResNetSpec>> = {
  r3d_18: { block: BasicBlock, convMakers: [Conv3DSimple, Conv3DSimple, Conv3DSimple, Conv3DSimple], layers: [2, 2, 2, 2], stem: BasicStem },
  mc3_18: { block: BasicBlock, convMakers: [Conv3DSimple, Conv3DNoTemporal, Conv3DNoTemporal, Conv3DNoTemporal], layers: [2, 2, 2, 2], stem: BasicStem },
  r2plus1d_18: { block: BasicBlock, convMakers: [Conv2Plus1D, Conv2Plus1D, Conv2Plus1D, Conv2Plus1D], layers: [2, 2, 2, 2], stem: R2Plus1dStem },
  r3d_34: { block: BasicBlock, convMakers: [Conv3DSimple, Conv3DSimple, Conv3DSimple, Conv3DSimple], layers: [3, 4, 6, 3], stem: BasicStem },
  r3d_50: { block: Bottleneck, convMakers: [Conv3DSimple, Conv3DSimple, Conv3DSimple, Conv3DSimple], layers: [3, 4, 6, 3], stem: BasicStem },
};

/**
 * Creates a built-in video ResNet, e.g. `createVideoResNet('r3d_18', { numClasses: 0 })`
 * for an encoder giving 512-d features, or `{ widthMultiplier: 0.25, norm: 'group' }`
 * for a small model trained on micro-batches.
 */
export function createVideoResNet(arch: VideoResNetArch, options: VideoResNetOptions = {}): VideoResNet {
  const spec = (ARCHITECTURES as Record<string, VideoResNetSpec | undefined>)[arch];
  if (!spec) throw new RangeError(`createVideoResNet: unknown architecture '${String(arch)}' (known: ${Object.keys(ARCHITECTURES).join(', ')})`);
  return new VideoResNet(spec, options, arch);
}
