/**
 * The project's shared helpers, browser-safe (no Node, no tfjs): the one
 * seeded random generator ({@link Random}), FNV-1a and SHA-256 hashing, and
 * the error class. Node-only file helpers (atomic writes, stale temp
 * clean-up, JSON reading that names the file) are in `@byolmed3d/util/node`.
 *
 * @packageDocumentation
 */
export type { UtilErrorReason } from './errors.js';
export { ByolMed3dError, ByolMed3dFileError, UtilError } from './errors.js';
export { fnv1a32, sha256, sha256Hex } from './hash.js';
export type { RandomSnapshot, Seed, Shuffleable } from './random.js';
export { Random } from './random.js';
