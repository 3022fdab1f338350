// Tests are split by suffix (*.unit.spec.ts needs nothing; *.int.spec.ts and *.e2e.spec.ts
// talk to a real PostgreSQL that globalSetup starts once per run; *.kafka.spec.ts also get a real
// Kafka broker, started by their own globalSetup; *.oidc.spec.ts get a real OpenID provider, Keycloak;
// *.browser.spec.ts drive Debian's Chromium against the built web app, with the same PostgreSQL).
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
    },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  },
];

const common = {
  rootDir: __dirname,
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': swc },
  moduleNameMapper: { '^@tip/(.*)$': '<rootDir>/libs/$1/src/index.ts' },
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '/data/'],
};

module.exports = {
  testTimeout: 30_000,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs,test}/**/*.unit.spec.ts'] },
    {
      ...common,
      displayName: 'int',
      testMatch: ['<rootDir>/{apps,libs,test}/**/*.{int,e2e}.spec.ts'],
      globalSetup: '<rootDir>/libs/testing/src/jest/global-setup.ts',
      globalTeardown: '<rootDir>/libs/testing/src/jest/global-teardown.ts',
    },
    {
      ...common,
      displayName: 'kafka',
      testMatch: ['<rootDir>/{apps,libs,test}/**/*.kafka.spec.ts'],
      globalSetup: '<rootDir>/libs/testing/src/jest/kafka-global-setup.ts',
      globalTeardown: '<rootDir>/libs/testing/src/jest/kafka-global-teardown.ts',
    },
    {
      ...common,
      displayName: 'oidc',
      testMatch: ['<rootDir>/{apps,libs,test}/**/*.oidc.spec.ts'],
      globalSetup: '<rootDir>/libs/testing/src/jest/oidc-global-setup.ts',
      globalTeardown: '<rootDir>/libs/testing/src/jest/oidc-global-teardown.ts',
    },
    {
      ...common,
      displayName: 'browser',
      testMatch: ['<rootDir>/{apps,libs,test}/**/*.browser.spec.ts'],
      globalSetup: '<rootDir>/libs/testing/src/jest/browser-global-setup.ts',
      globalTeardown: '<rootDir>/libs/testing/src/jest/global-teardown.ts',
    },
  ],
};
