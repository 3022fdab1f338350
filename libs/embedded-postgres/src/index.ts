export {
  startEmbeddedPostgres,
  findRunningEmbeddedPostgres,
  hydrateSymlinks,
  prepareClusterDirectory,
} from './embedded-postgres';
export type {
  EmbeddedPostgres,
  EmbeddedPostgresOptions,
  RunningEmbeddedPostgres,
  Supervision,
} from './embedded-postgres';
export { DEFAULT_SETTINGS } from './settings';
export { DEFAULT_SERVICE_HOME, serviceDirName } from './placement';
export {
  EmbeddedPostgresError,
  PostgresBinariesMissingError,
  DataDirectoryError,
  ServiceUserError,
  InitdbFailedError,
  PostgresStartError,
  PostgresStopError,
} from './errors';
export { APPLICATION_ROLE, ensureApplicationRole, findApplicationRole } from './roles';
export type { ApplicationRole } from './roles';
