// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const SOURCES = ['packages/*/src/**/*.ts'];

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      'coverage/**',
      '.vectorcache/**',
      '**/*.d.ts',
      '.stryker-tmp/**',
      'reports/**',
      'docs/api/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        require: 'readonly',
        module: 'writable',
        __dirname: 'readonly',
        __filename: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        setImmediate: 'readonly',
        URL: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  // The packages' sources: type-aware, strict. The root tsconfig maps `@vectorcache/*` to the
  // sources, so linting needs no build.
  ...tseslint.configs.strictTypeChecked.map((config) => ({ ...config, files: SOURCES })),
  {
    files: SOURCES,
    languageOptions: {
      parserOptions: { project: './tsconfig.json', tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/no-require-imports': 'off',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      // Options, headers and records come from JavaScript callers and stores too: they are
      // checked at run time whatever their declared types say.
      '@typescript-eslint/no-unnecessary-condition': 'off',
      // Stores implement a Promise interface with `async` methods so that a synchronous throw
      // becomes a rejection, awaited or not.
      '@typescript-eslint/require-await': 'off',
      // Hooks may return nothing (`FailureOverride | void`), as users write them.
      '@typescript-eslint/no-invalid-void-type': 'off',
      // Style only: `() => void promise` and one-line arrow bodies read better here.
      '@typescript-eslint/no-confusing-void-expression': 'off',
      // Optional parts checked once at construction are asserted on the hot path.
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    files: ['**/test/**', 'test/**', 'test-utils/**', 'bench/**', 'scripts/**'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
);
