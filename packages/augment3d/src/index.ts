/**
 * Seeded, clip-consistent augmentations for medical videos.
 * @packageDocumentation
 */
export { RandomState } from './random.js';
