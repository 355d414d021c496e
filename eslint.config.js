// Type-aware lint for the whole tree. Formatting is prettier's (npm run format); this file keeps
// to rules about correctness, plus the line length prettier cannot enforce (long strings, comments).
import js from '@eslint/js'
import prettier from 'eslint-config-prettier'
import globals from 'globals'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  {ignores: ['dist/', 'node_modules/', 'coverage/', '.scratch/', 'supabase/functions/', 'test/fixtures/']},
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  prettier,
  {
    languageOptions: {
      globals: {...globals.node},
      parserOptions: {
        projectService: {allowDefaultProject: ['*.js', 'bin/*.js', 'test/support/*.mjs']},
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', {considerDefaultExhaustiveForUnions: true}],
      '@typescript-eslint/consistent-type-imports': ['error', {fixStyle: 'inline-type-imports'}],
      '@typescript-eslint/no-unused-vars': [
        'error',
        {argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true},
      ],
      // An interface's async method may have nothing to await in one implementation.
      '@typescript-eslint/require-await': 'off',
      'max-len': ['error', {code: 140, ignoreUrls: true, ignoreRegExpLiterals: true}],
    },
  },
  {
    // Tests assert on parsed JSON documents; `any` there is the point of the assertion.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      // Given/When/Then test names and SQL in template literals read best on one line.
      'max-len': [
        'error',
        {
          code: 140,
          ignoreUrls: true,
          ignoreTemplateLiterals: true,
          ignorePattern: '^\\s*(it|test|describe)(\\.\\w+)*\\(',
        },
      ],
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
)
