// No jest imports here: bench code imports this library too.
export { createTestDatabase, testServerUrl, TestDatabaseUnavailableError, TEST_DATABASE_URL_ENV } from './postgres';
export type { TestDatabase } from './postgres';
