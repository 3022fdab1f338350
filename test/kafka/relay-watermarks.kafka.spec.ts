import { randomUUID } from 'node:crypto';
import { createPostgresEventStore, PostgresEventStore } from '@tip/event-store';
import { EventRelay, HEADERS, KafkaJsBroker, MessageBroker } from '@tip/messaging';
import { READ_MODELS } from '@tip/projections';
import { createTestDatabase, describeWithKafka, TestDatabase, testKafkaBrokers } from '@tip/testing';
import { collectingLogger, hoursRecorded, PARTITIONS, startWorker, uniqueTopic } from './kafka-support';

/**
 * Alone, a watermark is a fetch and a transaction on its partition in every consumer group: the
 * relay sends one to a partition a page has no event for only once an interval, and what a
 * partition is owed always follows, so a view waiting for a position is released.
 */
describeWithKafka("the relay's watermarks", () => {
  let database: TestDatabase;
  let store: PostgresEventStore;
  let broker: MessageBroker;
  const problems: string[] = [];
  // A worker's kafkajs notes while the broker's group coordinator starts are not the relay's problems.
  const workerNotes: string[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    store = await createPostgresEventStore({ connectionString: database.url, pollIntervalMs: 200 });
    broker = new KafkaJsBroker({ brokers: [testKafkaBrokers()], clientId: 'tip-test-relay-watermarks' });
  });
  afterAll(async () => {
    await broker?.close();
    await store?.close();
    await database?.drop();
  });

  /** The real producer, the watermarks it sends recorded: [partition, position]. */
  function countingWatermarks(): { broker: MessageBroker; watermarks: [number, number][] } {
    const watermarks: [number, number][] = [];
    const counting: MessageBroker = Object.create(broker) as MessageBroker;
    counting.producer = async () => {
      const producer = await broker.producer();
      return {
        send: (topic, messages) => {
          for (const message of messages) {
            const position = message.headers[HEADERS.watermark];
            if (position !== undefined) watermarks.push([message.partition ?? -1, Number(position)]);
          }
          return producer.send(topic, messages);
        },
        close: () => producer.close(),
      };
    };
    return { broker: counting, watermarks };
  }

  /** Pages of one stream's events, one after another: every page has events for its partition only. */
  async function pagesOfOneStream(relay: EventRelay, pages: number): Promise<{ partition: number; last: number }> {
    const streamId = `teacher-${randomUUID()}`;
    let last = 0;
    for (let page = 0; page < pages; page++) {
      last = (await store.appendToStream(streamId, [hoursRecorded()])).lastPosition;
      await relay.whenCaughtUp();
    }
    expect(relay.position).toBe(last);
    return { partition: broker.partitionOf(streamId, PARTITIONS), last };
  }

  it('sends a watermark alone to a partition a page has no event for once an interval, not with every page', async () => {
    const { broker: counting, watermarks } = countingWatermarks();
    const relay = await EventRelay.start(store, counting, {
      topic: uniqueTopic(),
      partitions: PARTITIONS,
      minPageIntervalMs: 0,
      watermarkIntervalMs: 5_000,
      logger: collectingLogger(problems),
    });
    const pages = 8;
    try {
      const { partition } = await pagesOfOneStream(relay, pages);
      const sentTo = (wanted: number) => watermarks.filter(([to]) => to === wanted).length;
      // The stream's partition has one with each of its pages; the others far fewer than a page's each.
      expect(sentTo(partition)).toBe(pages);
      for (let other = 0; other < PARTITIONS; other++)
        if (other !== partition) expect(sentTo(other)).toBeLessThan(pages / 2);
      expect(watermarks.length).toBeLessThan(pages * PARTITIONS);
    } finally {
      await relay.stop();
    }
    expect(problems).toEqual([]);
  }, 60_000);

  it('releases a view waiting for a position whose partitions get no event: their watermarks follow within the interval', async () => {
    const topic = uniqueTopic();
    const relay = await EventRelay.start(store, broker, {
      topic,
      partitions: PARTITIONS,
      minPageIntervalMs: 0,
      watermarkIntervalMs: 300,
      logger: collectingLogger(problems),
    });
    const worker = await startWorker(database.url, testKafkaBrokers(), topic, collectingLogger(workerNotes));
    try {
      const { last } = await pagesOfOneStream(relay, 3);
      // Nothing more is appended: the other partitions' watermarks come from the relay's own timer.
      await Promise.all(READ_MODELS.map((readModel) => worker.host.waitFor(readModel, last, 60_000)));
    } finally {
      await worker.stop();
      await relay.stop();
    }
    expect(problems).toEqual([]);
  }, 120_000);

  it('has the next relay send what a stopped one owed, once it has caught up, with no event after', async () => {
    const topic = uniqueTopic();
    const subscriptionName = `relay-${randomUUID()}`;
    const options = {
      topic,
      partitions: PARTITIONS,
      subscriptionName,
      minPageIntervalMs: 0,
      logger: collectingLogger(problems),
    };
    // An interval no test waits out: the first relay stops owing its other partitions the last page's watermark.
    const first = await EventRelay.start(store, broker, { ...options, watermarkIntervalMs: 600_000 });
    await first.whenCaughtUp();
    const { last } = await pagesOfOneStream(first, 2);
    await first.stop();
    const worker = await startWorker(database.url, testKafkaBrokers(), topic, collectingLogger(workerNotes));
    const { broker: counting, watermarks } = countingWatermarks();
    const next = await EventRelay.start(store, counting, { ...options, watermarkIntervalMs: 600_000 });
    try {
      await next.whenCaughtUp();
      await Promise.all(READ_MODELS.map((readModel) => worker.host.waitFor(readModel, last, 60_000)));
      expect(watermarks.every(([, position]) => position === last)).toBe(true);
    } finally {
      await worker.stop();
      await next.stop();
    }
    expect(problems).toEqual([]);
  }, 120_000);
});
