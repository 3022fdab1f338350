import { randomUUID } from 'node:crypto';
import { createPostgresEventStore, PostgresEventStore } from '@tip/event-store';
import { EventRelay, KafkaJsBroker, MessageBroker } from '@tip/messaging';
import { createTestDatabase, describeWithKafka, TestDatabase, testKafkaBrokers } from '@tip/testing';
import { collectingLogger, hoursRecorded, uniqueTopic } from './kafka-support';

/**
 * The relay's requests: each is a broker append, and a fetch and a transaction per partition in
 * every consumer group, so appends that come close together go out together.
 */
describeWithKafka("the relay's pages", () => {
  let database: TestDatabase;
  let store: PostgresEventStore;
  let broker: MessageBroker;
  const problems: string[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    store = await createPostgresEventStore({ connectionString: database.url, pollIntervalMs: 200 });
    broker = new KafkaJsBroker({ brokers: [testKafkaBrokers()], clientId: 'tip-test-relay-pages' });
  });
  afterAll(async () => {
    await broker?.close();
    await store?.close();
    await database?.drop();
  });

  it('sends the appends that come within its page interval in one request, each event once', async () => {
    // The real producer, its requests counted.
    const sends: number[] = [];
    const counting: MessageBroker = Object.create(broker) as MessageBroker;
    counting.producer = async () => {
      const producer = await broker.producer();
      return {
        send: (topic, messages) => {
          sends.push(messages.length);
          return producer.send(topic, messages);
        },
        close: () => producer.close(),
      };
    };
    const relay = await EventRelay.start(store, counting, {
      topic: uniqueTopic(),
      partitions: 2,
      minPageIntervalMs: 2_000,
      logger: collectingLogger(problems),
    });
    try {
      await store.appendToStream(`teacher-${randomUUID()}`, [hoursRecorded()]);
      await relay.whenCaughtUp();
      // Twenty appends one after another, well within the interval: one request for them all.
      let last = 0;
      for (let n = 0; n < 20; n++)
        last = (await store.appendToStream(`teacher-${randomUUID()}`, [hoursRecorded()])).lastPosition;
      await relay.whenCaughtUp();
      expect(relay.position).toBe(last);
      // The first append's page, then the twenty's: each with a watermark on both partitions.
      expect(sends).toEqual([1 + 2, 20 + 2]);
    } finally {
      await relay.stop();
    }
    expect(problems).toEqual([]);
  }, 60_000);
});
