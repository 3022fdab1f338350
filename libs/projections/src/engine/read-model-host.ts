import { EventEmitter } from 'node:events';
import { DataSource, EntityManager } from 'typeorm';
import { ConnectionLossTolerantClient, EventStore, EventStoreLogger, Subscription } from '@tip/event-store';
import { MessageConsumer } from '@tip/messaging';
import { inProjectionSpan } from '@tip/observability';
import { consumeIntoReadModels, KafkaFeed } from '../kafka/kafka-feed';
import { liveSchemaOf, migrateReadModel, readModelDataSource, ReadModel } from './read-model';
import { ParkedEventRow, ProjectionRunner, READ_MODEL_CHANNEL, SharedBatches } from './projection-runner';

/** 503 VIEW_BEHIND: the read model did not reach the position asked for in time. */
export class ViewBehindError extends Error {
  constructor(
    readonly readModel: string,
    readonly minPosition: number,
    readonly position: number,
  ) {
    super(`The ${readModel} view has reached position ${position}, not yet ${minPosition}; try again shortly`);
  }
}

export interface ReadModelHostOptions {
  /** Run the projectors in this process (the embedded default); false when workers elsewhere do. */
  runProjectors: boolean;
  /**
   * Set when the read models are fed from Kafka (TIP_PROJECTIONS=kafka): views then take their
   * position from the partitions' watermarks, and with a broker this process runs the workers.
   */
  kafka?: KafkaFeed;
  logger: EventStoreLogger;
  batchSize?: number;
  /** How long a view waits for minPosition before ViewBehindError; default 5 s (the contract's). */
  viewWaitMs?: number;
  /** Following live appends, how long after a page the next is read at the soonest (default DEFAULT_PAGE_INTERVAL_MS). */
  minPageIntervalMs?: number;
  /**
   * How often a wait for minPosition looks at the checkpoint when no local projector tells it.
   * Fed by workers elsewhere (kafka without a broker), their notifications wake the waits at
   * once; this is the fallback, for a notification lost with a connection.
   */
  pollIntervalMs?: number;
}

/**
 * The in-process projectors' page interval: what a view asked with minPosition may wait at most
 * beyond applying the page (as WATERMARK_INTERVAL_MS adds on the Kafka path). 10 ms gave pages of
 * ~18 single commands under load and cost each command a fifth more statements, 35 µs more of the
 * API's CPU and 40 µs more of PostgreSQL's than 50 ms (http bench, two pairs, load 5–11).
 */
export const DEFAULT_PAGE_INTERVAL_MS = 50;

interface Hosted {
  readModel: ReadModel;
  dataSource: DataSource;
  runner: ProjectionRunner;
  subscription?: Subscription;
  consumer?: MessageConsumer;
}

/**
 * The read models of one process: their data sources (migrated at start), and, in the
 * embedded default, their projectors fed by the event store's catch-up subscription.
 */
export class ReadModelHost {
  private readonly advanced = new EventEmitter();
  private stopping = false;
  /** Listens for the workers' notifications when they run elsewhere. */
  private listener: AdvanceListener | undefined;
  /** Per read model: how often it was told to have moved, and the look at its position under way. */
  private readonly wakes = new Map<string, number>();
  private readonly looks = new Map<string, { wakes: number; position: Promise<number> }>();

  private constructor(
    private readonly hosted: Map<string, Hosted>,
    private readonly store: EventStore | undefined,
    private readonly options: ReadModelHostOptions,
  ) {
    this.advanced.setMaxListeners(0);
  }

  /** The read model moved: its waits wake, and look again (a look begun before may have missed it). */
  private moved(name: string): void {
    this.wakes.set(name, (this.wakes.get(name) ?? 0) + 1);
    this.advanced.emit(name);
  }

  static async open(
    connectionString: string,
    store: EventStore | undefined,
    readModels: readonly ReadModel[],
    options: ReadModelHostOptions,
  ): Promise<ReadModelHost> {
    const hosted = new Map<string, Hosted>();
    // Workers: the read models' batches of one fetch in one transaction (they share the database).
    const sharedBatches = options.kafka?.broker ? new SharedBatches() : undefined;
    try {
      for (const readModel of readModels) {
        const dataSource = readModelDataSource(connectionString, readModel, liveSchemaOf(readModel));
        await dataSource.initialize();
        hosted.set(readModel.projection.name, {
          readModel,
          dataSource,
          runner: new ProjectionRunner(dataSource, liveSchemaOf(readModel), readModel, { sharedBatches }),
        });
        await migrateReadModel(dataSource);
      }
    } catch (error) {
      await Promise.all([...hosted.values()].map((each) => each.dataSource.destroy()));
      throw error;
    }
    const host = new ReadModelHost(hosted, store, options);
    for (const each of hosted.values()) {
      each.runner.progress.on(
        'parked',
        (parked: { readModel: string; position: number; type: string; error: string }) =>
          options.logger.error(
            `Read model ${parked.readModel} parked the event at position ${parked.position} and went on; see tip projections parked`,
            { ...parked },
          ),
      );
    }
    const { kafka } = options;
    if (kafka?.broker) {
      const feed = { ...kafka, broker: kafka.broker };
      for (const each of hosted.values())
        each.runner.progress.on('advanced', () => host.moved(each.readModel.projection.name));
      // One consumer group for all of them: each message fetched and decoded once.
      const consumer = await consumeIntoReadModels(
        [...hosted.values()].map((each) => each.runner),
        feed,
        options.logger,
      );
      for (const each of hosted.values()) each.consumer = consumer;
    } else if (kafka) {
      host.listener = new AdvanceListener(connectionString, (name) => host.moved(name), options.logger);
      await host.listener.started;
    } else if (options.runProjectors) for (const each of hosted.values()) host.run(each);
    return host;
  }

  dataSource(readModel: ReadModel): DataSource {
    return this.get(readModel.projection.name).dataSource;
  }

  async position(readModel: ReadModel, manager?: EntityManager): Promise<number> {
    const { runner } = this.get(readModel.projection.name);
    const { kafka } = this.options;
    return kafka ? runner.partitionsPosition(kafka.topic, kafka.partitions, manager) : runner.checkpoint(manager);
  }

  /**
   * Reads a view in one snapshot of the read model, with the position it stands at: an answer
   * never mixes rows written before and after a batch.
   */
  read<T>(
    readModel: ReadModel,
    work: (manager: EntityManager, position: number, degraded: boolean) => Promise<T>,
  ): Promise<T> {
    return this.dataSource(readModel).transaction('REPEATABLE READ', async (manager) => {
      await manager.query('set transaction read only');
      const { runner } = this.get(readModel.projection.name);
      return work(manager, await this.position(readModel, manager), await runner.isDegraded(manager));
    });
  }

  parkedCount(readModel: ReadModel): Promise<number> {
    return this.get(readModel.projection.name).runner.parkedCount();
  }

  /** The events the read model's projectors parked, oldest first. */
  parked(readModel: ReadModel, limit?: number): Promise<ParkedEventRow[]> {
    return this.get(readModel.projection.name).runner.parked(undefined, limit);
  }

  /** Resolves once the read model has reached minPosition; ViewBehindError after the timeout. */
  async waitFor(
    readModel: ReadModel,
    minPosition: number | undefined,
    timeoutMs = this.options.viewWaitMs ?? 5000,
  ): Promise<void> {
    if (minPosition === undefined || minPosition <= 0) return;
    const name = readModel.projection.name;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const position = await this.sharedPosition(readModel);
      if (position >= minPosition) return;
      const left = deadline - Date.now();
      if (left <= 0) throw new ViewBehindError(name, minPosition, position);
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.advanced.off(name, wake);
          resolve();
        };
        const timer = setTimeout(wake, Math.min(left, this.options.pollIntervalMs ?? 100));
        this.advanced.on(name, wake);
      });
    }
  }

  /**
   * The read model's position for a wait: one look serves every wait that woke before it began
   * (a notification wakes them all at once; each asking on its own cost a query apiece).
   */
  private sharedPosition(readModel: ReadModel): Promise<number> {
    const name = readModel.projection.name;
    const wakes = this.wakes.get(name) ?? 0;
    const looking = this.looks.get(name);
    if (looking && looking.wakes === wakes) return looking.position;
    const position = this.position(readModel);
    const look = { wakes, position };
    this.looks.set(name, look);
    const done = () => {
      if (this.looks.get(name) === look) this.looks.delete(name);
    };
    position.then(done, done);
    return position;
  }

  /** Waits until every local projector has taken in what was committed before the call (tests, benches). */
  async whenCaughtUp(): Promise<void> {
    await Promise.all([...this.hosted.values()].map((each) => each.subscription?.whenCaughtUp()));
  }

  /** Nest calls it when the API stops (the host is a provider's value): its listening connection ends. */
  async onApplicationShutdown(): Promise<void> {
    await this.listener?.close();
  }

  async close(): Promise<void> {
    this.stopping = true;
    await this.listener?.close();
    await Promise.all([...this.hosted.values()].map((each) => each.subscription?.stop().catch(() => undefined)));
    // The read models share one consumer: stopped once.
    const consumers = new Set([...this.hosted.values()].map((each) => each.consumer));
    await Promise.all([...consumers].map((consumer) => consumer?.stop().catch(() => undefined)));
    await Promise.all([...this.hosted.values()].map((each) => each.dataSource.destroy()));
  }

  private run(hosted: Hosted, attempt = 0): void {
    const { runner, readModel } = hosted;
    const name = readModel.projection.name;
    runner.progress.on('advanced', () => this.moved(name));
    if (!this.store) throw new Error('Projectors in this process need the event store');
    const subscription = this.store.subscribeToAll({
      name: `read-model:${name}`,
      batchSize: this.options.batchSize ?? 2000,
      handle: (events) =>
        inProjectionSpan(
          name,
          events.map((event) => event.metadata.traceparent),
          events.length,
          () => runner.handle(events),
        ),
      // The checkpoint is written by the runner in the same transaction as the rows, and moves
      // only from where the runner left it: a second instance's batch is refused, not applied.
      checkpoints: { load: () => runner.checkpoint(), store: async () => undefined },
      handlerGuardsCheckpoint: true,
      // Commands answered a few milliseconds apart go in one page: each page costs the API a read,
      // a transaction and their round trips, whatever it holds.
      minPageIntervalMs: this.options.minPageIntervalMs ?? DEFAULT_PAGE_INTERVAL_MS,
    });
    hosted.subscription = subscription;
    let advanced = false;
    runner.progress.once('advanced', () => (advanced = true));
    subscription.finished.then(
      () => undefined,
      (error: unknown) => {
        if (this.stopping) return;
        // A projector that got somewhere before it stopped starts its backoff afresh.
        if (advanced) attempt = 0;
        const delay = Math.min(5_000, 500 * 2 ** attempt);
        this.options.logger.error(`Read model ${name} stopped; restarting in ${delay} ms`, { error: String(error) });
        runner.progress.removeAllListeners('advanced');
        setTimeout(() => !this.stopping && this.run(hosted, attempt + 1), delay).unref();
      },
    );
  }

  private get(name: string): Hosted {
    const hosted = this.hosted.get(name);
    if (!hosted) throw new Error(`Read model "${name}" is not hosted here`);
    return hosted;
  }
}

/**
 * A connection LISTENing on READ_MODEL_CHANNEL, where projector workers in other processes say a
 * batch moved a read model: the views' waits for minPosition wake at once instead of at their
 * next look. A lost connection is made again (a second later); meanwhile the waits poll.
 */
class AdvanceListener {
  readonly started: Promise<void>;
  private client: ConnectionLossTolerantClient | undefined;
  private retry: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly connectionString: string,
    private readonly advanced: (readModel: string) => void,
    private readonly logger: EventStoreLogger,
  ) {
    // A database away at start does not stop the process: its views poll until it is back.
    this.started = this.connect().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    const client = new ConnectionLossTolerantClient({
      connectionString: this.connectionString,
      application_name: 'tip-read-model-listener',
    });
    this.client = client;
    client.on('notification', ({ payload }) => {
      if (payload) this.advanced(payload);
    });
    client.on('error', () => this.again(client));
    client.on('end', () => this.again(client));
    try {
      await client.connect();
      await client.query(`listen ${READ_MODEL_CHANNEL}`);
    } catch (error) {
      this.logger.warn('not listening for read models moving; views poll meanwhile', { error: String(error) });
      this.again(client);
      throw error;
    }
  }

  private again(client: ConnectionLossTolerantClient): void {
    if (this.closed || this.client !== client || this.retry) return;
    this.client = undefined;
    void client.end().catch(() => undefined);
    this.retry = setTimeout(() => {
      this.retry = undefined;
      void this.connect().catch(() => undefined);
    }, 1_000);
    this.retry.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    await this.client?.end().catch(() => undefined);
  }
}
