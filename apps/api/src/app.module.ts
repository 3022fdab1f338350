import { createHash } from 'node:crypto';
import { DynamicModule, Inject, Module, OnApplicationShutdown, RequestMethod } from '@nestjs/common';
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
  StreamCache,
  systemClock,
  systemRandomness,
} from '@tip/application';
import { createPool, EventStore, migrateAs } from '@tip/event-store';
import { AuditController, PublicAuditController } from './audit/audit.controller';
import { AUDIT_SETTINGS, AuditSettings, auditLogProvider } from './audit/audit-log.provider';
import { AUTHENTICATOR, Authenticator, AuthGuard } from './auth/auth.guard';
import { AuthController } from './auth/auth.controller';
import { OidcSignIn, OidcSettings } from './auth/oidc';
import { OIDC_SIGN_IN, OidcController } from './auth/oidc.controller';
import { TokenVerifier } from '@tip/auth';
import { SignInService, TokenRevocationList, UnitDirectory } from '@tip/application';
import { PostgresCredentialVault } from './infrastructure/postgres-credential-vault';
import { NoopController } from './bench/noop.controller';
import { CertificatesController } from './certificates/certificates.controller';
import { CommandsController } from './commands/commands.controller';
import { FeedsController } from './commands/feeds.controller';
import { COMMAND_GATEWAY, contractBus } from './commands/command-bus';
import { HealthController, Readiness, READINESS } from './health/health.controller';
import { MetricsController } from './metrics/metrics.controller';
import { ErrorFilter } from './http/error.filter';
import {
  DATABASE_URL,
  EVENT_STORE,
  OWNER_DATABASE_URL,
  EVENT_STORE_SETTINGS,
  EventStoreSettings,
  eventStoreProvider,
  METRICS,
} from './infrastructure/event-store.provider';
import { accessLogOptions, TipMetrics } from '@tip/observability';
import type { Logger as PinoRoot } from 'pino';
import { LoggerModule } from 'nestjs-pino';
import { EventStoreStreams } from './infrastructure/event-streams.adapter';
import { apiGrants, apiMigrations, PostgresIdempotencyStore } from './infrastructure/postgres-idempotency-store';
import { EnvelopeVault, migratePersonalDataTables, openKeyEncryptionKeys } from '@tip/audit';
import { READ_MODEL_SETTINGS, ReadModelSettings, readModelProviders } from './views/read-models.provider';
import { RulebooksController } from './rulebooks/rulebooks.controller';
import { ViewAccess } from './views/view-access';
import { ViewsController } from './views/views.controller';
import { DashboardController } from './views/dashboard.controller';

export interface AppOptions {
  /** The application's role: may read and insert events, never change them. */
  databaseUrl: string;
  /** The owner of TIP's tables, who runs the migrations (TIP_DATABASE_OWNER_URL, or the embedded superuser). */
  ownerDatabaseUrl?: string;
  /** Where the events live (TIP_EVENT_STORE); PostgreSQL at databaseUrl by default. */
  eventStore?: EventStoreSettings;
  jwtSecret: string;
  /** Business time; tests pass a controllable clock. */
  clock?: Clock;
  /** Command ids and retry jitter; random unless a test fixes them. */
  randomness?: Randomness;
  /** The process's logger: access lines and every log line of a request carry its id and traceparent. */
  logger: PinoRoot;
  /** Mounts the benchmarks' no-op baseline route. */
  benchRoutes?: boolean;
  /** Where the read models are built and how long views wait for minPosition; in process, 5 s by default. */
  readModels?: ReadModelSettings;
  /** Bearer tokens and sessions: lifetimes in seconds, how often the revocation list is read again. */
  auth?: {
    tokenMaxTtlSeconds?: number;
    sessionTtlSeconds?: number;
    revocationRefreshMs?: number;
    /** scrypt's cost; tests pass a cheap one (no setting weakens it in production). */
    scrypt?: { N: number; r: number; p: number };
    /** Sign-in through an OpenID provider, when configured. */
    oidc?: OidcSettings;
  };
  /** Where the tree-head signing key lives (never the database), and how often heads are signed. */
  audit: AuditSettings;
  /** When /api/health/ready says ready; read models at most 10,000 positions behind by default. */
  readiness?: Readiness;
}

/**
 * With every projector in this process, NOTIFY serves only readers elsewhere (a relay publishing
 * integration events): at most one every 25 ms, not a round trip per append group.
 */
const IN_PROCESS_NOTIFY_MS = 25;

function eventStoreSettingsFor(options: AppOptions): EventStoreSettings {
  const settings = options.eventStore ?? { kind: 'postgres' };
  const inProcess = (options.readModels?.projections ?? 'inprocess') === 'inprocess';
  return settings.kind === 'postgres' && inProcess && settings.notifyCoalesceMs === undefined
    ? { ...settings, notifyCoalesceMs: IN_PROCESS_NOTIFY_MS }
    : settings;
}

const APP_POOL = Symbol('APP_POOL');
const CREDENTIAL_VAULT = Symbol('CREDENTIAL_VAULT');
const TOKEN_REVOCATIONS = Symbol('TOKEN_REVOCATIONS');
/** Teachers' personal data under envelope encryption (data keys wrapped by a KEK outside the database). */
const PERSONAL_DATA_VAULT = Symbol('PERSONAL_DATA_VAULT');

@Module({})
export class AppModule implements OnApplicationShutdown {
  constructor(
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    @Inject(APP_POOL) private readonly pool: Pool,
  ) {}

  static register(options: AppOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CqrsModule.forRoot(),
        LoggerModule.forRoot({
          pinoHttp: accessLogOptions(options.logger),
          forRoutes: [{ path: '{*path}', method: RequestMethod.ALL }],
        }),
      ],
      controllers: [
        HealthController,
        MetricsController,
        AuthController,
        OidcController,
        CommandsController,
        FeedsController,
        CertificatesController,
        ViewsController,
        DashboardController,
        AuditController,
        RulebooksController,
        PublicAuditController,
        ...(options.benchRoutes ? [NoopController] : []),
      ],
      providers: [
        { provide: DATABASE_URL, useValue: options.databaseUrl },
        { provide: METRICS, useFactory: () => new TipMetrics() },
        { provide: OWNER_DATABASE_URL, useValue: options.ownerDatabaseUrl },
        { provide: EVENT_STORE_SETTINGS, useValue: eventStoreSettingsFor(options) },
        eventStoreProvider,
        {
          provide: READ_MODEL_SETTINGS,
          useValue: options.readModels ?? { projections: 'inprocess', viewWaitMs: 5000 },
        },
        ...readModelProviders,
        { provide: AUDIT_SETTINGS, useValue: options.audit },
        auditLogProvider,
        { provide: CLOCK, useValue: options.clock ?? systemClock },
        { provide: RANDOMNESS, useValue: options.randomness ?? systemRandomness },
        {
          provide: CREDENTIAL_VAULT,
          inject: [APP_POOL],
          useFactory: (pool: Pool) => new PostgresCredentialVault(pool, options.auth?.scrypt),
        },
        {
          provide: AUTHENTICATOR,
          inject: [EVENT_STREAMS, CLOCK, RANDOMNESS, CREDENTIAL_VAULT, TOKEN_REVOCATIONS],
          useFactory: (
            streams: EventStreams,
            clock: Clock,
            randomness: Randomness,
            credentials: PostgresCredentialVault,
            revocations: TokenRevocationList,
          ) =>
            new Authenticator(
              new TokenVerifier(options.jwtSecret, { maxTtlSeconds: options.auth?.tokenMaxTtlSeconds, clock }),
              revocations,
              new UnitDirectory(streams),
              new SignInService({
                streams,
                clock,
                randomness,
                credentials,
                sessionTtlSeconds: options.auth?.sessionTtlSeconds ?? 8 * 3600,
                // Its own key, derived from the token secret.
                csrfKey: createHash('sha256').update(`tip-csrf:${options.jwtSecret}`).digest('hex'),
              }),
            ),
        },
        { provide: READINESS, useValue: options.readiness ?? { maxLag: 10_000 } },
        { provide: APP_FILTER, useClass: ErrorFilter },
        {
          provide: APP_POOL,
          inject: [METRICS],
          useFactory: async (metrics: TipMetrics) => {
            const pool = createPool(
              { connectionString: options.databaseUrl, max: 4, application_name: 'tip-api' },
              () => undefined,
            );
            metrics.observePool('api', pool);
            await migrateAs(options.ownerDatabaseUrl, pool, apiMigrations, 'tip_api_migrations', apiGrants);
            return pool;
          },
        },
        {
          provide: OIDC_SIGN_IN,
          inject: [AUTHENTICATOR, CLOCK],
          useFactory: (authenticator: Authenticator, clock: Clock) =>
            options.auth?.oidc
              ? new OidcSignIn(
                  options.auth.oidc,
                  authenticator.units,
                  createHash('sha256').update(`tip-oidc:${options.jwtSecret}`).digest('hex'),
                  () => clock.now(),
                )
              : null,
        },
        {
          provide: TOKEN_REVOCATIONS,
          inject: [EVENT_STORE, CLOCK, RANDOMNESS],
          useFactory: (store: EventStore, clock: Clock, randomness: Randomness) =>
            new TokenRevocationList(
              new EventStoreStreams(store),
              clock,
              randomness,
              options.auth?.revocationRefreshMs ?? 1000,
            ),
        },
        {
          provide: PERSONAL_DATA_VAULT,
          inject: [APP_POOL, AUDIT_SETTINGS],
          useFactory: async (pool: Pool, settings: AuditSettings) => {
            // After the API's own migrations (APP_POOL), which made tip_teacher_keys first.
            await migratePersonalDataTables(pool, options.ownerDatabaseUrl);
            const vault = new EnvelopeVault(pool, await openKeyEncryptionKeys(settings.keys));
            await vault.open();
            return vault;
          },
        },
        {
          provide: EVENT_STREAMS,
          inject: [EVENT_STORE, TOKEN_REVOCATIONS],
          useFactory: (store: EventStore, revocations: TokenRevocationList) =>
            revocations.noticing(new EventStoreStreams(store)),
        },
        {
          provide: COMMAND_GATEWAY,
          inject: [EVENT_STREAMS, CLOCK, RANDOMNESS, APP_POOL, CREDENTIAL_VAULT, PERSONAL_DATA_VAULT],
          useFactory: (
            streams: EventStreams,
            clock: Clock,
            randomness: Randomness,
            pool: Pool,
            credentials: PostgresCredentialVault,
            vault: EnvelopeVault,
          ) =>
            new CommandGateway({
              commands: contractCommands,
              streams,
              clock,
              randomness,
              idempotency: new PostgresIdempotencyStore(pool),
              // A key of its own, derived from the token secret: never stored beside the hashes.
              requestHashKey: createHash('sha256').update(`tip-idempotency:${options.jwtSecret}`).digest('hex'),
              idNumbers: vault,
              credentials,
              // Teachers' streams kept folded between the hour feed's batches; each append checks them.
              cache: new StreamCache(),
            }),
        },
        ...contractBus.map((registration) => registration.handler),
        AuthGuard,
        ViewAccess,
      ],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.eventStore.close();
    await this.pool.end();
  }
}
