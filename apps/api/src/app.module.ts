import { createHash } from 'node:crypto';
import { DynamicModule, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import { Pool } from 'pg';
import {
  Clock,
  CLOCK,
  CommandGateway,
  contractCommands,
  EVENT_STREAMS,
  EventStreams,
  RANDOMNESS,
  Randomness,
  systemClock,
  systemRandomness,
} from '@tip/application';
import { EventStore, runMigrations } from '@tip/event-store';
import { AuditController } from './audit/audit.controller';
import { AuthGuard, TOKEN_VERIFIER } from './auth/auth.guard';
import { TokenVerifier } from '@tip/auth';
import { NoopController } from './bench/noop.controller';
import { CertificatesController } from './certificates/certificates.controller';
import { CommandsController } from './commands/commands.controller';
import { COMMAND_GATEWAY, contractBus } from './commands/command-bus';
import { HealthController } from './health/health.controller';
import { ErrorFilter } from './http/error.filter';
import {
  DATABASE_URL,
  EVENT_STORE,
  EVENT_STORE_SETTINGS,
  EventStoreSettings,
  eventStoreProvider,
} from './infrastructure/event-store.provider';
import { EventStoreStreams } from './infrastructure/event-streams.adapter';
import { apiMigrations, PostgresIdempotencyStore } from './infrastructure/postgres-idempotency-store';
import { PostgresIdNumberVault } from './infrastructure/postgres-id-number-vault';
import { READ_MODEL_SETTINGS, ReadModelSettings, readModelProviders } from './views/read-models.provider';
import { ViewsController } from './views/views.controller';

export interface AppOptions {
  databaseUrl: string;
  /** Where the events live (TIP_EVENT_STORE); PostgreSQL at databaseUrl by default. */
  eventStore?: EventStoreSettings;
  jwtSecret: string;
  /** Business time; tests pass a controllable clock. */
  clock?: Clock;
  /** Command ids and retry jitter; random unless a test fixes them. */
  randomness?: Randomness;
  /** Mounts the benchmarks' no-op baseline route. */
  benchRoutes?: boolean;
  /** Where the read models are built and how long views wait for minPosition; in process, 5 s by default. */
  readModels?: ReadModelSettings;
}

const APP_POOL = Symbol('APP_POOL');

@Module({})
export class AppModule implements OnApplicationShutdown {
  constructor(
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    @Inject(APP_POOL) private readonly pool: Pool,
  ) {}

  static register(options: AppOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [CqrsModule.forRoot()],
      controllers: [
        HealthController,
        CommandsController,
        CertificatesController,
        ViewsController,
        AuditController,
        ...(options.benchRoutes ? [NoopController] : []),
      ],
      providers: [
        { provide: DATABASE_URL, useValue: options.databaseUrl },
        { provide: EVENT_STORE_SETTINGS, useValue: options.eventStore ?? { kind: 'postgres' } },
        eventStoreProvider,
        {
          provide: READ_MODEL_SETTINGS,
          useValue: options.readModels ?? { projections: 'inprocess', viewWaitMs: 5000 },
        },
        ...readModelProviders,
        { provide: CLOCK, useValue: options.clock ?? systemClock },
        { provide: RANDOMNESS, useValue: options.randomness ?? systemRandomness },
        { provide: TOKEN_VERIFIER, useValue: new TokenVerifier(options.jwtSecret) },
        { provide: APP_FILTER, useClass: ErrorFilter },
        {
          provide: APP_POOL,
          useFactory: async () => {
            const pool = new Pool({ connectionString: options.databaseUrl, max: 4, application_name: 'tip-api' });
            pool.on('error', () => undefined);
            await runMigrations(pool, apiMigrations, 'tip_api_migrations');
            return pool;
          },
        },
        {
          provide: EVENT_STREAMS,
          inject: [EVENT_STORE],
          useFactory: (store: EventStore) => new EventStoreStreams(store),
        },
        {
          provide: COMMAND_GATEWAY,
          inject: [EVENT_STREAMS, CLOCK, RANDOMNESS, APP_POOL],
          useFactory: (streams: EventStreams, clock: Clock, randomness: Randomness, pool: Pool) =>
            new CommandGateway({
              commands: contractCommands,
              streams,
              clock,
              randomness,
              idempotency: new PostgresIdempotencyStore(pool),
              // A key of its own, derived from the token secret: never stored beside the hashes.
              requestHashKey: createHash('sha256').update(`tip-idempotency:${options.jwtSecret}`).digest('hex'),
              idNumbers: new PostgresIdNumberVault(pool),
            }),
        },
        ...contractBus.map((registration) => registration.handler),
        AuthGuard,
      ],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.eventStore.close();
    await this.pool.end();
  }
}
