import { ChildProcess } from 'node:child_process';
import { READ_MODELS, ReadModelHost } from '@tip/projections';
import { describeWithKafka, KafkaBroker, startKafkaBroker } from '@tip/testing';
import { snapshotDifferences } from '../read-models/support/read-model-snapshot';
import { cst, runSteps, Scenario, trainingScenario } from '../read-models/support/training-scenario';
import {
  collectingLogger,
  converged,
  exited,
  groupsStable,
  PARTITIONS,
  spawnWorker,
  TwoWays,
  twoWays,
  viewsOf,
} from './kafka-support';

/**
 * What goes wrong in production, with a broker of the test's own: the broker stops while the
 * relay publishes, a projector worker is killed while it works. Nothing may be lost or counted
 * twice: the views still equal the in-process ones.
 */
describeWithKafka(
  'Kafka faults: a broker restart, a projector worker killed',
  () => {
    const problems: string[] = [];
    const logger = collectingLogger(problems);
    let broker: KafkaBroker;
    let world: TwoWays;
    let reader: ReadModelHost;
    let workers: ChildProcess[] = [];
    const scenario: Scenario = trainingScenario(20_201_104);

    beforeAll(async () => {
      broker = await startKafkaBroker();
      world = await twoWays(broker.brokers, logger);
      reader = await ReadModelHost.open(world.kafkaViews.url, undefined, READ_MODELS, {
        runProjectors: false,
        kafka: { topic: world.topic, partitions: PARTITIONS },
        logger,
      });
      workers = [
        spawnWorker(world.kafkaViews.url, broker.brokers, world.topic),
        spawnWorker(world.kafkaViews.url, broker.brokers, world.topic),
      ];
      // Both workers in both groups before anything happens, or "the other takes over" means nothing.
      await groupsStable(broker.brokers, 2);
    }, 120_000);

    afterAll(async () => {
      for (const worker of workers) worker.kill('SIGTERM');
      await Promise.all(workers.map(exited));
      await reader?.close();
      await world?.close();
      await broker?.stop();
    }, 60_000);

    it('loses nothing when the broker stops while the relay publishes, and the views converge once it is back', async () => {
      const firstPart = scenario.steps.filter((step) => step.at < cst('2020-12-01T00:00:00'));
      await runSteps(world.pipeline, scenario.world, firstPart.slice(0, Math.floor(firstPart.length / 2)));
      await broker.stop({ keepData: true });
      // Commands go on while Kafka is away: the event store takes them, the relay waits.
      await runSteps(world.pipeline, scenario.world, firstPart.slice(Math.floor(firstPart.length / 2)));
      const whileDown = (await world.store.stats()).headPosition;
      expect(world.relay.position).toBeLessThan(whileDown);
      await broker.start();

      await converged(reader, world.store, 120_000);
      await world.inProcess.whenCaughtUp();
      expect(snapshotDifferences(await viewsOf(world.events.url), await viewsOf(world.kafkaViews.url))).toEqual([]);
    }, 240_000);

    it('lets the other worker take over when one is killed mid-way, applying nothing twice', async () => {
      const rest = scenario.steps.filter((step) => step.at >= cst('2020-12-01T00:00:00'));
      const sending = runSteps(world.pipeline, scenario.world, rest);
      // Kill a worker while it is busy with the new events.
      const startedAt = await reader.position(READ_MODELS[0]);
      while ((await reader.position(READ_MODELS[0])) < startedAt + 200)
        await new Promise((resolve) => setTimeout(resolve, 20));
      workers[0].kill('SIGKILL');
      await exited(workers[0]);
      await sending;
      await groupsStable(broker.brokers, 1);

      await converged(reader, world.store, 120_000);
      await world.inProcess.whenCaughtUp();
      expect(workers[1].exitCode).toBeNull();
      expect(snapshotDifferences(await viewsOf(world.events.url), await viewsOf(world.kafkaViews.url))).toEqual([]);
      expect(problems.filter((line) => line.startsWith('error'))).toEqual([]);
    }, 240_000);
  },
  { localBroker: true },
);
