/**
 * Read medical videos and volumes into `[T, H, W, C]` clips.
 * @packageDocumentation
 */
export { VideoReadError } from './errors.js';
export type { VideoFormat } from './errors.js';
