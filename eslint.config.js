// Lint rules that hold the architecture: no import cycles, type-only imports marked, no
// reaching into another package's internals, and plugins that touch the world only through
// `ctx` (no fs, child_process, net or http of their own). `npm run lint` runs it in CI.
import importX from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

const SOURCES = ['core/src/**/*.ts', 'compiler/src/**/*.ts', 'cli/src/**/*.ts', 'testing/src/**/*.ts', 'plugins/*/src/**/*.ts'];

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'fixtures/**', 'bench/out/**', '**/.tmp-*/**'] },
  {
    files: SOURCES,
    languageOptions: { parser: tseslint.parser, parserOptions: { ecmaVersion: 2023, sourceType: 'module' } },
    plugins: { '@typescript-eslint': tseslint.plugin, 'import-x': importX },
    settings: { 'import-x/extensions': ['.ts'], 'import-x/resolver': { node: { extensions: ['.ts', '.js'] } } },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-self-import': 'error',
      'no-control-regex': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { prefer: 'type-imports', fixStyle: 'inline-type-imports', disallowTypeAnnotations: false }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['@rustchain/*/src', '@rustchain/*/src/*', '@rustchain/*/dist/*'], message: 'import a package by its public entry, never its internals' },
          { group: ['../../core/*', '../../compiler/*', '../../cli/*', '../../../core/*'], message: 'packages never import each other by path' },
        ],
      }],
    },
  },
  {
    files: ['plugins/*/src/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: ['fs', 'node:fs', 'fs/promises', 'node:fs/promises', 'child_process', 'node:child_process', 'net', 'node:net', 'http', 'node:http', 'https', 'node:https', 'tls', 'node:tls', 'dgram', 'node:dgram']
          .map((name) => ({ name, allowTypeImports: true, message: 'plugins reach files, processes and the network only through ctx (the policy-guarded capabilities)' }))
          .concat([{ name: '@rustchain/core', allowTypeImports: false, message: 'plugins import the SDK: @rustchain/core/plugin' }]),
      }],
    },
  },
);
