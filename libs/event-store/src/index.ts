export * from './port/event';
export * from './port/event-store';
export * from './port/errors';
export * from './port/expected-revision';
export * from './port/canonical-json';
export * from './port/hash-chain';
export * from './port/logger';
export * from './port/observer';
export * from './port/upcasting';
export * from './port/validation';
export * from './port/verification';
export * from './port/log-rows';
export { LogRowsWriter } from './port/log-load';
export { canonicalInstant } from './port/iso-instant';
export * from './port/unavailable';
export {
  createPostgresEventStore,
  PostgresEventStore,
  PostgresEventStoreOptions,
  POSTGRES_IMPORT_CHUNK_SIZE,
} from './postgres/postgres-event-store';
export { PostgresSubscription, SubscriptionState } from './postgres/postgres-subscription';
export { migrateAs, MigrationNeedsOwnerError, runMigrations, Migration } from './postgres/migrations';
export { quoteIdentifier } from './postgres/schema';
export { ConnectionLossTolerantClient, createPool } from './postgres/pool';
// Types only: the KurrentDB client is loaded by createKurrentDbEventStore, when a process asks for it.
export type {
  KurrentDbCheckpointStore,
  KurrentDbClientApi,
  KurrentDbEventStore,
  KurrentDbEventStoreOptions,
} from './kurrentdb/kurrentdb-event-store';
export type { KurrentDbSubscription, KurrentSubscriptionState } from './kurrentdb/kurrentdb-subscription';
export { createKurrentDbEventStore } from './kurrentdb/create-kurrentdb-event-store';
export * from './port/event-id';
export * from './open-event-store';
