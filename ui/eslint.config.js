// Lint rules for the UI sources: typed TypeScript checks plus the React hooks rules.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

// Loaded with `--config` from the repo root, so patterns are anchored to this folder explicitly.
const here = import.meta.dirname;

export default defineConfig(
  { basePath: here, ignores: ['dist/**'] },
  {
    basePath: here,
    files: ['src/**/*.{ts,tsx}'],
    extends: [js.configs.recommended, ...tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: {
        project: './tsconfig.json',
        tsconfigRootDir: here,
      },
    },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      // Event handlers may start a mutation without awaiting it; the mutation owns its errors.
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { attributes: false } }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // The fixed IPC contract rejects with plain AppError objects by design (they cross from Rust as JSON).
    basePath: here,
    files: ['src/api/ipc.ts'],
    rules: { '@typescript-eslint/only-throw-error': 'off' },
  },
  {
    // ts-rs writes these from Rust: `Cell` is `null | number | number | string` (i64 and f64).
    basePath: here,
    files: ['src/api/generated/**'],
    rules: { '@typescript-eslint/no-duplicate-type-constituents': 'off' },
  },
);
