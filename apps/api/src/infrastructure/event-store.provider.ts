import { Logger, Provider } from '@nestjs/common';
import { EventStore, EventStoreLogger, openEventStore } from '@tip/event-store';
import { TipMetrics } from '@tip/observability';

export const EVENT_STORE = Symbol('EVENT_STORE');
export const DATABASE_URL = Symbol('DATABASE_URL');
/** The owner's URL, for migrations; undefined when the application's role migrates itself. */
export const OWNER_DATABASE_URL = Symbol('OWNER_DATABASE_URL');
export const EVENT_STORE_SETTINGS = Symbol('EVENT_STORE_SETTINGS');
export const METRICS = Symbol('METRICS');

/**
 * Which adapter holds the events (TIP_EVENT_STORE). With KurrentDB, PostgreSQL (DATABASE_URL or
 * the embedded one) still holds the read models, idempotency keys and ID-number keys.
 */
export type EventStoreSettings =
  | {
      kind: 'postgres';
      /** At most one NOTIFY to other processes this often (the store's default when left out). */
      notifyCoalesceMs?: number;
    }
  | { kind: 'kurrentdb'; connectionString: string };

export function eventStoreSettingsOf(config: {
  TIP_EVENT_STORE: 'postgres' | 'kurrentdb';
  KURRENTDB_CONNECTION_STRING?: string;
}): EventStoreSettings {
  if (config.TIP_EVENT_STORE === 'postgres') return { kind: 'postgres' };
  // loadConfig refuses kurrentdb without a connection string; this guards callers that skip it.
  if (!config.KURRENTDB_CONNECTION_STRING)
    throw new Error('KURRENTDB_CONNECTION_STRING is required when TIP_EVENT_STORE=kurrentdb');
  return { kind: 'kurrentdb', connectionString: config.KURRENTDB_CONNECTION_STRING };
}

export function nestEventStoreLogger(context: string): EventStoreLogger {
  const logger = new Logger(context);
  const line = (message: string, details?: Record<string, unknown>) =>
    details ? `${message} ${JSON.stringify(details)}` : message;
  return {
    info: (message, details) => logger.log(line(message, details)),
    warn: (message, details) => logger.warn(line(message, details)),
    error: (message, details) => logger.error(line(message, details)),
  };
}

export const eventStoreProvider: Provider = {
  provide: EVENT_STORE,
  inject: [
    DATABASE_URL,
    { token: EVENT_STORE_SETTINGS, optional: true },
    { token: METRICS, optional: true },
    { token: OWNER_DATABASE_URL, optional: true },
  ],
  useFactory: (
    connectionString: string,
    settings: EventStoreSettings | undefined,
    metrics: TipMetrics | undefined,
    ownerConnectionString: string | undefined,
  ): Promise<EventStore> =>
    openEventStore(
      settings?.kind === 'kurrentdb'
        ? { TIP_EVENT_STORE: 'kurrentdb', KURRENTDB_CONNECTION_STRING: settings.connectionString }
        : {},
      connectionString,
      nestEventStoreLogger('EventStore'),
      metrics?.eventStoreObserver,
      ownerConnectionString,
      settings?.kind === 'postgres' ? { notifyCoalesceMs: settings.notifyCoalesceMs } : {},
    ),
};
