// Lint rules for every package: typescript-eslint's recommended set plus the
// house rules of DESIGN.md (no backend imports in libraries, no relative
// imports across packages). The same rules cover the Node scripts outside the
// packages' src/test (examples, tools, package scripts and benches, the CLI
// bin): the root `npm run lint:scripts`.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Node's globals for the ES-module scripts, written out rather than taken from
// the `globals` package (only installed here as a dependency of
// @eslint/eslintrc, not one of ours). CommonJS's `require`, `module`,
// `exports`, `__dirname` and `__filename` are left out on purpose: they are
// undefined in an ES module, so using one is an error worth reporting.
const nodeEsmGlobals = Object.fromEntries(
  [
    'AbortController', 'AbortSignal', 'atob', 'Blob', 'BroadcastChannel', 'btoa', 'Buffer', 'ByteLengthQueuingStrategy',
    'clearImmediate', 'clearInterval', 'clearTimeout', 'CompressionStream', 'console', 'CountQueuingStrategy', 'crypto',
    'Crypto', 'CryptoKey', 'CustomEvent', 'DecompressionStream', 'DOMException', 'Event', 'EventTarget', 'fetch', 'File',
    'FormData', 'global', 'globalThis', 'Headers', 'Intl', 'MessageChannel', 'MessageEvent', 'MessagePort', 'navigator',
    'performance', 'PerformanceEntry', 'PerformanceMark', 'PerformanceMeasure', 'PerformanceObserver',
    'PerformanceObserverEntryList', 'PerformanceResourceTiming', 'process', 'queueMicrotask', 'ReadableByteStreamController',
    'ReadableStream', 'ReadableStreamBYOBReader', 'ReadableStreamBYOBRequest', 'ReadableStreamDefaultController',
    'ReadableStreamDefaultReader', 'Request', 'Response', 'setImmediate', 'setInterval', 'setTimeout', 'structuredClone',
    'SubtleCrypto', 'TextDecoder', 'TextDecoderStream', 'TextEncoder', 'TextEncoderStream', 'TransformStream',
    'TransformStreamDefaultController', 'URL', 'URLSearchParams', 'WebAssembly', 'WritableStream',
    'WritableStreamDefaultController', 'WritableStreamDefaultWriter',
  ].map((name) => [name, 'readonly']),
);

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'docs/api/**', '**/.vitest/**', '**/build/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // Scripts run by node as ES modules (the .mts are type-checked by tsc, which knows Node's globals).
    files: ['**/*.mjs', 'packages/*/bin/*.js', 'eslint.config.js'],
    languageOptions: { sourceType: 'module', globals: nodeEsmGlobals },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['../../*/src/*', '../../../packages/*'], message: 'Import sibling packages by name (@byolmed3d/...).' },
          ],
        },
      ],
    },
  },
  {
    // Library sources never choose a tfjs backend: experiment, tests and benches do.
    files: ['packages/*/src/**/*.ts'],
    ignores: ['packages/experiment/src/**', 'packages/tfjs-onednn/src/**', 'packages/tfjs-portable/src/**', 'packages/tfjs-webgpu/src/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@tensorflow/tfjs-backend-*', '@tensorflow/tfjs-node*', '@tensorflow/tfjs'], message: 'Library packages take @tensorflow/tfjs-core only; backends are chosen by the experiment.' },
            { group: ['../../*/src/*'], message: 'Import sibling packages by name (@byolmed3d/...).' },
          ],
        },
      ],
    },
  },
);
