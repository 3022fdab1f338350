import { checkJava, ensureKafkaDistribution, KafkaUnavailableError, kafkaCacheDir } from '../kafka/kafka-distribution';
import { KafkaBroker, startKafkaBroker } from '../kafka/kafka-broker';
import {
  TEST_KAFKA_BROKERS_ENV,
  TEST_KAFKA_LOCAL_UNAVAILABLE_ENV,
  TEST_KAFKA_UNAVAILABLE_ENV,
} from '../kafka/test-kafka';
import postgresGlobalSetup from './global-setup';
import kafkaGlobalTeardown from './kafka-global-teardown';
import { setTestKafka } from './test-kafka-slot';

/**
 * The kafka project's globalSetup: the test PostgreSQL, as for the int project, and one Kafka
 * broker, started side by side. TIP_TEST_KAFKA_BROKERS set beforehand names a broker to use instead.
 */
export default async function kafkaGlobalSetup(): Promise<void> {
  const results = await Promise.allSettled([postgresGlobalSetup(), setUpKafka()]);
  const failure = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failure) {
    // Jest runs no globalTeardown after a failed globalSetup.
    await kafkaGlobalTeardown().catch(() => undefined);
    throw failure.reason;
  }
}

async function setUpKafka(): Promise<void> {
  const log = (line: string): void => void process.stderr.write(`\n[kafka] ${line}\n`);
  if (process.env[TEST_KAFKA_BROKERS_ENV]) {
    // Your broker; suites that stop and restart brokers still start their own, if they can.
    try {
      await checkJava();
      await ensureKafkaDistribution({ log });
    } catch (error) {
      if (!(error instanceof KafkaUnavailableError)) throw error;
      process.env[TEST_KAFKA_LOCAL_UNAVAILABLE_ENV] = error.message;
      log(
        `Using ${process.env[TEST_KAFKA_BROKERS_ENV]}; suites that start brokers of their own are SKIPPED: ${error.message}`,
      );
    }
    return;
  }
  let broker: KafkaBroker;
  try {
    await checkJava();
    broker = await startKafkaBroker({ distribution: await ensureKafkaDistribution({ log }) });
  } catch (error) {
    if (!(error instanceof KafkaUnavailableError)) throw error;
    const reason =
      `${error.message}\n(jars cached in ${kafkaCacheDir()}, set TIP_KAFKA_CACHE to move it; ` +
      `or set ${TEST_KAFKA_BROKERS_ENV}=host:port to use a running broker)`;
    if (process.env.CI === 'true')
      throw new KafkaUnavailableError(`CI=true and no Kafka broker for the kafka tests: ${reason}`);
    process.env[TEST_KAFKA_UNAVAILABLE_ENV] = reason;
    process.env[TEST_KAFKA_LOCAL_UNAVAILABLE_ENV] = reason;
    const bar = '!'.repeat(100);
    log(
      `${bar}\n!!! NO KAFKA: every *.kafka.spec.ts suite is SKIPPED in this run (it would fail under CI=true).\n!!! ${reason
        .split('\n')
        .join('\n!!! ')}\n${bar}`,
    );
    return;
  }
  setTestKafka(broker);
  // Test workers are forked after globalSetup and inherit this.
  process.env[TEST_KAFKA_BROKERS_ENV] = broker.brokers;
}
