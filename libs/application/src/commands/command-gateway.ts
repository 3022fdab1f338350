import { Clock, Pause, systemClock, systemPause } from '../ports/clock';
import { EventStreams } from '../ports/event-streams';
import { CredentialVault } from '../ports/credential-vault';
import { IdNumberVault } from '../ports/id-number-vault';
import { IdempotencyStore } from '../ports/idempotency-store';
import { Randomness, systemRandomness } from '../ports/randomness';
import { authorize } from './authorization';
import { BatchAnswer, CommandBatch } from './command-batch';
import { CommandServices, CommandSlice, commandServices } from './command-slice';
import { CommandRequest, CommandResult } from './command-result';
import { ConflictRetry } from './conflict-retry';
import { ContendedStreams } from './contended-streams';
import { DecisionHandler } from './decision-handler';
import { UnknownCommand } from './errors';
import { Idempotency } from './idempotency';
import { openEnvelope } from './import-envelope';
import { StreamCache } from './stream-cache';
import { StreamReads } from './stream-reads';

export interface CommandGatewayOptions {
  commands: readonly CommandSlice[];
  streams: EventStreams;
  /** Business time. */
  clock: Clock;
  idempotency: IdempotencyStore;
  /** Secret for hashing requests sent with an Idempotency-Key. */
  requestHashKey: string;
  idNumbers: IdNumberVault;
  credentials: CredentialVault;
  /** Command ids and retry jitter; random by default. */
  randomness?: Randomness;
  /** Process time for how long a contended stream stays so; the system clock by default. */
  timer?: Clock;
  pause?: Pause;
  /** Attempts when other writers keep changing the same streams (20). */
  maxAttempts?: number;
  /** Streams kept between commands (see StreamCache), each checked by the append that used it; none when left out. */
  cache?: StreamCache;
}

/**
 * Every command goes the same way, each step a unit of its own: the import envelope (who acts,
 * when), the command's schema, the Idempotency-Key, authorization (reading what it must, kept
 * for the decision), what the server fills in and the facts the command gathers, then the
 * generic handler (read, fold, decide, append) under ConflictRetry.
 */
export class CommandGateway {
  private readonly commands: ReadonlyMap<string, CommandSlice>;
  private readonly services: CommandServices;
  private readonly idempotency: Idempotency;
  private readonly handler: DecisionHandler;
  private readonly retry: ConflictRetry;
  private readonly batch: CommandBatch;

  constructor(private readonly options: CommandGatewayOptions) {
    this.commands = new Map(options.commands.map((command) => [command.name, command]));
    this.services = commandServices(
      options.idNumbers,
      async (streamIds) => (await options.streams.loadMany([...streamIds])).map((stream) => stream.events),
      options.credentials,
    );
    const randomness = options.randomness ?? systemRandomness;
    const contended = new ContendedStreams(options.timer ?? systemClock);
    this.idempotency = new Idempotency(options.idempotency, options.requestHashKey, randomness);
    this.handler = new DecisionHandler(options.streams, contended, options.cache);
    this.retry = new ConflictRetry({
      contended,
      randomness,
      pause: options.pause ?? systemPause,
      maxAttempts: options.maxAttempts ?? 20,
    });
    this.batch = new CommandBatch(options.streams, this.services, options.clock, randomness, this.retry, options.cache);
  }

  commandNames(): string[] {
    return [...this.commands.keys()];
  }

  /** Runs a command by its name (404 for a name the contract does not have). */
  async execute(request: CommandRequest): Promise<CommandResult> {
    const command = this.commands.get(request.name);
    if (command === undefined) throw new UnknownCommand(request.name);
    return this.run(command, request);
  }

  /**
   * Many commands of one kind at once (the hour feed): each is checked, authorized and decided as
   * `run` would, answered accepted or refused on its own, and all are appended in one write.
   */
  runBatch(command: CommandSlice, requests: readonly CommandRequest[]): Promise<BatchAnswer[]> {
    return this.batch.run(command, requests);
  }

  async run(command: CommandSlice, request: CommandRequest): Promise<CommandResult> {
    const envelope = openEnvelope(request, this.options.clock);
    const accepted = command.accept(envelope.fields);
    return this.idempotency.run(request, async (commandId) => {
      const reads = new StreamReads(this.options.streams);
      await authorize(command, accepted.scope, envelope.actor, reads);
      const { now, actor, importedBy, traceparent } = envelope;
      const plan = await accepted.prepare({ commandId, metadata: { now, actor }, services: this.services });
      const context = { commandId, correlationId: commandId, now, actor, importedBy, traceparent };
      return this.retry.run(command.name, (attempt) =>
        attempt === 1
          ? this.handler.handle(plan, context, reads.loaded, undefined, true)
          : this.handler.handle(plan, context),
      );
    });
  }
}
