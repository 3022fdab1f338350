import { describeWithKafka, testKafkaBrokers } from '@tip/testing';
import { KafkaJsBroker, MessageBroker, PartitionLag } from '@tip/messaging';
import { uniqueTopic } from './kafka-support';

/** A consumer group's lag read from the broker's offsets (what apps/projector reports per read model). */
describeWithKafka("a consumer group's lag, from the broker's offsets", () => {
  let broker: MessageBroker;
  beforeAll(() => {
    broker = new KafkaJsBroker({ brokers: [testKafkaBrokers()], clientId: 'tip-test-lag' });
  });
  afterAll(() => broker?.close());

  const lagUntil = async (groupId: string, topic: string, done: (lag: PartitionLag[]) => boolean) => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const lag = await broker.consumerLag(groupId, topic);
      if (done(lag)) return lag;
      if (Date.now() > deadline) throw new Error(`the lag never settled: ${JSON.stringify(lag)}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  };

  it('counts what the group has not committed, per partition: all before it reads, none once it has, new messages after', async () => {
    const topic = uniqueTopic();
    expect(await broker.ensureTopic(topic, 2)).toBe(2);
    const producer = await broker.producer();
    const message = (partition: number, n: number) => ({ key: null, value: `m${n}`, headers: {}, partition });
    await producer.send(topic, [message(0, 1), message(0, 2), message(0, 3), message(1, 4), message(1, 5)]);

    expect(await broker.consumerLag('tip-test-lag-group', topic)).toEqual([
      { partition: 0, end: 3, committed: null, lag: 3 },
      { partition: 1, end: 2, committed: null, lag: 2 },
    ]);

    const handled: string[] = [];
    const consumer = await broker.consume({
      groupId: 'tip-test-lag-group',
      topic,
      handle: async (batch) => void handled.push(...batch.messages.map((each) => each.value)),
    });
    expect(await lagUntil('tip-test-lag-group', topic, (lag) => lag.every((each) => each.lag === 0))).toEqual([
      { partition: 0, end: 3, committed: 3, lag: 0 },
      { partition: 1, end: 2, committed: 2, lag: 0 },
    ]);
    expect(handled.sort()).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);
    await consumer.stop();

    await producer.send(topic, [message(1, 6), message(1, 7)]);
    expect(await broker.consumerLag('tip-test-lag-group', topic)).toEqual([
      { partition: 0, end: 3, committed: 3, lag: 0 },
      { partition: 1, end: 4, committed: 2, lag: 2 },
    ]);
    await producer.close();
  }, 90_000);
});
