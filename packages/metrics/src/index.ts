/**
 * Classification metrics on plain typed arrays.
 * @packageDocumentation
 */
export { rocAuc } from './auc.js';
