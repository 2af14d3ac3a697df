// The linter: typescript-eslint's recommended rules without type information (no type-aware
// rules, so a lint run parses but does not type-check and stays fast; `tsc` checks the types).
// eslint-config-prettier comes last and turns off every rule that the formatter decides.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'out/', 'test/fixtures/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2022, sourceType: 'module', globals: { ...globals.node } },
    rules: {
      // `_`-prefixed names are deliberately unused (callback positions, destructuring rests).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true },
      ],
      // Off: it flags the edge pattern `let x = fallback; try { x = read() } catch { … return }`,
      // where the fallback documents the value on every path; tsc already rejects a read of an
      // unassigned variable.
      'no-useless-assignment': 'off',
    },
  },
  prettier,
);
