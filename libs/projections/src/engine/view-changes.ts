import { RecordedEvent } from '@tip/event-store';

/** A read-model row as projectors see it: property names of the table's entity. */
export type Row = Record<string, unknown>;

/**
 * What a projector asks for: a state table's row by its key values, in the order of the
 * entity's primary columns.
 */
export interface RowRef {
  table: string;
  key: unknown[];
}

/**
 * put/delete replace a state table's row; add merges into a counter table's row: numbers add
 * up, JSON objects of numbers add up key by key, instants (text) keep the earliest; a new row
 * starts at the columns' defaults. Merges commute, so counter rows need no loading and may be
 * written by several projector workers at once.
 */
export type ViewChange =
  | { op: 'put'; table: string; row: Row }
  | { op: 'delete'; table: string; key: unknown[] }
  | { op: 'add'; table: string; row: Row; rollUp?: RollUp; total?: Total };

/**
 * An add that also goes to the rows whose `column` is each of `into` (a school's totals to its
 * ancestors'). Merges commute, so the engine adds a row's events up first and rolls the sum up
 * once, when it hands its changes over: one merge an event instead of one per ancestor. Every
 * add to a row names the same `into` (a unit's ancestry does not change).
 */
export interface RollUp {
  column: string;
  into: readonly string[];
}

/**
 * An add that also goes, less its `over` column, to `table`: a counter table keyed as this one
 * without that column, holding its rows' totals over it (a unit's weekly changes, all time).
 * Merges commute, so the engine adds the row's events up first and adds the sum to the total
 * once, when it hands its changes over (rolled up alike): one merge an event instead of two.
 * Every add to a row names the same total.
 */
export interface Total {
  table: string;
  over: string;
}

/** The rows a projector may read while deciding one event's changes. */
export interface ViewRows {
  /** The row, or undefined when there is none; throws RowNotLoaded when it was not fetched. */
  get<T = Row>(table: string, ...key: unknown[]): T | undefined;
}

/** Rows already at hand, without throwing: for deciding what else to fetch. */
export interface PeekRows {
  peek<T = Row>(table: string, ...key: unknown[]): T | undefined;
}

/**
 * The event depends on one not applied yet (delivered out of global order, as Kafka partitions
 * may): the batch is retried later, when the other has arrived.
 */
export class AwaitingEvents extends Error {}

export class RowNotLoaded extends Error {
  constructor(readonly ref: RowRef) {
    super(`Row ${ref.table}${JSON.stringify(ref.key)} was not loaded`);
  }
}

export type TableKind = 'state' | 'counter';

/**
 * A read model built by one projector: pure functions from (view rows, event) to view changes.
 * The engine loads what `prefetch` names in bulk, runs `project` per event, merges the changes
 * in memory and writes them in one transaction with the checkpoint.
 */
export interface Projection {
  readonly name: string;
  /** Table name → kind; the tables' columns come from their TypeORM entities. */
  readonly tables: Readonly<Record<string, TableKind>>;
  /**
   * Whether the projector takes this event in, from its stream id, type and position alone: a projector
   * worker decides it from a message's headers, without parsing the event.
   */
  handles(event: Pick<RecordedEvent, 'streamId' | 'type' | 'position'>): boolean;
  /** Rows `project` will read for this event, as far as the rows at hand tell. */
  prefetch(event: RecordedEvent, rows: PeekRows): RowRef[];
  project(event: RecordedEvent, rows: ViewRows): ViewChange[];
  /**
   * Rebuilds in parallel (rebuild.ts): the partition key of a stream's events — one key for every
   * stream whose events read or write the same rows (a teacher's registration, records and
   * exemptions: the teacher). Undefined for streams whose rows events of any key read (units,
   * programmes): every partition projects those, one writes them. Without it the read model is
   * rebuilt on one thread.
   */
  partitionOf?(streamId: string): string | undefined;
}

/** A row's key as one string (identifiers never hold control characters, so the parts cannot run together). */
export const keyString = (key: readonly unknown[]): string => (key.length === 1 ? String(key[0]) : key.join('\u001f'));

/** A recorded event read as one of the domain's event types (the store knows only type and data). */
export type Recorded<E extends { type: string; data: unknown }> = E extends unknown
  ? Omit<RecordedEvent, 'type' | 'data'> & { type: E['type']; data: E['data'] }
  : never;

/** Where and when an event happened, without its payload. */
export type EventPlace = Pick<RecordedEvent, 'metadata' | 'position' | 'streamId'>;

export const recorded = <E extends { type: string; data: unknown }>(event: RecordedEvent): Recorded<E> =>
  event as unknown as Recorded<E>;
