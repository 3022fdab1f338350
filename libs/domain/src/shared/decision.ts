import { Command, DomainEvent } from './messages';
import { foldStream, StreamType } from './stream';

/**
 * A decision that spans streams (an enrollment and the seat it takes, a transfer, a school's
 * closure and its teachers' records) as one typed concept: it names the streams it reads by
 * role (`{ enrollment, batch, teacher, seat, closure }`), each role's stream type and id, and
 * returns events per role. Stream ids may follow from what earlier roles hold (the seat ledger
 * of the teacher's school), so roles come in stages, each read in one round trip.
 *
 *     decision<EnrollTeacher, EnrollTeacherFacts>()
 *       .reads((command) => ({ enrollment: one(enrollmentStream, …), teacher: one(teacherStream, …, { guard: true }) }))
 *       .then((command, { teacher }, read) => ({ seat: one(quotaLedgerStream, seatOf(read(teacher))) }))
 *       .decides((command, roles, read, facts) => ({ enrollment: […], seat: […] }), { about: (roles) => roles.enrollment });
 *
 * The application runs every decision the same way (read each stage, fold, decide, append each
 * role at the revision read); the specs run the very same decisions over streams in memory.
 */

export interface RoleOptions {
  /**
   * Read, not written, and the decision rests on it (a school's closure, the teacher's school):
   * the append fails, and the command is decided again, if it moved meanwhile.
   */
  guard?: boolean;
  /** Holds copies of events decided for another role, to be found by another key; left out of the command's result. */
  mirror?: boolean;
}

/** One stream in a role. */
export interface OneStream<State, Event extends DomainEvent> {
  readonly kind: 'one';
  readonly type: StreamType<State, Event>;
  /** undefined: no stream plays the role (the command names none); it reads as the initial state. */
  readonly streamId: string | undefined;
  readonly guard: boolean;
  readonly mirror: boolean;
}

/** Streams of one type in one role, by a key the decision chooses (a teacher's records, by batch). */
export interface EachStream<State, Event extends DomainEvent> {
  readonly kind: 'each';
  readonly type: StreamType<State, Event>;
  readonly streamIds: Readonly<Record<string, string>>;
  readonly guard: boolean;
  readonly mirror: boolean;
}

export function one<State, Event extends DomainEvent>(
  type: StreamType<State, Event>,
  streamId: string | undefined,
  options: RoleOptions = {},
): OneStream<State, Event> {
  return { kind: 'one', type, streamId, guard: options.guard ?? false, mirror: options.mirror ?? false };
}

export function each<State, Event extends DomainEvent>(
  type: StreamType<State, Event>,
  streamIds: Readonly<Record<string, string>>,
  options: RoleOptions = {},
): EachStream<State, Event> {
  return { kind: 'each', type, streamIds, guard: options.guard ?? false, mirror: options.mirror ?? false };
}

export type AnyRole = OneStream<unknown, DomainEvent> | EachStream<unknown, DomainEvent>;
/** The roles of a decision (or of its stages so far), by name. */
export type Roles = Readonly<Record<string, AnyRole>>;

/** Folds a role's stream (or, for `each`, every stream by its key) from what was read. */
export interface Read {
  <State, Event extends DomainEvent>(role: OneStream<State, Event>): State;
  <State, Event extends DomainEvent>(role: EachStream<State, Event>): Readonly<Record<string, State>>;
}

type EventsFor<Role> =
  Role extends EachStream<unknown, infer Event extends DomainEvent>
    ? Readonly<Record<string, readonly Event[]>>
    : Role extends OneStream<unknown, infer Event extends DomainEvent>
      ? readonly Event[]
      : never;

/** Events per role, typed by each role's stream: a role left out appends nothing. */
export type Decided<R extends Roles> = { readonly [Name in keyof R]?: EventsFor<R[Name]> };

/** The events of every stream read, by stream id (a stream without events: []). */
export type Histories = ReadonlyMap<string, readonly DomainEvent[]>;

/** What placing roles and folding them asks of the histories. */
type HistoryLookup = Pick<Histories, 'get' | 'has'>;

export interface StreamAppend {
  streamId: string;
  events: readonly DomainEvent[];
  /** A copy kept for lookups (left out of the command's result). */
  mirror: boolean;
}

/** A decision's outcome, ready to append: the streams it writes and those it rests on. */
export interface DecisionOutcome {
  /** The stream the command is about, named in its result. */
  about: string;
  /** In the order the decision named its roles; at most one per stream. */
  appends: StreamAppend[];
  /** Streams read and not written that must still be at the revision read when the appends commit. */
  guards: string[];
}

/** One command's decision, between reading and appending. */
export interface DecisionPlan {
  /** Stream ids still to read, given what was read so far; none once every stage is read. */
  missing(histories: Histories): string[];
  decide(histories: Histories): DecisionOutcome;
}

/** A command decided over the streams its roles name. `Facts` are what the application gathers beforehand. */
export interface Decision<C extends Command, Facts = undefined> {
  plan(command: C, facts: Facts): DecisionPlan;
}

type Placed<R extends Roles> = { complete: true; roles: R } | { complete: false; waiting: Roles };

/** Starts a decision of command `C`; `Facts` are given to `decides` as gathered by the application. */
export function decision<C extends Command, Facts = undefined>() {
  return {
    /** The first stage: roles whose stream ids follow from the command alone. */
    reads<R extends Roles>(first: (command: C) => R): DecisionBuilder<C, Facts, R> {
      return new DecisionBuilder((command) => ({ complete: true, roles: first(command) }));
    },
  };
}

export class DecisionBuilder<C extends Command, Facts, R extends Roles> {
  constructor(private readonly place: (command: C, histories: HistoryLookup) => Placed<R>) {}

  /** A further stage: roles whose stream ids follow from what the earlier roles hold. */
  then<Next extends Roles>(next: (command: C, roles: R, read: Read) => Next): DecisionBuilder<C, Facts, R & Next> {
    return new DecisionBuilder((command, histories) => {
      const before = this.place(command, histories);
      if (!before.complete) return before;
      if (!isRead(before.roles, histories)) return { complete: false, waiting: before.roles };
      return { complete: true, roles: { ...before.roles, ...next(command, before.roles, readerOver(histories)) } };
    });
  }

  /** The decision itself, and which role the command is about (named in its result). */
  decides(
    decide: (command: C, roles: R, read: Read, facts: Facts) => Decided<R>,
    options: { about: (roles: R) => OneStream<unknown, DomainEvent> },
  ): Decision<C, Facts> {
    return {
      plan: (command, facts) => {
        const placement = new Placement((histories) => this.place(command, histories));
        return {
          missing: (histories) => placement.streamIds(histories).filter((id) => !histories.has(id)),
          decide: (histories) => {
            const placed = placement.of(histories);
            if (!placed.complete || !isRead(placed.roles, histories)) {
              throw new Error(`${command.type} was decided before every stream it reads was read`);
            }
            const about = options.about(placed.roles).streamId;
            if (about === undefined) throw new Error(`${command.type} names no stream it is about`);
            return outcomeOf(
              command.type,
              placed.roles,
              decide(command, placed.roles, readerOver(histories), facts),
              about,
            );
          },
        };
      },
    };
  }
}

/**
 * One plan's roles as last placed, and the streams that placing looked at: placed again only when
 * one of those is another array now (a feed's batch asks each plan at every stage, then decides
 * it; only a record decided before it on the same stream changes what it reads).
 */
class Placement<R extends Roles> {
  private last:
    { placed: Placed<R>; ids: string[]; events: (readonly DomainEvent[] | undefined)[]; named?: string[] } | undefined;

  constructor(private readonly place: (histories: HistoryLookup) => Placed<R>) {}

  of(histories: Histories): Placed<R> {
    return this.current(histories).placed;
  }

  /** Every stream id the roles placed so far name, once each. */
  streamIds(histories: Histories): string[] {
    const current = this.current(histories);
    current.named ??= roleStreamIds(current.placed.complete ? current.placed.roles : current.placed.waiting);
    return current.named;
  }

  private current(histories: Histories) {
    const last = this.last;
    if (last !== undefined) {
      let at = 0;
      while (at < last.ids.length && histories.get(last.ids[at]) === last.events[at]) at++;
      if (at === last.ids.length) return last;
    }
    // What placing looks at, in two lists: a batch places thousands of plans, a Map apiece cost more.
    const ids: string[] = [];
    const events: (readonly DomainEvent[] | undefined)[] = [];
    const watched: HistoryLookup = {
      get: (streamId: string) => {
        const found = histories.get(streamId);
        ids.push(streamId);
        events.push(found);
        return found;
      },
      has: (streamId: string) => watched.get(streamId) !== undefined,
    };
    this.last = { placed: this.place(watched), ids, events };
    return this.last;
  }
}

/** Folds roles from streams already read; a stream not read is a bug of the caller's. */
export function readerOver(histories: HistoryLookup): Read {
  const eventsOf = (streamId: string) => {
    const events = histories.get(streamId);
    if (events === undefined) throw new Error(`Stream ${streamId} was not read`);
    return events;
  };
  function read<State, Event extends DomainEvent>(role: OneStream<State, Event>): State;
  function read<State, Event extends DomainEvent>(role: EachStream<State, Event>): Readonly<Record<string, State>>;
  function read<State, Event extends DomainEvent>(
    role: OneStream<State, Event> | EachStream<State, Event>,
  ): State | Readonly<Record<string, State>> {
    if (role.kind === 'one') return foldStream(role.type, role.streamId === undefined ? [] : eventsOf(role.streamId));
    return Object.fromEntries(
      Object.entries(role.streamIds).map(([key, streamId]) => [key, foldStream(role.type, eventsOf(streamId))]),
    );
  }
  return read;
}

/** Every stream id the roles name, once each. */
export function roleStreamIds(roles: Roles): string[] {
  const ids: string[] = [];
  const add = (streamId: string | undefined) => {
    if (streamId !== undefined && !ids.includes(streamId)) ids.push(streamId);
  };
  for (const name in roles) {
    const role = roles[name];
    if (role.kind === 'one') add(role.streamId);
    else for (const key in role.streamIds) add(role.streamIds[key]);
  }
  return ids;
}

/** Asked at every stage of every command of a feed's batch: no arrays built to answer it. */
function isRead(roles: Roles, histories: HistoryLookup): boolean {
  for (const name in roles) {
    const role = roles[name];
    if (role.kind === 'one') {
      if (role.streamId !== undefined && !histories.has(role.streamId)) return false;
    } else {
      for (const key in role.streamIds) if (!histories.has(role.streamIds[key])) return false;
    }
  }
  return true;
}

type AnyDecided = {
  readonly [role: string]: readonly DomainEvent[] | Readonly<Record<string, readonly DomainEvent[]>> | undefined;
};

function outcomeOf(commandType: string, roles: Roles, decided: AnyDecided, about: string): DecisionOutcome {
  const appends: StreamAppend[] = [];
  const append = (streamId: string, events: readonly DomainEvent[], mirror: boolean) => {
    if (events.length === 0) return;
    const earlier = appends.find((write) => write.streamId === streamId);
    // Two roles may name one stream (a school's closure before and after a transfer): one append.
    if (earlier) earlier.events = [...earlier.events, ...events];
    else appends.push({ streamId, events, mirror });
  };
  for (const [name, events] of Object.entries(decided)) {
    if (events === undefined) continue;
    const role = Object.hasOwn(roles, name) ? roles[name] : undefined;
    if (role === undefined) throw new Error(`${commandType} decided events for ${name}, a role it does not read`);
    if (role.kind === 'one') {
      if (!isEventList(events)) throw new Error(`${commandType} decided events by key for ${name}, a single stream`);
      if (events.length > 0 && role.streamId === undefined) {
        throw new Error(`${commandType} decided events for ${name}, which names no stream`);
      }
      if (role.streamId !== undefined) append(role.streamId, events, role.mirror);
      continue;
    }
    if (isEventList(events)) throw new Error(`${commandType} decided one list for ${name}, a role of many streams`);
    for (const [key, keyed] of Object.entries(events)) {
      const streamId = Object.hasOwn(role.streamIds, key) ? role.streamIds[key] : undefined;
      if (streamId === undefined) throw new Error(`${commandType} decided events for ${name} ${key}, not read`);
      append(streamId, keyed, role.mirror);
    }
  }
  const written = new Set(appends.map((write) => write.streamId));
  const guards = Object.values(roles)
    .filter((role) => role.guard)
    .flatMap((role) =>
      role.kind === 'one' ? (role.streamId === undefined ? [] : [role.streamId]) : Object.values(role.streamIds),
    )
    .filter((streamId, index, all) => !written.has(streamId) && all.indexOf(streamId) === index);
  return { about, appends, guards };
}

function isEventList(
  events: readonly DomainEvent[] | Readonly<Record<string, readonly DomainEvent[]>>,
): events is readonly DomainEvent[] {
  return Array.isArray(events);
}
