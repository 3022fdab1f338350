import type { KafkaBroker } from '../kafka/kafka-broker';

/** The broker the kafka project's globalSetup started, handed to its globalTeardown (Jest's main process). */
const KEY = Symbol.for('tip.testing.kafkaBroker');
const slots = globalThis as unknown as Record<symbol, KafkaBroker | undefined>;

export function setTestKafka(broker: KafkaBroker): void {
  slots[KEY] = broker;
}

export function takeTestKafka(): KafkaBroker | undefined {
  const broker = slots[KEY];
  slots[KEY] = undefined;
  return broker;
}
