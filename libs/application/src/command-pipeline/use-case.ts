import { Command, DomainEvent, Role } from '@tip/domain';
import { ZodType, ZodTypeDef } from 'zod';
import { IdNumberVault } from '../ports/id-number-vault';

/** What a use case may call before deciding, for what the pure decision cannot do itself. */
export interface UseCaseServices {
  idNumbers: IdNumberVault;
  /**
   * Reads any stream, for facts gathered across many streams (a school's teachers' records
   * for its closure). Such facts are read once, before deciding, and are not re-checked at
   * append time: use them for thresholds, never for what must not be over-spent.
   */
  load(streamId: string): Promise<DomainEvent[]>;
  /** The same for many streams, in one round trip. */
  loadMany(streamIds: string[]): Promise<DomainEvent[][]>;
}

/** Where a command acts, for the rule that an actor acts only inside its own subtree. */
export type Scope =
  /** The actor's unit must be this unit or one of its ancestors. */
  | { kind: 'unit'; unitId: string }
  /**
   * A teacher acts only on itself; admins act on a teacher through the school of the record
   * concerned (when the command names one) or else the teacher's current school.
   */
  | {
      kind: 'teacher';
      teacherId: string;
      record?: { streamId: string; schoolOf(events: DomainEvent[]): string | undefined };
    }
  /** Above every unit (registering a province): only `system`. */
  | { kind: 'system' }
  /** The unit a stream belongs to (a programme's province): read from that stream's events. */
  | { kind: 'stream'; streamId: string; unitOf(events: DomainEvent[]): string | undefined }
  /** The unit several streams point to together (the common ancestor of two schools). */
  | { kind: 'streams'; streamIds: string[]; unitOf(histories: DomainEvent[][]): string | undefined };

/**
 * One command of the contract: how its body is checked, who may send it, which streams its
 * decision reads, and the pure decision itself. The pipeline does the rest (auth, loading,
 * retries, appending), so a use case holds no I/O.
 */
export interface UseCase<Data extends object = object> {
  name: string;
  schema: ZodType<Data, ZodTypeDef, unknown>;
  /** Roles that may send it; `system` always may. */
  roles: readonly Role[];
  scope(data: Data): Scope;
  /** Streams the decision reads, by a name the decision uses. */
  streams(data: Data): Record<string, string>;
  /**
   * Streams whose ids follow from what the first ones hold (the seat ledger of the school an
   * enrollment names). Loaded second, and checked at append time like the first.
   */
  dependentStreams?(data: Data, history: Record<string, DomainEvent[]>): Record<string, string | undefined>;
  /**
   * Streams read but not written whose state the decision rests on (a school's closure, the
   * teacher's current school): the append fails, and is decided again, if one has moved since.
   */
  guards?(name: string): boolean;
  /** Streams written with copies of another stream's events (lookups); left out of the result. */
  copies?: readonly string[];
  /** The stream the command is about, named in its result. */
  primaryStream: string;
  /** Runs once, after authorization and before deciding: fills what needs I/O (encryption). */
  prepare?(data: Data, services: UseCaseServices, context: { commandId: string }): Promise<Data>;
  /** Given each named stream's events, the events to append to each (by the same names). */
  decide(command: Command<string, Data>, history: Record<string, DomainEvent[]>): Record<string, DomainEvent[]>;
}

/** Keeps each use case's data type while collecting them in one list. */
export function defineUseCase<Data extends object>(useCase: UseCase<Data>): UseCase<object> {
  return useCase as unknown as UseCase<object>;
}
