// Lint configuration (run from the project root: npm run lint).
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', '.cache/**', 'node_modules/**', 'test/artifacts/**', '**/*.mjs', '**/*.js', '**/*.generated.ts'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // The engine is pure (STYLE.md principle 1): no editor, protocol, file system or process access.
    files: ['server/src/engine/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ['vscode', 'fs', 'path', 'child_process', 'os', 'net', 'http', 'https', 'worker_threads', 'process'].map((name) => ({
            name,
            message: 'The engine is pure: no I/O, editor or protocol imports (STYLE.md).',
          })),
          patterns: [
            { group: ['node:*', 'vscode-languageserver*', 'vscode-languageclient*', 'vscode-jsonrpc*'], message: 'The engine is pure: no Node built-ins or LSP types (STYLE.md).' },
            { group: ['**/lsp/**', '**/cli/**', '**/host/**', '**/client/**'], message: 'The engine must not depend on its surfaces.' },
          ],
        },
      ],
      'no-restricted-globals': ['error', 'process', 'require', '__dirname', 'Buffer', 'setTimeout', 'setInterval'],
    },
  },
);
