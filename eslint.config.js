// `npm run lint`: type-aware TypeScript rules (a floating promise is a crash waiting to happen)
// and React's hook rules for the editor. Python (gpu-services/) is linted by flake8, see package.json.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  {
    ignores: ['node_modules/', 'dist/', 'editor/dist/', 'data/', 'test-artifacts/', 'scratch/', 'o/', 'gpu-services/'],
  },
  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
  },
  js.configs.recommended,
  { files: ['**/*.ts', '**/*.tsx'], extends: [tseslint.configs.recommendedTypeChecked] },
  {
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // The three that catch unhandled rejections and promises used as booleans or callbacks.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      // A node's `run` is async by contract even when it has nothing to await.
      '@typescript-eslint/require-await': 'off',
      // Rejecting with an AbortSignal's `reason` (typed any) is how the platform itself cancels.
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingAny: true }],
      // Factories here (and @hono/node-ws's createNodeWebSocket) return closures typed with method
      // shorthand; destructuring them is safe, and the rule cannot tell them from `this`-using methods.
      '@typescript-eslint/unbound-method': 'off',
      // `_`-prefixed names are deliberately unused (a parameter kept for its position).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // JSON from the wire, SDK responses and browser globals are untyped by nature; `any` there is
      // checked by zod or by the tests, so these rules would only add casts.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
    },
  },
  {
    files: ['editor/src/**/*.{ts,tsx}'],
    extends: [reactHooks.configs.flat.recommended],
    languageOptions: { globals: globals.browser },
    rules: {
      // React Compiler rules: the editor does not use the compiler, and its effects that load data
      // and then set state (with a cancelled flag) are React's documented pattern for that.
      'react-hooks/set-state-in-effect': 'off',
      'react-hooks/refs': 'off',
      'react-hooks/immutability': 'off',
    },
  },
  {
    files: ['**/*.js'],
    languageOptions: { globals: globals.node },
  },
  // bin/ is CommonJS (bin/package.json): the `atelier` entry skips Node's ES module loader.
  {
    files: ['bin/**/*.js'],
    languageOptions: { sourceType: 'commonjs' },
  },
);
