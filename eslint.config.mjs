import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

const layers = [
  ['type:domain', ['type:domain', 'type:contracts']],
  ['type:contracts', ['type:contracts']],
  ['type:infra', ['type:infra', 'type:contracts']],
  ['type:testing', ['type:infra', 'type:contracts', 'type:domain', 'type:testing']],
  ['type:app', ['type:infra', 'type:contracts', 'type:domain']],
  ['type:bench', ['type:infra', 'type:contracts', 'type:domain', 'type:testing', 'type:app']],
];
/** Module boundaries; specs (and only specs) may also use the test helpers. */
const boundaries = (forSpecs) => [
  'error',
  {
    allow: [],
    depConstraints: layers.map(([sourceTag, tags]) => ({
      sourceTag,
      onlyDependOnLibsWithTags: forSpecs ? [...new Set([...tags, 'type:testing'])] : tags,
    })),
  },
];

export default [
  { ignores: ['**/node_modules/**', '**/dist/**', '**/.nx/**', '**/coverage/**', '**/*.cjs', '**/*.mjs'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    // NestJS injects by the constructor's parameter types (decorator metadata): tell the
    // type-import rule so it does not turn those imports into `import type`, which erases them.
    languageOptions: { parserOptions: { emitDecoratorMetadata: true, experimentalDecorators: true } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false }],
      'no-console': 'error',
      '@nx/enforce-module-boundaries': boundaries(false),
    },
  },
  {
    // Only tests (and benchmarks) may use the test helpers.
    files: ['apps/**/*.ts', 'libs/**/*.ts'],
    ignores: ['**/*.spec.ts', '**/fixtures/**', 'libs/testing/**'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: '@outcomes/testing', message: 'test helpers are for *.spec.ts files only' }] }],
    },
  },
  {
    files: ['**/*.spec.ts', '**/fixtures/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts'],
    rules: {
      'no-console': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@nx/enforce-module-boundaries': boundaries(true),
    },
  },
];
