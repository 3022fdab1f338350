import { z } from 'zod';
import { kafkaEnvironment, messageBroker, parseEnvironment, runWorker, workerLogger } from '@tip/messaging';
import { metricsEnvironment, PoolLike, serveMetrics, TipMetrics } from '@tip/observability';
import { DEFAULT_GROUP_PREFIX, READ_MODELS, ReadModelHost, readModelsGroup } from '@tip/projections';

/**
 * A projector worker: builds the read models from the relay's topic as a member of one consumer
 * group for them all (readModelsGroup: each message fetched once). Run as many as the topic has
 * partitions, building the same read models; they share the partitions, and when one dies the
 * others take its partitions over.
 */
// A fetch answered every 20 ms (a megabyte is more than a busy moment brings, and a catch-up's
// fetches fill it at once): fewer, larger batches, each one transaction, for at most 20 ms more
// lag (the in-process default pages every 50 ms). Answered at the first byte, a worker took a
// transaction every few events.
const FETCH_WAIT_MS = 20;
const FETCH_MIN_BYTES = 1_000_000;
const names = READ_MODELS.map((readModel) => readModel.projection.name);
const environment = z.object({
  DATABASE_URL: z.string().url(),
  ...kafkaEnvironment,
  KAFKA_BROKERS: kafkaEnvironment.KAFKA_BROKERS.unwrap(),
  /** Which read models this worker builds (comma-separated); all by default. */
  TIP_READ_MODELS: z
    .string()
    .default(names.join(','))
    .transform((list) => list.split(',').map((name) => name.trim()))
    .refine((list) => list.every((name) => names.includes(name)), `must name read models among ${names.join(', ')}`),
  ...metricsEnvironment,
  /** The consumer group is this prefix and the read models' names: two installations can share a Kafka cluster. */
  TIP_KAFKA_GROUP_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,200}$/, 'must be letters, digits, ".", "_" or "-" (a Kafka group id)')
    .default(DEFAULT_GROUP_PREFIX),
  /** A fetch is answered after this many ms unless TIP_KAFKA_FETCH_MIN_BYTES came first (fewer, larger batches). */
  TIP_KAFKA_FETCH_WAIT_MS: z.coerce.number().int().min(0).max(10_000).default(FETCH_WAIT_MS),
  TIP_KAFKA_FETCH_MIN_BYTES: z.coerce.number().int().min(1).default(FETCH_MIN_BYTES),
});

runWorker('tip-projector', async () => {
  const config = parseEnvironment(environment, process.env);
  const logger = workerLogger('tip-projector');
  const broker = messageBroker(
    {
      brokers: config.KAFKA_BROKERS,
      topic: config.TIP_KAFKA_TOPIC,
      partitions: config.TIP_KAFKA_PARTITIONS,
      client: config.TIP_KAFKA_CLIENT,
      fetch: { maxWaitMs: config.TIP_KAFKA_FETCH_WAIT_MS, minBytes: config.TIP_KAFKA_FETCH_MIN_BYTES },
    },
    'tip-projector',
    logger,
  );
  const readModels = READ_MODELS.filter((readModel) => config.TIP_READ_MODELS.includes(readModel.projection.name));
  const host = await ReadModelHost.open(config.DATABASE_URL, undefined, readModels, {
    runProjectors: false,
    kafka: {
      topic: config.TIP_KAFKA_TOPIC,
      partitions: config.TIP_KAFKA_PARTITIONS,
      broker,
      groupPrefix: config.TIP_KAFKA_GROUP_PREFIX,
    },
    logger,
  });
  logger.info('building read models from Kafka', { readModels: config.TIP_READ_MODELS, topic: config.TIP_KAFKA_TOPIC });
  const metrics = new TipMetrics();
  for (const readModel of readModels) {
    const driver = host.dataSource(readModel).driver as unknown as { master?: PoolLike };
    metrics.observePool(`read-model:${readModel.projection.name}`, driver.master);
  }
  // How far behind the log each read model is shows in the API's metrics, which know the head.
  metrics.gauges(
    [
      {
        name: 'tip_read_model_position',
        help: "Global position each read model has taken in (the lowest of its partitions' watermarks)",
      },
    ],
    ['read_model'],
    async () => ({
      tip_read_model_position: await Promise.all(
        readModels.map(async (readModel) => ({
          labels: { read_model: readModel.projection.name },
          value: await host.position(readModel),
        })),
      ),
    }),
  );
  // The consumer group's lag as the broker sees it: messages published and not yet committed, per
  // partition; the same for each read model (one group builds them all), shown under each.
  const group = readModelsGroup(
    readModels.map((readModel) => readModel.projection.name),
    config.TIP_KAFKA_GROUP_PREFIX,
  );
  metrics.gauges(
    [
      {
        name: 'tip_kafka_consumer_lag_messages',
        help: "Messages of the topic the read models' consumer group has not committed yet, per partition (broker offsets)",
      },
    ],
    ['read_model', 'partition'],
    async () => {
      const lag = await broker.consumerLag(group, config.TIP_KAFKA_TOPIC);
      return {
        tip_kafka_consumer_lag_messages: readModels.flatMap((readModel) =>
          lag.map(({ partition, lag: messages }) => ({
            labels: { read_model: readModel.projection.name, partition: String(partition) },
            value: messages,
          })),
        ),
      };
    },
  );
  const server =
    config.TIP_METRICS_PORT === undefined ? undefined : await serveMetrics(metrics, config.TIP_METRICS_PORT);
  if (server) logger.info(`metrics at http://127.0.0.1:${server.port}/metrics`);
  return {
    stop: async () => {
      await server?.close();
      await host.close();
      await broker.close();
    },
  };
});
