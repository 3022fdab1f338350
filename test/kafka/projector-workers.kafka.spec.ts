import { Kafka, logLevel } from 'kafkajs';
import { CommandPipeline } from '@tip/application';
import { createPostgresEventStore, PostgresEventStore } from '@tip/event-store';
import { EventRelay, KafkaJsBroker } from '@tip/messaging';
import { READ_MODELS, ReadModelHost } from '@tip/projections';
import { createTestDatabase, describeWithKafka, TestDatabase, testKafkaBrokers } from '@tip/testing';
import { rowCount, snapshotDifferences } from '../read-models/support/read-model-snapshot';
import { commandPipelineOver, cst, runSteps, Scenario, trainingScenario } from '../read-models/support/training-scenario';
import { collectingLogger, converged, PARTITIONS, startWorker, uniqueTopic, viewsOf } from './kafka-support';

/**
 * The same history, two ways: the in-process projectors of the embedded default in one database,
 * and two projector workers sharing the relay's Kafka partitions in another. The views must be
 * equal, row for row.
 */
describeWithKafka('Read models built by projector workers from Kafka', () => {
  const problems: string[] = [];
  const logger = collectingLogger(problems);
  let events: TestDatabase;
  let kafkaViews: TestDatabase;
  let store: PostgresEventStore;
  let pipeline: CommandPipeline;
  let closePipeline: () => Promise<void>;
  let inProcess: ReadModelHost;
  let relay: EventRelay;
  let relayBroker: KafkaJsBroker;
  let workers: Awaited<ReturnType<typeof startWorker>>[] = [];
  let scenario: Scenario;
  const topic = uniqueTopic();

  beforeAll(async () => {
    [events, kafkaViews] = await Promise.all([createTestDatabase(), createTestDatabase()]);
    store = await createPostgresEventStore({ connectionString: events.url, pollIntervalMs: 200 });
    ({ pipeline, close: closePipeline } = await commandPipelineOver(events.url, store));
    inProcess = await ReadModelHost.open(events.url, store, READ_MODELS, { runProjectors: true, logger });
    relayBroker = new KafkaJsBroker({ brokers: [testKafkaBrokers()], clientId: 'tip-test-relay', logger });
    relay = await EventRelay.start(store, relayBroker, { topic, partitions: PARTITIONS, logger });
    workers = await Promise.all([1, 2].map(() => startWorker(kafkaViews.url, testKafkaBrokers(), topic, logger)));
    scenario = trainingScenario(20_201_103);
  }, 60_000);

  afterAll(async () => {
    await Promise.all(workers.map((worker) => worker.stop()));
    await relay?.stop();
    await relayBroker?.close();
    await inProcess?.close();
    await closePipeline?.();
    await store?.close();
    await Promise.all([events?.drop(), kafkaViews?.drop()]);
  });

  it('two workers share the partitions and build exactly the views the in-process projectors build', async () => {
    await runSteps(pipeline, scenario.world, scenario.steps.filter((step) => step.at < cst('2021-05-01T00:00:00')));
    await inProcess.whenCaughtUp();
    const head = await converged(workers[0].host, store);

    const expected = await viewsOf(events.url);
    const actual = await viewsOf(kafkaViews.url);
    expect(snapshotDifferences(expected, actual)).toEqual([]);
    expect(rowCount(expected)).toBeGreaterThan(500);

    // Both workers are in each group, and between them hold every partition.
    const admin = new Kafka({ brokers: [testKafkaBrokers()], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      const { groups } = await admin.describeGroups(READ_MODELS.map((readModel) => `tip-read-model-${readModel.projection.name}`));
      for (const group of groups) expect({ group: group.groupId, members: group.members.length, state: group.state }).toEqual({ group: group.groupId, members: 2, state: 'Stable' });
    } finally {
      await admin.disconnect();
    }
    expect(head).toBeGreaterThan(1000);
    expect(problems.filter((line) => line.startsWith('error'))).toEqual([]);
  }, 120_000);

  it('takes a delivery again without counting it twice: a whole second group replaying the topic changes nothing', async () => {
    const before = await viewsOf(kafkaViews.url);
    const replayBroker = new KafkaJsBroker({ brokers: [testKafkaBrokers()], clientId: 'tip-test-replay', logger });
    const replay = await ReadModelHost.open(kafkaViews.url, undefined, READ_MODELS, {
      runProjectors: false,
      kafka: { topic, partitions: PARTITIONS, broker: replayBroker, groupPrefix: 'tip-replay-' },
      logger,
    });
    try {
      // The replaying group reads every partition from the beginning; give it the time to.
      const admin = new Kafka({ brokers: [testKafkaBrokers()], logLevel: logLevel.NOTHING }).admin();
      await admin.connect();
      const deadline = Date.now() + 60_000;
      for (;;) {
        const lag = await Promise.all(READ_MODELS.map(async (readModel) => {
          const committed = await admin.fetchOffsets({ groupId: `tip-replay-${readModel.projection.name}`, topics: [topic] });
          const latest = await admin.fetchTopicOffsets(topic);
          return latest.reduce((sum, { partition, high }) => sum + Number(high) - Number(committed[0].partitions.find((each) => each.partition === partition)?.offset ?? 0), 0);
        }));
        if (lag.every((each) => each <= 0)) break;
        if (Date.now() > deadline) throw new Error(`replay still ${lag.join(', ')} messages behind`);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      await admin.disconnect();
    } finally {
      await replay.close();
      await replayBroker.close();
    }
    expect(snapshotDifferences(before, await viewsOf(kafkaViews.url))).toEqual([]);
  }, 120_000);

  it('keeps in step as more commands come, the API\'s views answering minPosition from the partitions\' watermarks', async () => {
    await runSteps(pipeline, scenario.world, scenario.steps.filter((step) => step.at >= cst('2021-05-01T00:00:00')));
    const head = (await store.stats()).headPosition;
    const reader = await ReadModelHost.open(kafkaViews.url, undefined, READ_MODELS, { runProjectors: false, kafka: { topic, partitions: PARTITIONS }, logger, viewWaitMs: 60_000 });
    try {
      for (const readModel of READ_MODELS) await reader.waitFor(readModel, head);
      for (const readModel of READ_MODELS) expect(await reader.position(readModel)).toBeGreaterThanOrEqual(head);
    } finally {
      await reader.close();
    }
    await inProcess.whenCaughtUp();
    expect(snapshotDifferences(await viewsOf(events.url), await viewsOf(kafkaViews.url))).toEqual([]);
  }, 120_000);
});
