import { DynamicModule, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import type { EventStore } from '@tip/event-store';
import { HealthController } from './health/health.controller';
import { DATABASE_URL, EVENT_STORE, eventStoreProvider } from './infrastructure/event-store.provider';
import { ReadModelDatabase } from './infrastructure/read-model-database';

export interface AppOptions {
  databaseUrl: string;
}

@Module({})
export class AppModule implements OnApplicationShutdown {
  constructor(@Inject(EVENT_STORE) private readonly eventStore: EventStore) {}

  static register(options: AppOptions): DynamicModule {
    return {
      module: AppModule,
      controllers: [HealthController],
      providers: [{ provide: DATABASE_URL, useValue: options.databaseUrl }, eventStoreProvider, ReadModelDatabase],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.eventStore.close();
  }
}
