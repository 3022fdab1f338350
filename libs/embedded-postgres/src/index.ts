export { startEmbeddedPostgres, findRunningEmbeddedPostgres, hydrateSymlinks } from './embedded-postgres';
export type { EmbeddedPostgres, EmbeddedPostgresOptions, RunningEmbeddedPostgres } from './embedded-postgres';
export { DEFAULT_SETTINGS } from './settings';
export {
  EmbeddedPostgresError,
  PostgresBinariesMissingError,
  DataDirectoryError,
  ServiceUserError,
  InitdbFailedError,
  PostgresStartError,
  PostgresStopError,
} from './errors';
