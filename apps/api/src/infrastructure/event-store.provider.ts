import { Logger, Provider } from '@nestjs/common';
import { createPostgresEventStore, EventStore, EventStoreLogger } from '@tip/event-store';

export const EVENT_STORE = Symbol('EVENT_STORE');
export const DATABASE_URL = Symbol('DATABASE_URL');

export function nestEventStoreLogger(context: string): EventStoreLogger {
  const logger = new Logger(context);
  const line = (message: string, details?: Record<string, unknown>) => (details ? `${message} ${JSON.stringify(details)}` : message);
  return {
    info: (message, details) => logger.log(line(message, details)),
    warn: (message, details) => logger.warn(line(message, details)),
    error: (message, details) => logger.error(line(message, details)),
  };
}

export const eventStoreProvider: Provider = {
  provide: EVENT_STORE,
  inject: [DATABASE_URL],
  useFactory: (connectionString: string): Promise<EventStore> =>
    createPostgresEventStore({ connectionString, logger: nestEventStoreLogger('EventStore') }),
};
