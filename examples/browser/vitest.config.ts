import { publishedConfig } from '../../vitest.shared.js';

export default publishedConfig(300_000);
