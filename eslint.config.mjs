import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'coverage/**',
      '.data/**',
      'test-output/**',
      '**/*.js',
      '**/*.mjs',
      // The board's browser modules are source, not build output: lint them.
      '!apps/api/board/*.js',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    languageOptions: { parserOptions: { projectService: false } },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'off',
      'no-console': ['error', { allow: ['error'] }],
    },
  },
  {
    files: ['libs/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: ['@nestjs/*', 'typeorm', 'bullmq', 'ioredis', 'pg', '@taperwatch/*'] },
      ],
    },
  },
  {
    // libs/plans (a plan writes its dose rows) and libs/supply (the schedule) depend on libs/doses:
    // an import back would be a cycle between libraries.
    files: ['libs/doses/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: ['@taperwatch/plans', '@taperwatch/supply', '@taperwatch/cds-hooks'] },
      ],
    },
  },
  {
    files: ['apps/api/board/*.js'],
    languageOptions: {
      sourceType: 'module',
      // The browser globals the board uses (no `globals` package needed for a handful).
      globals: Object.fromEntries(
        [
          'AbortController',
          'DOMParser',
          'Intl',
          'TextDecoderStream',
          'URL',
          'URLSearchParams',
          'crypto',
          'document',
          'fetch',
          'history',
          'location',
          'sessionStorage',
          'setTimeout',
          'clearTimeout',
          'setInterval',
          'clearInterval',
          'window',
        ].map((name) => [name, 'readonly']),
      ),
    },
  },
  {
    files: ['bench/**/*.ts', 'scripts/**/*.ts', 'apps/taperwatch/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
);
