import { defineConfig } from 'vitest/config';

/**
 * Shared vitest settings: sibling packages resolve to their TypeScript
 * sources through the `@byolmed3d/source` export condition, so tests need no
 * prior build and always see the current code.
 */
export const sharedConfig = defineConfig({
  resolve: { conditions: ['@byolmed3d/source', 'import', 'module', 'node', 'default'] },
  ssr: { resolve: { conditions: ['@byolmed3d/source', 'import', 'module', 'node', 'default'] } },
  test: { ...nodeTest(120_000), pool: 'forks' },
});

/**
 * Settings for suites that must see the packages as users get them (their
 * built `dist/`, no source condition): the install test and the browser
 * example. `timeoutMs` bounds each test and hook.
 */
export function publishedConfig(timeoutMs: number): ReturnType<typeof defineConfig> {
  return defineConfig({ test: nodeTest(timeoutMs) });
}

function nodeTest(timeoutMs: number): { environment: 'node'; testTimeout: number; hookTimeout: number; reporters: string[]; outputFile: { json: string } } {
  return { environment: 'node', testTimeout: timeoutMs, hookTimeout: timeoutMs, reporters: ['default', 'json'], outputFile: { json: '.vitest/results.json' } };
}
