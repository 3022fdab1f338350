import { Kafka, logLevel } from 'kafkajs';
import { KafkaJsBroker } from '@tip/messaging';
import { READ_MODELS, ReadModelHost, readModelsGroup } from '@tip/projections';
import { describeWithKafka, testKafkaBrokers } from '@tip/testing';
import { rowCount, snapshotDifferences } from '../read-models/support/read-model-snapshot';
import { cst, runSteps, Scenario, trainingScenario } from '../read-models/support/training-scenario';
import {
  collectingLogger,
  consumedToEnd,
  converged,
  nextOffsets,
  PARTITIONS,
  startWorker,
  TwoWays,
  twoWays,
  viewsOf,
} from './kafka-support';

/**
 * The same history, two ways: the in-process projectors of the embedded default in one database,
 * and two projector workers sharing the relay's Kafka partitions in another. The views must be
 * equal, row for row.
 */
describeWithKafka('Read models built by projector workers from Kafka', () => {
  const problems: string[] = [];
  const logger = collectingLogger(problems);
  let world: TwoWays;
  let workers: Awaited<ReturnType<typeof startWorker>>[] = [];
  const scenario: Scenario = trainingScenario(20_201_103);

  beforeAll(async () => {
    world = await twoWays(testKafkaBrokers(), logger);
    workers = await Promise.all(
      [1, 2].map(() => startWorker(world.kafkaViews.url, testKafkaBrokers(), world.topic, logger)),
    );
  }, 60_000);

  afterAll(async () => {
    await Promise.all(workers.map((worker) => worker.stop()));
    await world?.close();
  });

  it('two workers share the partitions and build exactly the views the in-process projectors build', async () => {
    await runSteps(
      world.pipeline,
      scenario.world,
      scenario.steps.filter((step) => step.at < cst('2021-05-01T00:00:00')),
    );
    await world.inProcess.whenCaughtUp();
    const head = await converged(workers[0].host, world.store);

    const expected = await viewsOf(world.events.url);
    const actual = await viewsOf(world.kafkaViews.url);
    expect(snapshotDifferences(expected, actual)).toEqual([]);
    expect(rowCount(expected)).toBeGreaterThan(500);

    // Both workers are in the read models' group, and between them hold every partition.
    const admin = new Kafka({ brokers: [testKafkaBrokers()], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      const { groups } = await admin.describeGroups([
        readModelsGroup(READ_MODELS.map((readModel) => readModel.projection.name)),
      ]);
      for (const group of groups)
        expect({ group: group.groupId, members: group.members.length, state: group.state }).toEqual({
          group: group.groupId,
          members: 2,
          state: 'Stable',
        });
    } finally {
      await admin.disconnect();
    }
    expect(head).toBeGreaterThan(1000);
    expect(problems.filter((line) => line.startsWith('error'))).toEqual([]);
  }, 120_000);

  it('takes a delivery again without counting it twice: a whole second group replaying the topic changes nothing', async () => {
    const before = await viewsOf(world.kafkaViews.url);
    const replayBroker = new KafkaJsBroker({ brokers: [testKafkaBrokers()], clientId: 'tip-test-replay', logger });
    // Committed at the beginning: a new group would otherwise start where the read models stand.
    const replayGroup = readModelsGroup(
      READ_MODELS.map((readModel) => readModel.projection.name),
      'tip-replay-',
    );
    const seeding = new Kafka({ brokers: [testKafkaBrokers()], logLevel: logLevel.NOTHING }).admin();
    await seeding.connect();
    await seeding.setOffsets({
      groupId: replayGroup,
      topic: world.topic,
      partitions: Array.from({ length: PARTITIONS }, (_, partition) => ({ partition, offset: '0' })),
    });
    await seeding.disconnect();
    const replay = await ReadModelHost.open(world.kafkaViews.url, undefined, READ_MODELS, {
      runProjectors: false,
      kafka: { topic: world.topic, partitions: PARTITIONS, broker: replayBroker, groupPrefix: 'tip-replay-' },
      logger,
    });
    try {
      // The replaying group reads every partition from the beginning; give it the time to.
      const admin = new Kafka({ brokers: [testKafkaBrokers()], logLevel: logLevel.NOTHING }).admin();
      await admin.connect();
      const deadline = Date.now() + 60_000;
      for (;;) {
        const lag = await Promise.all(
          // The read models' one group (each message fetched once for all of them).
          [
            readModelsGroup(
              READ_MODELS.map((readModel) => readModel.projection.name),
              'tip-replay-',
            ),
          ].map(async (groupId) => {
            const committed = await admin.fetchOffsets({
              groupId,
              topics: [world.topic],
            });
            const latest = await admin.fetchTopicOffsets(world.topic);
            return latest.reduce(
              (sum, { partition, high }) =>
                sum +
                Number(high) -
                Number(committed[0].partitions.find((each) => each.partition === partition)?.offset ?? 0),
              0,
            );
          }),
        );
        if (lag.every((each) => each <= 0)) break;
        if (Date.now() > deadline) throw new Error(`replay still ${lag.join(', ')} messages behind`);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      await admin.disconnect();
    } finally {
      await replay.close();
      await replayBroker.close();
    }
    expect(snapshotDifferences(before, await viewsOf(world.kafkaViews.url))).toEqual([]);
  }, 120_000);

  it("starts a new group (groups renamed by an upgrade) where the read models stand, not at the topic's beginning", async () => {
    const standing = await nextOffsets(world.kafkaViews.url, world.topic);
    expect(standing.size).toBe(PARTITIONS);
    expect([...standing.values()].some((offset) => offset > 0)).toBe(true);
    const broker = new KafkaJsBroker({ brokers: [testKafkaBrokers()], clientId: 'tip-test-upgrade', logger });
    const upgraded = await ReadModelHost.open(world.kafkaViews.url, undefined, READ_MODELS, {
      runProjectors: false,
      kafka: { topic: world.topic, partitions: PARTITIONS, broker, groupPrefix: 'tip-upgraded-' },
      logger,
    });
    try {
      const group = readModelsGroup(
        READ_MODELS.map((readModel) => readModel.projection.name),
        'tip-upgraded-',
      );
      const committed = new Map(
        (await broker.consumerLag(group, world.topic)).map((lag) => [lag.partition, lag.committed]),
      );
      expect(committed).toEqual(standing);
    } finally {
      await upgraded.close();
      await broker.close();
    }
  }, 60_000);

  it('counts nothing twice when the relay publishes a stretch of the log again (a crash before its checkpoint)', async () => {
    const before = await viewsOf(world.kafkaViews.url);
    await world.republishFrom(0);
    await world.relay.whenCaughtUp();
    await consumedToEnd(testKafkaBrokers(), world.topic, world.kafkaViews.url);
    expect(snapshotDifferences(before, await viewsOf(world.kafkaViews.url))).toEqual([]);
  }, 120_000);

  it("keeps in step as more commands come, the API's views answering minPosition from the partitions' watermarks", async () => {
    await runSteps(
      world.pipeline,
      scenario.world,
      scenario.steps.filter((step) => step.at >= cst('2021-05-01T00:00:00')),
    );
    const head = (await world.store.stats()).headPosition;
    const reader = await ReadModelHost.open(world.kafkaViews.url, undefined, READ_MODELS, {
      runProjectors: false,
      kafka: { topic: world.topic, partitions: PARTITIONS },
      logger,
      viewWaitMs: 60_000,
    });
    try {
      for (const readModel of READ_MODELS) await reader.waitFor(readModel, head);
      for (const readModel of READ_MODELS) expect(await reader.position(readModel)).toBeGreaterThanOrEqual(head);
    } finally {
      await reader.close();
    }
    await world.inProcess.whenCaughtUp();
    expect(snapshotDifferences(await viewsOf(world.events.url), await viewsOf(world.kafkaViews.url))).toEqual([]);
  }, 120_000);
});
