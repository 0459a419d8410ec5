/**
 * Video ResNets for tfjs with torchvision-compatible weights.
 * @packageDocumentation
 */
export { torchToTfConv3d } from './layout.js';
