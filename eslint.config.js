// Lint rules for every package: typescript-eslint's recommended set plus the
// house rules of DESIGN.md (no backend imports in libraries, no relative
// imports across packages).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'docs/api/**', '**/.vitest/**', '**/build/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
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
