/**
 * BYOL, SimSiam and SimCLR objectives for tfjs encoders.
 * @packageDocumentation
 */
export { byolLoss } from './loss.js';
