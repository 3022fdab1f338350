import { describeExpectedRevision, ExpectedRevision } from './expected-revision';

/** Base of every error the event store raises on purpose. */
export abstract class EventStoreError extends Error {
  abstract readonly code: string;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Another writer got there first; reload the stream and decide again. */
export class WrongExpectedRevisionError extends EventStoreError {
  readonly code = 'WRONG_EXPECTED_REVISION';
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedRevision,
    /** The stream's last revision, -1 when it does not exist. */
    readonly actual: number,
  ) {
    super(
      `Stream "${streamId}" was expected at ${describeExpectedRevision(expected)} but is at ` +
        (actual < 0 ? 'no_stream' : `revision ${actual}`),
    );
  }
}

/** The append was refused before anything was written: the input breaks a rule of the store. */
export class InvalidAppendError extends EventStoreError {
  readonly code = 'INVALID_APPEND';
  constructor(
    readonly field: string,
    readonly rule: string,
  ) {
    super(`${field}: ${rule}`);
  }
}

/** Some, but not all, of the batch's event ids are already stored: not a plain retry. */
export class DuplicateEventIdError extends EventStoreError {
  readonly code = 'DUPLICATE_EVENT_ID';
  constructor(
    readonly eventIds: string[],
    message = `Event ids already stored as part of a different append: ${eventIds.join(', ')}`,
  ) {
    super(message);
  }
}

/** The stored transaction ids are ahead of the server's: the database was restored from a dump. */
export class TransactionHorizonError extends EventStoreError {
  readonly code = 'TRANSACTION_HORIZON';
  constructor(message: string) {
    super(message);
  }
}

export class SubscriptionError extends EventStoreError {
  readonly code = 'SUBSCRIPTION_FAILED';
  constructor(
    readonly subscriptionName: string,
    readonly position: number,
    override readonly cause: unknown,
  ) {
    super(
      `Subscription "${subscriptionName}" stopped after position ${position}: ` +
        (cause instanceof Error ? cause.message : String(cause)),
    );
  }
}

/**
 * The adapter's backing store cannot do this operation with the guarantees the port promises
 * (KurrentDB before 26.1 cannot append to several streams atomically): refused, never faked.
 */
export class UnsupportedOperationError extends EventStoreError {
  readonly code = 'UNSUPPORTED_OPERATION';
  constructor(
    readonly operation: string,
    message: string,
  ) {
    super(message);
  }
}

/** A first load (loadLog, importEvents with emptyStore) found the store holding events already. */
export class StoreNotEmptyError extends EventStoreError {
  readonly code = 'STORE_NOT_EMPTY';
}
