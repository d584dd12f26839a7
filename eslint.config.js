// ESLint (flat config, typescript-eslint). `npm run lint`, run by scripts/test.sh before the tests.
// Errors are kept for rules that catch real bugs (a lost promise, unreachable or self-comparing
// code, a switch falling through); the rest of the recommended sets only warn, so CI fails on
// bugs, not on taste. Formatting is prettier's job (npm run format).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** The recommended rules, each downgraded from error to warning. */
const warnOnly = (configs) => configs.map((c) => (c.rules ? { ...c, rules: Object.fromEntries(Object.entries(c.rules).map(([k, v]) => [k, asWarning(v)])) } : c));
const asWarning = (v) => {
  const level = Array.isArray(v) ? v[0] : v;
  if (level === 'off' || level === 0) return v;
  return Array.isArray(v) ? ['warn', ...v.slice(1)] : 'warn';
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.fleet/**', 'test/fixtures/**'] },
  ...warnOnly([js.configs.recommended, ...tseslint.configs.recommended]),
  {
    files: ['**/*.ts'],
    languageOptions: {
      // One program for src, bench, test and scripts (tsconfig.test.json), as the type check uses.
      parserOptions: { project: './tsconfig.test.json', tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // A promise nobody awaits loses its error (and in a runner, a host's failure).
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/await-thenable': 'error',
    },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['warn', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
      'no-self-compare': 'error',
      'no-fallthrough': 'error',
      'no-unreachable': 'error',
      'no-dupe-keys': 'error',
      'no-dupe-else-if': 'error',
      'no-unsafe-finally': 'error',
      'no-constant-condition': ['error', { checkLoops: false }],
      'no-undef': 'off', // TypeScript checks names; .mjs scripts get their globals below
      // Deliberate in this codebase.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
);
