import { DuplicateEventIdError, InvalidAppendError, WrongExpectedRevisionError } from './errors';

/** How an append ended, as metrics count it. */
export type AppendOutcome = 'ok' | 'conflict' | 'refused' | 'error';

/**
 * What a store tells about its own work, for metrics (the app hands in its own). Calls are
 * synchronous and cheap; an observer must not throw.
 */
export interface EventStoreObserver {
  /** One caller's append settled: the events it carried, how long it took and how it ended. */
  appended?(sample: { events: number; seconds: number; outcome: AppendOutcome }): void;
  /** Wraps one caller's append (a tracing span around it). */
  appending?<T>(events: number, append: () => Promise<T>): Promise<T>;
  /** One transaction committed the appends of one or more callers (group commit). */
  committed?(sample: { appends: number; events: number; seconds: number }): void;
}

export function appendOutcomeOf(error: unknown): AppendOutcome {
  if (error instanceof WrongExpectedRevisionError) return 'conflict';
  if (error instanceof DuplicateEventIdError || error instanceof InvalidAppendError) return 'refused';
  return 'error';
}

/** Events an append carries; bad input counts what it can (it is refused later, by validation). */
export function eventsIn(appends: readonly { events?: unknown }[] | unknown): number {
  if (!Array.isArray(appends)) return 0;
  return appends.reduce<number>((sum, append) => sum + (Array.isArray(append?.events) ? append.events.length : 0), 0);
}

/** Times one caller's append and tells the observer how it ended. */
export async function observedAppend<T>(
  observer: EventStoreObserver,
  events: number,
  append: () => Promise<T>,
): Promise<T> {
  if (observer.appending) {
    const { appending, ...rest } = observer;
    return appending(events, () => observedAppend(rest, events, append));
  }
  if (!observer.appended) return append();
  const started = process.hrtime.bigint();
  const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
  try {
    const result = await append();
    observer.appended({ events, seconds: seconds(), outcome: 'ok' });
    return result;
  } catch (error) {
    observer.appended({ events, seconds: seconds(), outcome: appendOutcomeOf(error) });
    throw error;
  }
}
