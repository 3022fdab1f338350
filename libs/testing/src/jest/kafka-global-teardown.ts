import {
  TEST_KAFKA_BROKERS_ENV,
  TEST_KAFKA_LOCAL_UNAVAILABLE_ENV,
  TEST_KAFKA_UNAVAILABLE_ENV,
} from '../kafka/test-kafka';
import postgresGlobalTeardown from './global-teardown';
import { takeTestKafka } from './test-kafka-slot';

export default async function kafkaGlobalTeardown(): Promise<void> {
  // Watch mode runs globalSetup again: it must find the environment as the user left it.
  delete process.env[TEST_KAFKA_UNAVAILABLE_ENV];
  delete process.env[TEST_KAFKA_LOCAL_UNAVAILABLE_ENV];
  const broker = takeTestKafka();
  if (broker) delete process.env[TEST_KAFKA_BROKERS_ENV];
  await Promise.all([broker?.stop(), postgresGlobalTeardown()]);
}
