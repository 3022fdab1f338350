import { DecisionPlan, DomainEvent, extendHistory, RuleViolation } from '@tip/domain';
import { EventStreams, LoadedStream, StreamWrite, WriteContext } from '../ports/event-streams';
import { Randomness } from '../ports/randomness';
import { Clock } from '../ports/clock';
import { authorize } from './authorization';
import { CommandResult, CommandRequest } from './command-result';
import { AcceptedCommand, CommandServices, CommandSlice } from './command-slice';
import { ConflictRetry } from './conflict-retry';
import { CommandValidationFailed, Forbidden } from './errors';
import { Envelope, openEnvelope } from './import-envelope';
import { CachedLoads, StreamCache } from './stream-cache';
import { StreamReads } from './stream-reads';

/** No decision reads in more stages than this (as DecisionHandler). */
const MAX_STAGES = 8;

/** One command of a batch: decided and appended (no events: it was already on record), or refused with its reason. */
export type BatchAnswer =
  | { outcome: 'accepted'; result: CommandResult }
  | { outcome: 'refused'; refusal: CommandValidationFailed | Forbidden | RuleViolation };

const isRefusal = (error: unknown): error is CommandValidationFailed | Forbidden | RuleViolation =>
  error instanceof CommandValidationFailed || error instanceof Forbidden || error instanceof RuleViolation;

interface Planned {
  index: number;
  plan: DecisionPlan;
  context: WriteContext;
}

/** Records decided and appended together at most, when requests wait for their turn. */
export const MAX_GROUPED_COMMANDS = 5000;

type AcceptedInBatch = { index: number; envelope: Envelope; command: AcceptedCommand };

/** A request of the batch route waiting for its turn. */
interface Waiting {
  accepted: AcceptedInBatch[];
  settle: (decided: Map<number, BatchAnswer>) => void;
  fail: (error: unknown) => void;
}

/**
 * Many commands of one kind (the course platform's hour records) decided as each would be alone
 * — the same schema, authorization and decision — but read in one round trip per stage and
 * appended in one atomic write. They are decided in the order given, each seeing what the ones
 * before it decided (a record sent twice in one batch appends once). A refusal refuses that
 * command only; a stream another writer moved meanwhile decides the whole batch again.
 *
 * Batches of one command take turns in this process: a feed's batches touch the same teachers,
 * and side by side they would only collide and be decided again. The requests that arrived
 * during a turn go together in the next (group commit, up to MAX_GROUPED_COMMANDS records): one
 * read per stage and one append for all, where a teacher named in each of them is one stream
 * written once — the append's cost goes by streams more than by events. Each request is still
 * answered record by record; a failure that is no refusal (the database gone) fails the requests
 * of that turn, none of which appended anything.
 */
export class CommandBatch {
  private readonly waiting = new Map<string, Waiting[]>();
  private readonly busy = new Set<string>();

  constructor(
    private readonly streams: EventStreams,
    private readonly services: CommandServices,
    private readonly clock: Clock,
    private readonly randomness: Randomness,
    private readonly retry: ConflictRetry,
    private readonly cache?: StreamCache,
  ) {}

  async run(command: CommandSlice, requests: readonly CommandRequest[]): Promise<BatchAnswer[]> {
    const answers: (BatchAnswer | undefined)[] = requests.map(() => undefined);
    const accepted: AcceptedInBatch[] = [];
    for (const [index, request] of requests.entries()) {
      try {
        const envelope = openEnvelope(request, this.clock);
        accepted.push({ index, envelope, command: command.accept(envelope.fields) });
      } catch (error) {
        if (!isRefusal(error)) throw error;
        answers[index] = { outcome: 'refused', refusal: error };
      }
    }
    const decided = await new Promise<Map<number, BatchAnswer>>((settle, fail) => {
      const queue = this.waiting.get(command.name) ?? [];
      this.waiting.set(command.name, queue);
      queue.push({ accepted, settle, fail });
      this.nextTurn(command);
    });
    for (const [index, answer] of decided) answers[index] = answer;
    return answers.map((answer) => {
      if (answer === undefined) throw new Error('A command of the batch was left without an answer');
      return answer;
    });
  }

  /** Decides what waits for this command, unless a turn of it runs already (it calls again when done). */
  private nextTurn(command: CommandSlice): void {
    const queue = this.waiting.get(command.name);
    if (this.busy.has(command.name) || queue === undefined || queue.length === 0) return;
    const group: Waiting[] = [];
    let records = 0;
    while (queue.length > 0 && (group.length === 0 || records + queue[0].accepted.length <= MAX_GROUPED_COMMANDS)) {
      const next = queue.shift() as Waiting;
      group.push(next);
      records += next.accepted.length;
    }
    if (queue.length === 0) this.waiting.delete(command.name);
    // One list in arrival order, each command numbered apart from the other requests'.
    const merged: AcceptedInBatch[] = [];
    const offsets: number[] = [];
    for (const request of group) {
      offsets.push(merged.length);
      for (const one of request.accepted) merged.push({ ...one, index: merged.length });
    }
    this.busy.add(command.name);
    // A retry follows a conflict, perhaps a stale cached stream: it reads every stream afresh.
    this.retry
      .run(command.name, (attempt) => this.attempt(command, merged, attempt === 1))
      .then(
        (decided) =>
          group.forEach((request, at) => {
            const own = new Map<number, BatchAnswer>();
            request.accepted.forEach((one, position) => {
              const answer = decided.get(offsets[at] + position);
              if (answer !== undefined) own.set(one.index, answer);
            });
            request.settle(own);
          }),
        (error: unknown) => group.forEach((request) => request.fail(error)),
      )
      .finally(() => {
        this.busy.delete(command.name);
        this.nextTurn(command);
      });
  }

  private async attempt(
    command: CommandSlice,
    accepted: readonly AcceptedInBatch[],
    useCache: boolean,
  ): Promise<Map<number, BatchAnswer>> {
    const answers = new Map<number, BatchAnswer>();
    const reads = new StreamReads(this.streams);
    const loads = new CachedLoads(this.streams, this.cache, useCache);
    const planned: Planned[] = [];
    for (const { index, envelope, command: one } of accepted) {
      try {
        await authorize(command, one.scope, envelope.actor, reads);
        const commandId = this.randomness.uuid();
        const { now, actor, importedBy, traceparent } = envelope;
        const plan = await one.prepare({ commandId, metadata: { now, actor }, services: this.services });
        planned.push({
          index,
          plan,
          context: { commandId, correlationId: commandId, now, actor, importedBy, traceparent },
        });
      } catch (error) {
        if (!isRefusal(error)) throw error;
        answers.set(index, { outcome: 'refused', refusal: error });
      }
    }

    // Every command's streams, stage by stage: one round trip a stage for the whole batch.
    const loaded = new Map<string, LoadedStream>(reads.loaded);
    const histories = new Map<string, readonly DomainEvent[]>(
      [...loaded].map(([streamId, stream]) => [streamId, stream.events]),
    );
    let reading = planned;
    for (let stage = 0; ; stage++) {
      // A plan with nothing left to read stays so: only the others are asked again.
      const missing = new Set<string>();
      reading = reading.filter(({ plan }) => {
        const names = plan.missing(histories);
        for (const name of names) missing.add(name);
        return names.length > 0;
      });
      if (missing.size === 0) break;
      if (stage === MAX_STAGES) throw new Error(`A decision still named streams to read after ${MAX_STAGES} stages`);
      for (const stream of await loads.load([...missing])) {
        loaded.set(stream.streamId, stream);
        histories.set(stream.streamId, stream.events);
      }
    }

    // Decided one after another, each over what the batch has decided so far.
    const writes = new Map<string, { events: DomainEvent[]; commands: { context: WriteContext; index: number }[] }>();
    const guards = new Set<string>();
    const results: { index: number; result: CommandResult }[] = [];
    for (const { index, plan, context } of planned) {
      let outcome;
      try {
        outcome = plan.decide(histories);
      } catch (error) {
        if (!isRefusal(error)) throw error;
        answers.set(index, { outcome: 'refused', refusal: error });
        continue;
      }
      for (const append of outcome.appends) {
        histories.set(append.streamId, extendHistory(histories.get(append.streamId) ?? [], append.events));
        const write = writes.get(append.streamId) ?? { events: [], commands: [] };
        writes.set(append.streamId, write);
        append.events.forEach((event, at) => {
          write.events.push(event);
          write.commands.push({ context, index: at });
        });
      }
      for (const streamId of outcome.guards) guards.add(streamId);
      const result: CommandResult = {
        commandId: context.commandId,
        streamId: outcome.about,
        version: histories.get(outcome.about)?.length ?? 0,
        position: 0,
        events: outcome.appends
          .filter((append) => !append.mirror)
          .flatMap((append) => append.events.map((event) => ({ type: event.type, ...event.data }))),
      };
      results.push({ index, result });
    }

    const revisionOf = (streamId: string) => {
      const stream = loaded.get(streamId);
      if (stream === undefined) throw new Error(`A decision named ${streamId}, which it did not read`);
      return stream.revision;
    };
    // Every stream taken from the cache is checked by the append, whoever's decision read it
    // (refusals too): a stale one fails it, and the batch is decided again from fresh reads.
    for (const streamId of loads.fromCache) guards.add(streamId);
    const streamWrites: StreamWrite[] = [
      ...[...writes].map(([streamId, write]) => ({ streamId, ...write, expectedRevision: revisionOf(streamId) })),
      ...[...guards]
        .filter((streamId) => !writes.has(streamId))
        .map((streamId) => ({ streamId, events: [], expectedRevision: revisionOf(streamId) })),
    ];
    const first = planned[0]?.context;
    // Nothing to append, so nothing checks the cached streams: decided again over fresh reads.
    if ((writes.size === 0 || first === undefined) && loads.fromCache.size > 0)
      return this.attempt(command, accepted, false);
    let position = 0;
    if (writes.size > 0 && first !== undefined) {
      const written = await this.streams.write(streamWrites, first);
      loads.written(histories, streamWrites, written);
      position = written.position;
    }
    for (const { index, result } of results)
      answers.set(index, {
        outcome: 'accepted',
        result: result.events.length > 0 ? { ...result, position } : result,
      });
    return answers;
  }
}
