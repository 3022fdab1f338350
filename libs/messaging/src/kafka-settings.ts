import { z } from 'zod';
import { EventStoreLogger } from '@tip/event-store';
import { FetchSettings, KafkaJsBroker } from './kafkajs/kafkajs-broker';
import { MessageBroker } from './port/message-broker';

/** The environment every process that talks to Kafka reads (API, relay, projector workers). */
export const kafkaEnvironment = {
  /** host:port,host:port */
  KAFKA_BROKERS: z
    .string()
    .regex(/^[^,\s]+:\d+(,[^,\s]+:\d+)*$/, 'must be host:port[,host:port…]')
    .transform((brokers) => brokers.split(','))
    .optional(),
  TIP_KAFKA_TOPIC: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,249}$/, 'must be a Kafka topic name')
    .default('tip.events.v1'),
  /** Partitions of the topic when the relay creates it: how many projector workers can share the work. */
  TIP_KAFKA_PARTITIONS: z.coerce.number().int().min(1).max(1000).default(6),
  /** Which client library: kafkajs today; the interface leaves room for @confluentinc/kafka-javascript. */
  TIP_KAFKA_CLIENT: z.enum(['kafkajs']).default('kafkajs'),
};

export interface KafkaSettings {
  brokers: string[];
  topic: string;
  partitions: number;
  client: 'kafkajs';
  /** Consumers' fetches (projector workers); kafkajs's defaults when unset. */
  fetch?: FetchSettings;
}

export function messageBroker(settings: KafkaSettings, clientId: string, logger?: EventStoreLogger): MessageBroker {
  return new KafkaJsBroker({ brokers: settings.brokers, clientId, logger, fetch: settings.fetch });
}
