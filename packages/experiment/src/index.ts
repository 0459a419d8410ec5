/**
 * The `byolmed3d` experiment: backend selection, the CLI and (as they land)
 * the pretraining, fine-tuning and reporting pipeline.
 * @packageDocumentation
 */
export { selectBackend } from './backend/select.js';
export type { BackendChoice, SelectBackendOptions, SelectedBackend } from './backend/select.js';
export { main, commands } from './cli.js';
export type { Command } from './cli.js';
