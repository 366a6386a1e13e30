// Lint: the recommended rules, type-aware where they catch real bugs (floating promises,
// misused promises), and DESIGN.md's rule that src/core imports nothing outside core.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'eslint.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', ignoreRestSiblings: true }],
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { regex: '^(?!\\./|\\.\\./)', message: 'src/core imports nothing outside core, not even a package (DESIGN.md section 3).' },
        { regex: '^\\.\\./\\.\\.', message: 'src/core imports nothing outside core (DESIGN.md section 3).' },
      ] }],
      'no-restricted-globals': ['error', 'Date', 'performance', 'setTimeout', 'setInterval', 'setImmediate', 'process'],
      'no-restricted-properties': ['error', { object: 'Math', property: 'random', message: 'randomness enters as a seed (DESIGN.md section 1).' }],
      'no-restricted-syntax': ['error', {
        selector: 'ExportNamedDeclaration > VariableDeclaration > VariableDeclarator[init.type=/^(Literal|UnaryExpression|BinaryExpression)$/]',
        message: 'export numbers from src/core as a const enum member: an imported const is a live binding that V8 loads and checks at every use (see Hot in orders.ts).',
      }],
    },
  },
  {
    files: ['bin/**/*.js', 'bench/**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
);
