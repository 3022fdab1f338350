import { Inject, Injectable, OnApplicationShutdown, Provider } from '@nestjs/common';
import { EventStore } from '@tip/event-store';
import { EventRelay, KafkaSettings, MessageBroker, messageBroker } from '@tip/messaging';
import { READ_MODELS, ReadModelHost } from '@tip/projections';
import { DATABASE_URL, EVENT_STORE, nestEventStoreLogger } from '../infrastructure/event-store.provider';

export const READ_MODEL_HOST = Symbol('READ_MODEL_HOST');
export const READ_MODEL_SETTINGS = Symbol('READ_MODEL_SETTINGS');

/** Where the read models are built (TIP_PROJECTIONS), and how long views wait for minPosition. */
export type ReadModelSettings = { viewWaitMs: number } & (
  { projections: 'inprocess' } | { projections: 'kafka'; kafka: KafkaSettings; relayInProcess: boolean }
);

/** With TIP_PROJECTIONS=kafka and TIP_RELAY=inprocess: this process publishes the log to Kafka. */
@Injectable()
export class InProcessRelay implements OnApplicationShutdown {
  private relay: Promise<{ relay: EventRelay; broker: MessageBroker } | undefined> = Promise.resolve(undefined);
  /** The relay once it runs: metrics read how far it has published. */
  started: EventRelay | undefined;

  constructor(@Inject(EVENT_STORE) store: EventStore, @Inject(READ_MODEL_SETTINGS) settings: ReadModelSettings) {
    if (settings.projections === 'kafka' && settings.relayInProcess) {
      const broker = messageBroker(settings.kafka, 'tip-api-relay', nestEventStoreLogger('kafkajs'));
      const logger = nestEventStoreLogger('KafkaRelay');
      // Kafka may not be up yet when the API is: keep trying (backoff to 30 s) rather than serve views that never advance.
      const start = async (attempt = 0): Promise<{ relay: EventRelay; broker: MessageBroker } | undefined> => {
        try {
          return {
            relay: await EventRelay.start(store, broker, {
              topic: settings.kafka.topic,
              partitions: settings.kafka.partitions,
              logger,
            }),
            broker,
          };
        } catch (error) {
          if (this.stopping) return undefined;
          const delay = Math.min(30_000, 1_000 * 2 ** attempt);
          logger.error(`Kafka relay could not start; trying again in ${delay} ms`, { error: String(error) });
          await new Promise((resolve) => setTimeout(resolve, delay).unref());
          return this.stopping ? undefined : start(attempt + 1);
        }
      };
      this.relay = start();
      void this.relay.then((running) => (this.started = running?.relay));
    }
  }

  private stopping = false;

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    const started = await Promise.race([
      this.relay.catch(() => undefined),
      new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 1_000).unref()),
    ]);
    await started?.relay.stop();
    await started?.broker.close();
  }
}

export const readModelProviders: Provider[] = [
  {
    provide: READ_MODEL_HOST,
    inject: [DATABASE_URL, EVENT_STORE, READ_MODEL_SETTINGS],
    useFactory: (connectionString: string, store: EventStore, settings: ReadModelSettings) =>
      ReadModelHost.open(connectionString, store, READ_MODELS, {
        viewWaitMs: settings.viewWaitMs,
        runProjectors: settings.projections === 'inprocess',
        // Workers elsewhere build the views; this process reads how far they are from the partitions.
        kafka:
          settings.projections === 'kafka'
            ? { topic: settings.kafka.topic, partitions: settings.kafka.partitions }
            : undefined,
        // With the workers elsewhere their notifications wake a waiting view; looking is the fallback.
        pollIntervalMs: settings.projections === 'kafka' ? 250 : undefined,
        logger: nestEventStoreLogger('ReadModels'),
      }),
  },
  InProcessRelay,
];
