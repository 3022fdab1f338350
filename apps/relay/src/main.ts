import { z } from 'zod';
import { openEventStore } from '@tip/event-store';
import { EventRelay, kafkaEnvironment, messageBroker, parseEnvironment, runWorker, workerLogger } from '@tip/messaging';

/**
 * The relay: publishes every event of the log to Kafka, from its checkpoint (at least once, in
 * order per stream). One instance runs at a time (the subscription's lease); a second waits.
 */
const environment = z.object({
  DATABASE_URL: z.string().url(),
  ...kafkaEnvironment,
  KAFKA_BROKERS: kafkaEnvironment.KAFKA_BROKERS.unwrap(),
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
    logger,
  });
  logger.info('relaying the event log', { topic: config.TIP_KAFKA_TOPIC, brokers: config.KAFKA_BROKERS });
  return {
    stop: async () => {
      await relay.stop();
      await broker.close();
      await store.close();
    },
  };
});
