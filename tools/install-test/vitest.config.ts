import { publishedConfig } from '../../vitest.shared.js';

export default publishedConfig(600_000);
