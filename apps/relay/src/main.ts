import { z } from 'zod';
import { openEventStore, PostgresEventStore } from '@tip/event-store';
import {
  EventRelay,
  kafkaEnvironment,
  RELAY_PAGE_INTERVAL_MS,
  WATERMARK_INTERVAL_MS,
  messageBroker,
  parseEnvironment,
  runWorker,
  workerLogger,
} from '@tip/messaging';
import { metricsEnvironment, serveMetrics, TipMetrics } from '@tip/observability';

/**
 * The relay: publishes every event of the log to Kafka, from its checkpoint (at least once, in
 * order per stream). One instance runs at a time (the subscription's lease); a second waits.
 */
const environment = z.object({
  DATABASE_URL: z.string().url(),
  ...kafkaEnvironment,
  KAFKA_BROKERS: kafkaEnvironment.KAFKA_BROKERS.unwrap(),
  ...metricsEnvironment,
  /** While following appends, a page at most this often: appends meanwhile go out in one request. */
  TIP_KAFKA_RELAY_PAGE_MS: z.coerce.number().int().min(0).max(10_000).default(RELAY_PAGE_INTERVAL_MS),
  /** A partition a page has no event for gets a watermark at most this often, and within this long. */
  TIP_KAFKA_WATERMARK_MS: z.coerce.number().int().min(0).max(10_000).default(WATERMARK_INTERVAL_MS),
});

runWorker('tip-relay', async () => {
  const config = parseEnvironment(environment, process.env);
  const logger = workerLogger('tip-relay');
  const store = await openEventStore(process.env, config.DATABASE_URL, logger);
  const broker = messageBroker(
    {
      brokers: config.KAFKA_BROKERS,
      topic: config.TIP_KAFKA_TOPIC,
      partitions: config.TIP_KAFKA_PARTITIONS,
      client: config.TIP_KAFKA_CLIENT,
    },
    'tip-relay',
    logger,
  );
  const relay = await EventRelay.start(store, broker, {
    topic: config.TIP_KAFKA_TOPIC,
    partitions: config.TIP_KAFKA_PARTITIONS,
    minPageIntervalMs: config.TIP_KAFKA_RELAY_PAGE_MS,
    watermarkIntervalMs: config.TIP_KAFKA_WATERMARK_MS,
    logger,
  });
  logger.info('relaying the event log', { topic: config.TIP_KAFKA_TOPIC, brokers: config.KAFKA_BROKERS });
  const metrics = new TipMetrics();
  if (store instanceof PostgresEventStore) metrics.observePool('event-store', store.pool);
  metrics.gauges(
    [
      { name: 'tip_event_store_head_position', help: 'Global position of the newest committed event' },
      { name: 'tip_kafka_relay_position', help: 'Position of the last event this process published to Kafka' },
      {
        name: 'tip_kafka_relay_lag_positions',
        help: "How far the relay is behind the event store's head, in global positions",
      },
    ],
    [],
    async () => {
      const { headPosition } = await store.stats();
      const one = (value: number) => [{ labels: {}, value }];
      return {
        tip_event_store_head_position: one(headPosition),
        tip_kafka_relay_position: one(relay.position),
        tip_kafka_relay_lag_positions: one(Math.max(0, headPosition - relay.position)),
      };
    },
  );
  const server =
    config.TIP_METRICS_PORT === undefined ? undefined : await serveMetrics(metrics, config.TIP_METRICS_PORT);
  if (server) logger.info(`metrics at http://127.0.0.1:${server.port}/metrics`);
  return {
    stop: async () => {
      await server?.close();
      await relay.stop();
      await broker.close();
      await store.close();
    },
  };
});
