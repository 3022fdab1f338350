import { EventStore, EventStoreLogger, Subscription } from '@tip/event-store';
import { eventMessage, watermarkMessages } from '../integration-events';
import { MessageBroker, MessageProducer, OutgoingMessage } from '../port/message-broker';

export interface RelayOptions {
  topic: string;
  /** Partitions the topic is created with when missing. */
  partitions: number;
  /** Name of the relay's subscription: its checkpoint and its lease. */
  subscriptionName?: string;
  batchSize?: number;
  /**
   * Following live appends, a page is read at least this long after the one before began: the
   * appends of that time go out as one request, not one each (each request is a broker append,
   * and a fetch and a transaction per partition in every consumer group). Default
   * RELAY_PAGE_INTERVAL_MS.
   */
  minPageIntervalMs?: number;
  /**
   * A partition a page has no event for gets the page's watermark only when none went to it this
   * long ago (alone, a watermark is a fetch and a transaction in every consumer group); what it is
   * owed follows by itself at most this long after. Default WATERMARK_INTERVAL_MS.
   */
  watermarkIntervalMs?: number;
  logger: EventStoreLogger;
}

/** See RelayOptions.minPageIntervalMs. Shorter than the in-process projectors' (DEFAULT_PAGE_INTERVAL_MS): the workers' fetch comes after it. */
export const RELAY_PAGE_INTERVAL_MS = 10;

/** See RelayOptions.watermarkIntervalMs: what it adds at most to a read-your-writes wait. */
export const WATERMARK_INTERVAL_MS = 50;

/**
 * Publishes every stored event to Kafka: just another checkpointed subscriber of the event log
 * (no outbox table). Each page goes out keyed by stream id (a stream's events stay in order on
 * one partition), followed by a watermark on the partitions it has events for and on those that
 * had none for a while, in the same request; the others get theirs within the watermark interval.
 * The checkpoint moves only after the broker acknowledged the page, so a crash publishes a page
 * again (at least once; consumers deduplicate).
 */
export class EventRelay {
  private constructor(
    private readonly subscription: Subscription,
    private readonly producer: MessageProducer,
    private readonly watermarks: OwedWatermarks,
  ) {}

  static async start(store: EventStore, broker: MessageBroker, options: RelayOptions): Promise<EventRelay> {
    const partitions = await broker.ensureTopic(options.topic, options.partitions);
    // Views take their position from a watermark on every partition they are told of: a topic
    // with other partitions than configured would answer minPosition too early, or never.
    if (partitions !== options.partitions) {
      throw new Error(
        `Topic ${options.topic} has ${partitions} partitions, but TIP_KAFKA_PARTITIONS says ${options.partitions}: set it to ${partitions} for the API, the relay and the workers`,
      );
    }
    const producer = await broker.producer();
    // Page and watermark requests one after the other: a partition's messages keep their order.
    let sending: Promise<unknown> = Promise.resolve();
    const send = (messages: OutgoingMessage[]): Promise<void> => {
      const sent = sending.then(() => producer.send(options.topic, messages));
      sending = sent.catch(() => undefined);
      return sent;
    };
    const watermarks = new OwedWatermarks(
      partitions,
      options.watermarkIntervalMs ?? WATERMARK_INTERVAL_MS,
      (position, to) => send(watermarkMessages(position, to)),
      options.logger,
    );
    const subscription = store.subscribeToAll({
      name: options.subscriptionName ?? 'kafka-relay',
      batchSize: options.batchSize ?? 1000,
      // A broker outage is waited out (backoff up to 5 s), never given up on.
      maxRetries: Number.POSITIVE_INFINITY,
      // A checkpoint lost in a database crash publishes its pages again: the workers pass over
      // positions they applied (projection-runner's handlePartitionBatch), so it need not be durable.
      checkpointMayLag: true,
      minPageIntervalMs: options.minPageIntervalMs ?? RELAY_PAGE_INTERVAL_MS,
      // One request for the page and its watermarks: a partition's events and its watermark after
      // them go to the broker as one record batch, appended together (one round trip, not two).
      handle: async (events) => {
        const carrying = new Set<number>();
        const messages = events.map((event) => {
          const partition = broker.partitionOf(event.streamId, partitions);
          carrying.add(partition);
          return { ...eventMessage(event), partition };
        });
        const position = events[events.length - 1].position;
        const to = watermarks.dueWith(carrying);
        await send([...messages, ...watermarkMessages(position, to)]);
        watermarks.published(position, to);
      },
    });
    subscription.finished.catch((error: unknown) =>
      options.logger.error('Kafka relay stopped', { error: String(error) }),
    );
    // A relay that stopped (or crashed) owing watermarks: whoever holds the lease next sends them
    // up to its checkpoint once it has caught up, even when no event follows.
    subscription.whenCaughtUp().then(
      () => watermarks.published(subscription.position, []),
      () => undefined,
    );
    return new EventRelay(subscription, producer, watermarks);
  }

  /** Position of the last event published. */
  get position(): number {
    return this.subscription.position;
  }

  whenCaughtUp(): Promise<void> {
    return this.subscription.whenCaughtUp();
  }

  async stop(): Promise<void> {
    this.watermarks.stop();
    await this.subscription.stop();
    await this.producer.close();
  }
}

/** Which partitions a watermark goes to, and when the ones a page left out get theirs. */
class OwedWatermarks {
  private readonly sentPosition: number[];
  private readonly sentAt: number[];
  private position = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly partitions: number,
    private readonly intervalMs: number,
    private readonly send: (position: number, partitions: number[]) => Promise<void>,
    private readonly logger: EventStoreLogger,
  ) {
    this.sentPosition = new Array<number>(partitions).fill(0);
    this.sentAt = new Array<number>(partitions).fill(Number.NEGATIVE_INFINITY);
  }

  /** A page's watermark goes with its events, and to partitions that had none for the interval. */
  dueWith(carrying: ReadonlySet<number>): number[] {
    const now = performance.now();
    return this.all().filter((partition) => carrying.has(partition) || now - this.sentAt[partition] >= this.intervalMs);
  }

  /** The broker acknowledged every event up to `position`, and a watermark at it on `to`. */
  published(position: number, to: readonly number[]): void {
    const now = performance.now();
    this.position = Math.max(this.position, position);
    for (const partition of to) {
      this.sentPosition[partition] = Math.max(this.sentPosition[partition], position);
      this.sentAt[partition] = now;
    }
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private all(): number[] {
    return Array.from({ length: this.partitions }, (_, partition) => partition);
  }

  private owed(): number[] {
    return this.all().filter((partition) => this.sentPosition[partition] < this.position);
  }

  private schedule(): void {
    if (this.timer || this.stopped) return;
    const owed = this.owed();
    if (owed.length === 0) return;
    const due = Math.min(...owed.map((partition) => this.sentAt[partition])) + this.intervalMs;
    this.timer = setTimeout(() => void this.flush(), Math.max(0, due - performance.now()));
  }

  private async flush(): Promise<void> {
    const position = this.position;
    const to = this.owed();
    try {
      if (to.length > 0) await this.send(position, to);
      this.timer = undefined;
      this.published(position, to);
    } catch (error) {
      this.logger.warn('Kafka relay: watermarks not sent, trying again', { error: String(error) });
      this.timer = undefined;
      if (!this.stopped) this.timer = setTimeout(() => void this.flush(), this.intervalMs);
    }
  }
}
