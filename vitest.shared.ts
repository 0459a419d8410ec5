import { defineConfig } from 'vitest/config';

/**
 * Shared vitest settings: sibling packages resolve to their TypeScript
 * sources through the `@byolmed3d/source` export condition, so tests need no
 * prior build and always see the current code.
 */
export const sharedConfig = defineConfig({
  resolve: { conditions: ['@byolmed3d/source', 'import', 'module', 'node', 'default'] },
  ssr: { resolve: { conditions: ['@byolmed3d/source', 'import', 'module', 'node', 'default'] } },
  test: {
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    reporters: ['default', 'json'],
    outputFile: { json: '.vitest/results.json' },
  },
});
