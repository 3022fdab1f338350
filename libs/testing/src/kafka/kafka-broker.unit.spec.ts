import { freePorts, kafkaServerProperties, randomClusterId } from './kafka-broker';
import { describeWithKafka, kafkaUnavailableReason, testKafkaBrokers } from './test-kafka';

function parse(properties: string): Record<string, string> {
  return Object.fromEntries(
    properties
      .trim()
      .split('\n')
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

describe('kafkaServerProperties', () => {
  it('configures one KRaft node, broker and controller, on loopback only', () => {
    const settings = parse(kafkaServerProperties({ port: 19092, controllerPort: 19093, dataDir: '/tmp/x/data' }));
    expect(settings).toMatchObject({
      'process.roles': 'broker,controller',
      'node.id': '1',
      'controller.quorum.voters': '1@127.0.0.1:19093',
      listeners: 'PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093',
      'advertised.listeners': 'PLAINTEXT://127.0.0.1:19092',
      'inter.broker.listener.name': 'PLAINTEXT',
      'controller.listener.names': 'CONTROLLER',
      'log.dirs': '/tmp/x/data',
      'offsets.topic.replication.factor': '1',
      'transaction.state.log.replication.factor': '1',
      'transaction.state.log.min.isr': '1',
      'num.partitions': '1',
      'auto.create.topics.enable': 'false',
      'group.initial.rebalance.delay.ms': '0',
    });
  });

  it('lets the caller override and add settings', () => {
    const settings = parse(
      kafkaServerProperties({
        port: 1,
        controllerPort: 2,
        dataDir: '/d',
        properties: { 'auto.create.topics.enable': true, 'log.retention.ms': 1000 },
      }),
    );
    expect(settings['auto.create.topics.enable']).toBe('true');
    expect(settings['log.retention.ms']).toBe('1000');
  });
});

describe('randomClusterId', () => {
  it('gives 22 base64url characters (16 bytes), never starting with "-"', () => {
    const ids = Array.from({ length: 200 }, randomClusterId);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('freePorts', () => {
  it('gives distinct ports', async () => {
    const ports = await freePorts(2);
    expect(ports).toHaveLength(2);
    expect(ports[0]).not.toBe(ports[1]);
  });
});

describe('kafkaUnavailableReason', () => {
  const keys = ['TIP_TEST_KAFKA_BROKERS', 'TIP_TEST_KAFKA_UNAVAILABLE', 'TIP_TEST_KAFKA_LOCAL_UNAVAILABLE'] as const;
  const saved = keys.map((key) => process.env[key]);
  beforeEach(() => keys.forEach((key) => delete process.env[key]));
  afterEach(() =>
    keys.forEach((key, i) => {
      const value = saved[i];
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }),
  );

  it('outside the kafka project, says how to get a broker', () => {
    expect(kafkaUnavailableReason()).toMatch(/TIP_TEST_KAFKA_BROKERS is not set.*\*\.kafka\.spec\.ts/);
    expect(() => testKafkaBrokers()).toThrow(/No Kafka broker for this test: TIP_TEST_KAFKA_BROKERS is not set/);
  });

  it('passes on why globalSetup had no broker', () => {
    process.env.TIP_TEST_KAFKA_UNAVAILABLE = 'cannot run `java`';
    expect(kafkaUnavailableReason()).toBe('cannot run `java`');
  });

  it('is undefined with a broker, unless the suite also starts brokers of its own and cannot', () => {
    process.env.TIP_TEST_KAFKA_BROKERS = '127.0.0.1:9092';
    expect(kafkaUnavailableReason()).toBeUndefined();
    expect(testKafkaBrokers()).toBe('127.0.0.1:9092');
    expect(kafkaUnavailableReason({ localBroker: true })).toBeUndefined();
    process.env.TIP_TEST_KAFKA_LOCAL_UNAVAILABLE = 'cannot run `mvn`';
    expect(kafkaUnavailableReason()).toBeUndefined();
    expect(kafkaUnavailableReason({ localBroker: true })).toBe('cannot run `mvn`');
  });
});

describe('describeWithKafka', () => {
  const saved = { brokers: process.env.TIP_TEST_KAFKA_BROKERS, ci: process.env.CI };
  afterAll(() => {
    if (saved.brokers === undefined) delete process.env.TIP_TEST_KAFKA_BROKERS;
    else process.env.TIP_TEST_KAFKA_BROKERS = saved.brokers;
    if (saved.ci === undefined) delete process.env.CI;
    else process.env.CI = saved.ci;
  });

  it('skips loudly outside CI and fails under CI=true', () => {
    delete process.env.TIP_TEST_KAFKA_BROKERS;
    const calls: string[] = [];
    const fakeDescribe = Object.assign((name: string) => calls.push(`describe ${name}`), {
      skip: (name: string) => calls.push(`skip ${name}`),
    });
    const realDescribe = global.describe;
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      global.describe = fakeDescribe as unknown as jest.Describe;
      delete process.env.CI;
      describeWithKafka('suite', () => undefined);
      process.env.CI = 'true';
      describeWithKafka('suite', () => undefined);
      process.env.TIP_TEST_KAFKA_BROKERS = '127.0.0.1:9092';
      describeWithKafka('suite', () => undefined);
      expect(warn).toHaveBeenCalledTimes(1);
      expect(warn).toHaveBeenCalledWith(expect.stringMatching(/SKIPPING "suite": no Kafka broker/));
    } finally {
      global.describe = realDescribe;
      warn.mockRestore();
    }
    expect(calls).toEqual([
      expect.stringMatching(/^skip suite \[SKIPPED, no Kafka broker: TIP_TEST_KAFKA_BROKERS is not set/),
      'describe suite',
      'describe suite',
    ]);
  });
});
