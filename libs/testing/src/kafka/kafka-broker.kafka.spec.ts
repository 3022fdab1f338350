import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { Socket } from 'node:net';
import { Kafka, KafkaConfig, logLevel, Partitioners, Producer, ProducerConfig } from 'kafkajs';
import { KafkaBroker, startKafkaBroker } from './kafka-broker';
import { describeWithKafka, testKafkaBrokers } from './test-kafka';

interface Received {
  readonly partition: number;
  readonly offset: string;
  readonly key: string;
  readonly value: string;
}

function kafkaClient(brokers: string, config: Partial<KafkaConfig> = {}): Kafka {
  return new Kafka({ clientId: 'tip-kafka-broker-test', brokers: [brokers], logLevel: logLevel.NOTHING, ...config });
}

function idempotentProducer(kafka: Kafka, config: Partial<ProducerConfig> = {}): Producer {
  return kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
    ...config,
  });
}

async function createTopic(kafka: Kafka, partitions: number): Promise<string> {
  const topic = `tip-test-${randomUUID()}`;
  const admin = kafka.admin();
  await admin.connect();
  try {
    expect(await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true })).toBe(
      true,
    );
    const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
    expect(metadata.topics[0].partitions).toHaveLength(partitions);
  } finally {
    await admin.disconnect();
  }
  return topic;
}

function messages(prefix: string, count: number): { key: string; value: string }[] {
  return Array.from({ length: count }, (_, i) => ({ key: `${prefix}-key-${i}`, value: `${prefix}-${i}` }));
}

/**
 * Consumes in `groupId` until `count` messages arrived, then waits `settleMs` more to catch any
 * extra (a duplicate), and leaves the group (committing its offsets).
 */
async function consume(
  kafka: Kafka,
  groupId: string,
  topic: string,
  count: number,
  settleMs = 500,
): Promise<Received[]> {
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
  const received: Received[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`consumed ${received.length} of ${count} messages of ${topic} in 20 s`)),
        20_000,
      );
      consumer
        .run({
          eachMessage: async ({ partition, message }) => {
            received.push({
              partition,
              offset: message.offset,
              key: String(message.key),
              value: String(message.value),
            });
            if (received.length >= count) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
    await new Promise((resolve) => setTimeout(resolve, settleMs));
  } finally {
    await consumer.disconnect();
  }
  return received;
}

function portAccepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.once('error', () => resolve(false));
    socket.connect(port, '127.0.0.1', () => {
      socket.destroy();
      resolve(true);
    });
  });
}

function values(received: readonly Received[]): string[] {
  return received.map((message) => message.value).sort();
}

describeWithKafka('the test Kafka broker of the kafka project', () => {
  it('creates a 3-partition topic, takes idempotent writes and hands them to a consumer group', async () => {
    const kafka = kafkaClient(testKafkaBrokers());
    const topic = await createTopic(kafka, 3);

    const producer = idempotentProducer(kafka);
    await producer.connect();
    const sent = messages('a', 30);
    try {
      const results = await producer.send({ topic, messages: sent });
      expect(new Set(results.map((result) => result.partition))).toEqual(new Set([0, 1, 2]));
      expect(results.every((result) => result.errorCode === 0)).toBe(true);
    } finally {
      await producer.disconnect();
    }

    const groupId = `tip-test-group-${randomUUID()}`;
    const received = await consume(kafka, groupId, topic, sent.length);
    expect(values(received)).toEqual(sent.map((message) => message.value).sort());
    // Each key lands on one partition, and each partition is read in offset order.
    for (const partition of [0, 1, 2]) {
      const offsets = received
        .filter((message) => message.partition === partition)
        .map((message) => Number(message.offset));
      expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
    }

    const admin = kafka.admin();
    await admin.connect();
    try {
      const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
      const total = committed.partitions.reduce((sum, partition) => sum + Number(partition.offset), 0);
      expect(total).toBe(sent.length);
    } finally {
      await admin.disconnect();
    }
  });
});

describeWithKafka(
  'a test Kafka broker stopped and started again',
  () => {
    let broker: KafkaBroker | undefined;
    const started = (): KafkaBroker => {
      if (!broker) throw new Error('the broker did not start');
      return broker;
    };

    beforeAll(async () => {
      broker = await startKafkaBroker();
    }, 90_000);

    afterAll(async () => {
      const dir = broker?.dir;
      await broker?.stop();
      if (dir) expect(existsSync(dir)).toBe(false);
    }, 30_000);

    it('keeps its data, fails and retries writes while down, and takes them again once back', async () => {
      const kafka = kafkaClient(started().brokers, { connectionTimeout: 1000, requestTimeout: 3000 });
      const topic = await createTopic(kafka, 3);
      const groupId = `tip-test-group-${randomUUID()}`;

      // A patient producer keeps its connection across the restart; an impatient one gives up.
      const patient = idempotentProducer(kafka, { retry: { retries: 100, initialRetryTime: 200, maxRetryTime: 1000 } });
      // (The client's own retry governs reconnecting, so the impatient producer needs its own client.)
      const quickRetry = { retries: 2, initialRetryTime: 100, maxRetryTime: 300 };
      const impatient = idempotentProducer(
        kafkaClient(started().brokers, { connectionTimeout: 1000, requestTimeout: 3000, retry: quickRetry }),
        { retry: quickRetry },
      );
      await Promise.all([patient.connect(), impatient.connect()]);
      try {
        const before = messages('before', 12);
        await patient.send({ topic, messages: before });
        expect(values(await consume(kafka, groupId, topic, before.length))).toEqual(before.map((m) => m.value).sort());

        const { port } = started();
        await started().stop({ keepData: true });
        expect(started().running).toBe(false);
        expect(await portAccepts(port)).toBe(false);

        await expect(impatient.send({ topic, messages: messages('lost', 3) })).rejects.toThrow();
        const during = messages('during', 6);
        let retriedSendSettled = false;
        const retried = patient.send({ topic, messages: during }).finally(() => {
          retriedSendSettled = true;
        });
        await new Promise((resolve) => setTimeout(resolve, 1500));
        expect(retriedSendSettled).toBe(false);

        await started().start();
        expect(started().port).toBe(port);
        expect(started().lastStartMs).toBeLessThan(15_000);
        await retried;
        const after = messages('after', 9);
        await patient.send({ topic, messages: after });

        // The group's committed offsets survived: it reads only what came since.
        const resumed = await consume(kafka, groupId, topic, during.length + after.length);
        expect(values(resumed)).toEqual([...during, ...after].map((m) => m.value).sort());
        // Everything is there exactly once; nothing of the failed write.
        const all = await consume(
          kafka,
          `tip-test-group-${randomUUID()}`,
          topic,
          before.length + during.length + after.length,
        );
        expect(values(all)).toEqual([...before, ...during, ...after].map((m) => m.value).sort());
      } finally {
        await Promise.all([patient.disconnect(), impatient.disconnect()]);
      }
    }, 90_000);
  },
  { localBroker: true },
);
