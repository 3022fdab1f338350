import { EventStore } from './port/event-store';
import { EventStoreLogger } from './port/logger';
import { EventStoreObserver } from './port/observer';
import { createKurrentDbEventStore } from './kurrentdb/create-kurrentdb-event-store';
import { createPostgresEventStore } from './postgres/postgres-event-store';

export interface EventStoreEnvironment {
  TIP_EVENT_STORE?: string;
  KURRENTDB_CONNECTION_STRING?: string;
}

/**
 * The event store the environment names (TIP_EVENT_STORE), for every process that reads the log
 * (API, relay, `tip verify`, `tip rebuild`): reading the wrong one would find an empty log and
 * say so as if it were true.
 */
export function openEventStore(
  environment: EventStoreEnvironment,
  postgresUrl: string,
  logger?: EventStoreLogger,
  observer?: EventStoreObserver,
  /** The tables' owner, who migrates (PostgreSQL only); without it the role of postgresUrl does. */
  ownerUrl?: string,
  /** PostgreSQL only: see PostgresEventStoreOptions. */
  postgres: { notifyCoalesceMs?: number } = {},
): Promise<EventStore> {
  const kind = environment.TIP_EVENT_STORE ?? 'postgres';
  if (kind === 'postgres') {
    return createPostgresEventStore({
      connectionString: postgresUrl,
      ownerConnectionString: ownerUrl,
      logger,
      observer,
      ...postgres,
    });
  }
  if (kind !== 'kurrentdb') throw new Error(`TIP_EVENT_STORE must be postgres or kurrentdb, not "${kind}"`);
  if (!environment.KURRENTDB_CONNECTION_STRING)
    throw new Error('KURRENTDB_CONNECTION_STRING is required when TIP_EVENT_STORE=kurrentdb');
  return createKurrentDbEventStore({ connectionString: environment.KURRENTDB_CONNECTION_STRING, logger, observer });
}
