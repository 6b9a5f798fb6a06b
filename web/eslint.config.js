// ESLint for every JavaScript file of the repository (scripts/lint.sh): the
// recommended rules, the globals of the context each folder runs in.
import js from '@eslint/js';
import globals from 'globals';

const unused = ['error', { argsIgnorePattern: '^_', ignoreRestSiblings: true, caughtErrors: 'none' }];

export default [
  { ignores: ['build/**', 'web/node_modules/**', 'web/vendor/**'] },
  js.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2024, sourceType: 'module' },
    rules: { 'no-unused-vars': unused },
  },
  { files: ['web/page/**', 'web/shared/**'], languageOptions: { globals: { ...globals.browser } } },
  {
    files: ['web/worker/**', 'web/*.js', 'web/wasm/**'],
    languageOptions: { globals: { ...globals.worker, ...globals.browser } },
  },
  {
    files: ['scripts/**', 'tests/**', 'wasm/**'],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
  },
];
