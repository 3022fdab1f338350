/** The little the event store needs to say; the app hands in its real logger. */
export interface EventStoreLogger {
  info(message: string, context?: Record<string, unknown>): void;
  warn(message: string, context?: Record<string, unknown>): void;
  error(message: string, context?: Record<string, unknown>): void;
}

export const silentLogger: EventStoreLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };
