import { createHash, createHmac, randomUUID } from 'node:crypto';
import { Actor, DomainEvent, ROLES, Role } from '@tip/domain';
import { z } from 'zod';
import { Clock } from '../ports/clock';
import { EventStreams, LoadedStream, StreamConflict } from '../ports/event-streams';
import { IdempotencyStore } from '../ports/idempotency-store';
import { CommandConflict, CommandValidationFailed, Forbidden, UnknownCommand } from './errors';
import { KeyedMutex } from './keyed-mutex';
import { Scope, UseCase, UseCaseServices } from './use-case';

export interface CommandRequest {
  name: string;
  body: unknown;
  /** The authenticated caller (the token's claims). */
  caller: Actor;
  idempotencyKey?: string;
  /** W3C trace context of the request, kept on every event the command appends. */
  traceparent?: string;
}

/** Where a command came from beyond its actor: the importer acting for them, the caller's trace. */
interface Origin {
  importedBy: Actor | undefined;
  traceparent: string | undefined;
}

export interface CommandResult {
  commandId: string;
  streamId: string;
  /** Number of events in the command's stream after it ran. */
  version: number;
  /** Global position of the last appended event; 0 when the command changed nothing. */
  position: number;
  events: ({ type: string } & Record<string, unknown>)[];
}

const HOT_STREAM_MS = 2000;

type StreamReader = (streamId: string) => Promise<LoadedStream>;

/** How a unit's place in the hierarchy is read from its stream: its ancestors, then itself. */
export type UnitPathReader = (events: DomainEvent[]) => string[] | undefined;
/** Which school a teacher belongs to, read from the teacher's stream. */
export type TeacherSchoolReader = (events: DomainEvent[]) => string | undefined;

export interface CommandPipelineOptions {
  streams: EventStreams;
  clock: Clock;
  idempotency: IdempotencyStore;
  useCases: UseCase[];
  services: Omit<UseCaseServices, 'load' | 'loadMany'>;
  unitStreamId(unitId: string): string;
  unitPath: UnitPathReader;
  teacherStreamId(teacherId: string): string;
  teacherSchool: TeacherSchoolReader;
  /** Secret for hashing requests sent with an Idempotency-Key. */
  requestHashKey: string;
  /** Attempts when another writer keeps changing the same streams. */
  maxAttempts?: number;
}

const importSchema = z
  .object({
    at: z.string().datetime({ offset: true }).optional(),
    actor: z
      .object({ sub: z.string().min(1).max(200), role: z.enum(ROLES), unitId: z.string().min(1).max(100).optional() })
      .strict()
      .optional(),
  })
  .passthrough();

/**
 * Every command goes the same way: check the body, work out who acts and when, check the
 * actor may act there, then load the streams, decide, and append with the revisions loaded —
 * again from the top when another writer got in between, so a loser meets the business rule
 * (seats gone) rather than a conflict.
 */
export class CommandPipeline {
  private readonly useCases: Map<string, UseCase>;
  private readonly services: UseCaseServices;
  private readonly hotStreams = new KeyedMutex();
  private readonly idempotentRuns = new KeyedMutex();
  /** Streams that saw a conflict lately, until when commands on them take turns. */
  private readonly hotUntil = new Map<string, number>();

  constructor(private readonly options: CommandPipelineOptions) {
    this.useCases = new Map(options.useCases.map((useCase) => [useCase.name, useCase]));
    this.services = {
      ...options.services,
      load: async (streamId) => (await options.streams.load(streamId)).events,
      loadMany: async (streamIds) => (await options.streams.loadMany(streamIds)).map((stream) => stream.events),
    };
  }

  commandNames(): string[] {
    return [...this.useCases.keys()];
  }

  async execute(request: CommandRequest): Promise<CommandResult> {
    const useCase = this.useCases.get(request.name);
    if (!useCase) throw new UnknownCommand(request.name);
    const call = this.interpret(useCase, request);
    if (request.idempotencyKey === undefined) return this.authorizedRun(useCase, call, randomUUID());
    if (request.idempotencyKey.length === 0 || request.idempotencyKey.length > 200) {
      throw new CommandValidationFailed([{ field: 'Idempotency-Key', rule: 'must be 1 to 200 characters' }]);
    }
    // Keyed with a server secret: the body may hold an ID number, which a bare hash would give away.
    const requestHash = createHmac('sha256', this.options.requestHashKey)
      .update(JSON.stringify([request.name, request.body]))
      .digest('hex');
    const scope = `${request.caller.sub}:${request.idempotencyKey}`;
    // Requests with one key take turns here, so a retry racing the first attempt waits for its answer.
    return this.idempotentRuns.run(scope, async () => {
      const earlier = await this.options.idempotency.find(scope);
      if (earlier) {
        if (earlier.requestHash !== requestHash)
          throw new CommandConflict('This Idempotency-Key was used with a different command or body');
        return earlier.result;
      }
      // The command id, and so every event id and generated code, follows from the key: a retry
      // racing the first attempt from another process appends nothing new.
      const result = await this.authorizedRun(useCase, call, uuidFrom(`idempotency:${scope}`));
      const stored = await this.options.idempotency.save(scope, requestHash, result);
      if (stored.requestHash !== requestHash)
        throw new CommandConflict('This Idempotency-Key was used with a different command or body');
      return stored.result;
    });
  }

  private async authorizedRun(
    useCase: UseCase,
    call: ReturnType<CommandPipeline['interpret']>,
    commandId: string,
  ): Promise<CommandResult> {
    const { data: checked, actor, now, importedBy, traceparent } = call;
    // Streams read to authorize serve the first attempt's decision too (retries read afresh).
    const readForAuthorization = new Map<string, LoadedStream>();
    const read: StreamReader = async (streamId) => {
      const known = readForAuthorization.get(streamId);
      if (known) return known;
      const stream = await this.options.streams.load(streamId);
      readForAuthorization.set(streamId, stream);
      return stream;
    };
    await this.authorize(useCase, checked, actor, read);
    const data = useCase.prepare ? await useCase.prepare(checked, this.services, { commandId }) : checked;
    return this.run(useCase, data, actor, now, { importedBy, traceparent }, commandId, readForAuthorization);
  }

  /** Separates `at`/`actor` (honoured for `system` only) from the command's own fields. */
  private interpret(useCase: UseCase, request: CommandRequest) {
    const body = request.body;
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw new CommandValidationFailed([{ field: 'body', rule: 'must be a JSON object' }]);
    }
    const envelope = importSchema.safeParse(body);
    if (!envelope.success) throw new CommandValidationFailed(problemsOf(envelope.error));
    const { at, actor: onBehalfOf, ...fields } = envelope.data;
    if ((at !== undefined || onBehalfOf !== undefined) && request.caller.role !== 'system') {
      throw new Forbidden('Only system may set "at" and "actor" (importing history)');
    }
    const parsed = useCase.schema.safeParse(fields);
    if (!parsed.success) throw new CommandValidationFailed(problemsOf(parsed.error));
    const actor: Actor = onBehalfOf ?? request.caller;
    return {
      data: parsed.data,
      actor,
      now: at ? new Date(at).toISOString() : this.options.clock.now().toISOString(),
      importedBy: onBehalfOf ? request.caller : undefined,
      // Only a well-formed trace context travels on (version-traceid-parentid-flags).
      traceparent:
        request.traceparent && /^[\da-f]{2}-[\da-f]{32}-[\da-f]{16}-[\da-f]{2}$/.test(request.traceparent)
          ? request.traceparent
          : undefined,
    };
  }

  private async authorize(useCase: UseCase, data: object, actor: Actor, read: StreamReader): Promise<void> {
    if (actor.role === 'system') return;
    if (!useCase.roles.includes(actor.role)) throw new Forbidden(`A ${actor.role} may not ${useCase.name}`);
    const scope: Scope = useCase.scope(data);
    if (scope.kind === 'system') throw new Forbidden(`Only system may ${useCase.name} here`);
    if (scope.kind === 'teacher' && actor.role === 'teacher') {
      if (actor.sub !== scope.teacherId) throw new Forbidden('A teacher acts only on themself');
      return;
    }
    let unitId: string | undefined;
    if (scope.kind === 'unit') unitId = scope.unitId;
    else if (scope.kind === 'stream') unitId = scope.unitOf((await read(scope.streamId)).events);
    else if (scope.kind === 'streams') {
      unitId = scope.unitOf((await Promise.all(scope.streamIds.map(read))).map((stream) => stream.events));
    } else {
      // A record stays with the school it was made at (a transfer moves only open ones).
      const record = scope.record ? scope.record.schoolOf((await read(scope.record.streamId)).events) : undefined;
      const teacher = record === undefined ? await read(this.options.teacherStreamId(scope.teacherId)) : undefined;
      unitId = record ?? (teacher ? this.options.teacherSchool(teacher.events) : undefined);
    }
    // A target nobody can place (an unknown school, two schools in different provinces) is
    // nobody's to act on but system's: failing closed, the business code is system's to hear.
    if (unitId === undefined) throw new Forbidden(`${useCase.name}: the target is unknown or outside every scope`);
    const path = this.options.unitPath((await read(this.options.unitStreamId(unitId))).events);
    if (path === undefined) throw new Forbidden(`${useCase.name}: unit ${unitId} is not registered`);
    if (actor.unitId === undefined || !path.includes(actor.unitId)) {
      throw new Forbidden(`Unit ${unitId} is outside the scope of ${actor.role} ${actor.sub}`);
    }
  }

  private async run(
    useCase: UseCase,
    data: object,
    actor: Actor,
    now: string,
    origin: Origin,
    commandId: string,
    prefetched: Map<string, LoadedStream>,
  ): Promise<CommandResult> {
    const maxAttempts = this.options.maxAttempts ?? 20;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      try {
        return await this.attempt(
          useCase,
          data,
          actor,
          now,
          origin,
          commandId,
          undefined,
          attempt === 1 ? prefetched : undefined,
        );
      } catch (error) {
        if (!(error instanceof StreamConflict)) throw error;
        // Optimistic until a stream proves contended; then commands on it take turns in this
        // process for a while, so a crowd racing for one school's seats does not starve itself.
        this.hotUntil.set(error.streamId, Date.now() + HOT_STREAM_MS);
        if (this.hotUntil.size > 10_000)
          for (const [streamId, until] of this.hotUntil) if (until < Date.now()) this.hotUntil.delete(streamId);
        await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(2 ** attempt, 50)));
      }
    }
    throw new CommandConflict(`${useCase.name} kept colliding with other writers; try again`);
  }

  /** Loads streams in one round trip, taking those already read (to authorize) as they were. */
  private async loadMany(streamIds: string[], prefetched?: Map<string, LoadedStream>): Promise<LoadedStream[]> {
    const missing = streamIds.filter((streamId) => !prefetched?.has(streamId));
    const fetched = new Map((await this.options.streams.loadMany(missing)).map((stream) => [stream.streamId, stream]));
    return streamIds.map((streamId) => prefetched?.get(streamId) ?? (fetched.get(streamId) as LoadedStream));
  }

  private isHot(streamId: string): boolean {
    const until = this.hotUntil.get(streamId);
    if (until === undefined) return false;
    if (until > Date.now()) return true;
    this.hotUntil.delete(streamId);
    return false;
  }

  private async attempt(
    useCase: UseCase,
    data: object,
    actor: Actor,
    now: string,
    origin: Origin,
    commandId: string,
    holding: string | undefined,
    prefetched?: Map<string, LoadedStream>,
  ): Promise<CommandResult> {
    const streamIds: Record<string, string> = { ...useCase.streams(data) };
    const names = Object.keys(streamIds);
    const loaded = await this.loadMany(
      names.map((name) => streamIds[name]),
      prefetched,
    );
    const history = Object.fromEntries(names.map((name, index) => [name, loaded[index].events]));
    // Dependent streams may name further ones (a teacher's records, then their seat ledgers):
    // load until nothing new is named.
    for (let round = 0; useCase.dependentStreams && round < 4; round++) {
      const dependent = Object.entries(useCase.dependentStreams(data, history)).filter(
        (entry): entry is [string, string] => entry[1] !== undefined && !(entry[0] in streamIds),
      );
      if (dependent.length === 0) break;
      const streams = await this.loadMany(
        dependent.map(([, streamId]) => streamId),
        prefetched,
      );
      dependent.forEach(([name, streamId], index) => {
        streamIds[name] = streamId;
        names.push(name);
        loaded.push(streams[index]);
        history[name] = streams[index].events;
      });
    }
    const hot = holding === undefined ? Object.values(streamIds).find((streamId) => this.isHot(streamId)) : undefined;
    if (hot !== undefined) {
      return this.hotStreams.run(hot, () => this.attempt(useCase, data, actor, now, origin, commandId, hot));
    }
    const decided = useCase.decide({ type: useCase.name, data, metadata: { now, actor } }, history);
    const writes: { name: string; streamId: string; events: DomainEvent[]; expectedRevision: number | 'no_stream' }[] =
      Object.entries(decided)
        .filter(([, events]) => events.length > 0)
        .map(([name, events]) => {
          const index = names.indexOf(name);
          if (index < 0) throw new Error(`${useCase.name} decided events for "${name}", a stream it did not load`);
          return { name, streamId: streamIds[name], events, expectedRevision: loaded[index].revision };
        });
    if (writes.length > 0 && useCase.guards) {
      for (const [index, name] of names.entries()) {
        if (useCase.guards(name) && !writes.some((write) => write.name === name)) {
          writes.push({ name, streamId: streamIds[name], events: [], expectedRevision: loaded[index].revision });
        }
      }
    }
    const primary = loaded[names.indexOf(useCase.primaryStream)];
    const primaryCount = primary.revision === 'no_stream' ? 0 : primary.revision + 1;
    if (writes.length === 0) {
      return { commandId, streamId: primary.streamId, version: primaryCount, position: 0, events: [] };
    }
    const written = await this.options.streams.write(writes, {
      commandId,
      correlationId: commandId,
      now,
      actor,
      ...origin,
    });
    const primaryWritten = written.streams.find((stream) => stream.streamId === primary.streamId);
    return {
      commandId,
      streamId: primary.streamId,
      version: primaryWritten ? primaryWritten.revision + 1 : primaryCount,
      position: written.position,
      events: writes
        .filter((write) => !useCase.copies?.includes(write.name))
        .flatMap((write) => write.events.map((event) => ({ type: event.type, ...event.data }))),
    };
  }
}

function problemsOf(error: z.ZodError): { field: string; rule: string }[] {
  return error.issues.map((issue) => ({
    field: issue.path.length > 0 ? issue.path.join('.') : 'body',
    rule: issue.code === 'unrecognized_keys' ? `unknown field(s): ${issue.keys.join(', ')}` : issue.message,
  }));
}

/** A UUID (version 8, RFC 9562) derived from a name, for ids that must repeat on retry. */
export function uuidFrom(name: string): string {
  const bytes = createHash('sha256').update(name).digest().subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x80;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}
