import { EventStoreLogger, silentLogger } from './logger';
import { EventStoreObserver } from './observer';
import { EventSchemaRegistry } from './upcasting';
import { DEFAULT_MAX_EVENT_BYTES } from './validation';

/** The options every adapter takes, beside its own. */
export interface CommonEventStoreOptions {
  /** Wall clock for `recordedTime`; business time always comes from the event's metadata. */
  clock?: () => Date;
  schemas?: EventSchemaRegistry;
  logger?: EventStoreLogger;
  maxEventBytes?: number;
  /** At most this many events in one append call. */
  maxEventsPerAppend?: number;
  /** Told of every append and commit, for metrics. */
  observer?: EventStoreObserver;
}

export type StoreSettings = Required<CommonEventStoreOptions>;

/** The common options with their defaults filled in. */
export function storeSettings(options: CommonEventStoreOptions): StoreSettings {
  return {
    clock: options.clock ?? (() => new Date()),
    schemas: options.schemas ?? new EventSchemaRegistry(),
    logger: options.logger ?? silentLogger,
    maxEventBytes: options.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES,
    maxEventsPerAppend: options.maxEventsPerAppend ?? 10_000,
    observer: options.observer ?? {},
  };
}
