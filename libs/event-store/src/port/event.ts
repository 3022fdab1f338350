/** Who did something: the token's subject, role and org unit. */
export interface Actor {
  sub: string;
  role: string;
  unitId?: string;
}

/** Metadata the caller supplies with every new event. */
export interface NewEventMetadata {
  /** Unique per event; appending an id that is already stored appends nothing (retries). */
  eventId: string;
  /** ISO-8601 instant at which the event happened in the programme (business time). */
  businessTime: string;
  actor: Actor;
  /** Set when `system` imports history on behalf of `actor`. */
  importedBy?: Actor;
  commandId: string;
  correlationId: string;
  causationId: string;
  /** Defaults to the schema registry's current version for the event type, or 1. */
  schemaVersion?: number;
  traceparent?: string;
}

/** Metadata as stored: what the caller gave, completed by the store. */
export interface EventMetadata extends NewEventMetadata {
  schemaVersion: number;
  /** ISO-8601 instant at which the store recorded the event (wall-clock time). */
  recordedTime: string;
}

export type EventData = Record<string, unknown>;

/** Events are plain serializable data, never entity objects. */
export interface Event<Type extends string = string, Data extends EventData = EventData> {
  type: Type;
  data: Data;
}

export interface NewEvent<E extends Event = Event> {
  type: E['type'];
  data: E['data'];
  metadata: NewEventMetadata;
}

export interface RecordedEvent<E extends Event = Event> {
  type: E['type'];
  data: E['data'];
  metadata: EventMetadata;
  streamId: string;
  /** 0-based position of the event inside its stream. */
  revision: number;
  /** Position in the global log; strictly increasing in the order readAll delivers events. */
  position: number;
}

/** A recorded event with its stored tamper-evidence hash (hex), as auditors see it. */
export interface AuditedEvent extends RecordedEvent {
  hash: string;
}

/**
 * An event exactly as the store keeps it, for what must not depend on how TIP reads events
 * back: the Merkle tree's leaves, verification and the auditors' export. Nothing is upcast or
 * parsed.
 */
export interface LoggedEvent {
  position: number;
  streamId: string;
  revision: number;
  /** Lower-case UUID. */
  eventId: string;
  type: string;
  schemaVersion: number;
  /** The stored instants in UTC with microseconds, always in this form: 2021-01-04T02:00:00.000000Z */
  businessTime: string;
  recordedTime: string;
  /** Data and metadata as the stored canonical JSON text. */
  data: string;
  metadata: string;
  /** The stored chain hash, hex. */
  hash: string;
}
