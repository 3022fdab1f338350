import 'reflect-metadata';
import * as path from 'node:path';
import { INestApplication, Logger } from '@nestjs/common';
import { Logger as NestPinoLogger, PinoLogger } from 'nestjs-pino';
import { createLogger } from '@tip/observability';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Client } from 'pg';
import { EmbeddedPostgres, startEmbeddedPostgres } from '@tip/embedded-postgres';
import { Clock, contractCommands } from '@tip/application';
import { AppModule } from './app.module';
import { serveOpenApi } from './docs/openapi';
import { refuseOtherMethods } from './http/method-not-allowed';
import { resolveJwtSecret } from '@tip/auth';
import { keySettingsFrom } from '@tip/audit';
import { TipConfig } from './config';
import { OidcSettings } from './auth/oidc';
import { eventStoreSettingsOf } from './infrastructure/event-store.provider';
import { embeddedDatabaseRoles, warnIfApplicationMayRewrite } from './infrastructure/database-roles';
import { ReadModelSettings } from './views/read-models.provider';
import { serveWebApp } from './web/serve-web-app';
import { refuseMalformedPaths } from './http/malformed-path';

export interface RunningTip {
  app: INestApplication;
  /** Base URL of the HTTP API, e.g. http://127.0.0.1:3000/api */
  url: string;
  databaseUrl: string;
  /**
   * Settles with the reason when TIP cannot go on: the embedded PostgreSQL died and could not be
   * started again. The process should then exit non-zero, for its supervisor to start it afresh.
   */
  failed: Promise<Error>;
  stop(): Promise<void>;
}

const EMBEDDED_DATABASE = 'tip';
const JSON_BODY_LIMIT = '1mb';

/**
 * Starts TIP: the embedded PostgreSQL unless DATABASE_URL names a server, then the HTTP API.
 * `stop()` closes the API first and the database last, so nothing is cut off mid-write.
 */
export async function startTip(
  config: TipConfig,
  options: { clock?: Clock; scrypt?: { N: number; r: number; p: number } } = {},
): Promise<RunningTip> {
  const root = createLogger({ name: 'tip', level: config.TIP_LOG_LEVEL, format: config.TIP_LOG_FORMAT });
  // Nest's own lines and every `new Logger(context)` go through pino too, from the first line on.
  const nestLogger = new NestPinoLogger(new PinoLogger({ pinoHttp: { logger: root } }), {});
  Logger.overrideLogger(nestLogger);
  const logger = new Logger('TIP');
  let embedded: EmbeddedPostgres | undefined;
  let databaseUrl = config.DATABASE_URL;
  let ownerDatabaseUrl = config.TIP_DATABASE_OWNER_URL;
  let fail: (error: Error) => void = () => undefined;
  const failed = new Promise<Error>((resolve) => (fail = resolve));
  if (!databaseUrl) {
    const dataDir = path.join(config.TIP_DATA_DIR, 'postgres');
    logger.log(`Starting embedded PostgreSQL in ${dataDir}`);
    embedded = await startEmbeddedPostgres({
      dataDir,
      port: config.TIP_EMBEDDED_PG_PORT,
      // Meanwhile commands and views answer 503 UNAVAILABLE; pools reconnect once it is back.
      supervise: {
        onRestarting: (attempt, reason) =>
          logger.error(`Embedded PostgreSQL ${reason}; starting it again (attempt ${attempt})`),
        onRestarted: () => logger.warn('Embedded PostgreSQL is back; commands and views resume'),
        onGiveUp: (error) => fail(error),
        giveUpAfterMs: config.TIP_EMBEDDED_PG_RESTART_MS,
      },
    });
    for (const note of embedded.notes) logger.log(note);
    await ensureDatabase(embedded.connectionString('postgres'), EMBEDDED_DATABASE);
    ({ databaseUrl, ownerUrl: ownerDatabaseUrl } = await embeddedDatabaseRoles(embedded, dataDir, EMBEDDED_DATABASE));
    logger.log(`Embedded PostgreSQL is listening on 127.0.0.1:${embedded.port}`);
  }
  try {
    const jwt = await resolveJwtSecret(config.TIP_JWT_SECRET, config.TIP_DATA_DIR);
    if (jwt.generatedIn) {
      logger.log(
        `Tokens are signed with the secret in ${jwt.generatedIn}; mint one with: npm run tip -- token --role province-admin --unit <unitId> --sub <you>`,
      );
    }
    const app = await NestFactory.create<NestExpressApplication>(
      AppModule.register({
        databaseUrl,
        ownerDatabaseUrl,
        eventStore: eventStoreSettingsOf(config),
        jwtSecret: jwt.secret,
        logger: root,
        clock: options.clock,
        benchRoutes: config.TIP_BENCH_ROUTES,
        readModels: readModelSettings(config),
        auth: {
          tokenMaxTtlSeconds: config.TIP_TOKEN_MAX_TTL,
          sessionTtlSeconds: config.TIP_SESSION_TTL,
          revocationRefreshMs: config.TIP_TOKEN_REVOCATION_REFRESH_MS,
          scrypt: options.scrypt,
          oidc: oidcSettings(config),
        },
        audit: {
          keys: keySettingsFrom(config, config.TIP_DATA_DIR),
          checkpointIntervalMs: config.TIP_CHECKPOINT_INTERVAL_MS,
        },
        readiness: { maxLag: config.TIP_READY_MAX_LAG },
      }),
      {
        logger: nestLogger,
        abortOnError: false,
      },
    );
    // The document promises 413 over 1 MB (a rulebook, 5,000 feed records); body-parser's own default is 100 kB.
    app.useBodyParser('json', { limit: JSON_BODY_LIMIT });
    if (config.TIP_TRUST_PROXY !== undefined)
      app.getHttpAdapter().getInstance().set('trust proxy', trustProxy(config.TIP_TRUST_PROXY));
    if (config.TIP_EVENT_STORE === 'postgres') await warnIfApplicationMayRewrite(databaseUrl);
    app.setGlobalPrefix('api');
    refuseMalformedPaths(app);
    serveOpenApi(app, contractCommands);
    serveWebApp(app);
    refuseOtherMethods(app);
    await app.listen(config.PORT, config.TIP_HOST);
    const address = app.getHttpServer().address();
    const port = typeof address === 'object' && address ? address.port : config.PORT;
    const url = `http://${urlHost(config.TIP_HOST)}:${port}/api`;
    let stopping: Promise<void> | undefined;
    return {
      app,
      url,
      databaseUrl,
      failed,
      stop: () =>
        (stopping ??= (async () => {
          await app.close();
          await embedded?.stop();
        })()),
    };
  } catch (error) {
    await embedded?.stop();
    throw error;
  }
}

/** How to reach the listener: any-address binds are reached on loopback; IPv6 literals go in brackets. */
function urlHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

function readModelSettings(config: TipConfig): ReadModelSettings {
  const viewWaitMs = config.TIP_VIEW_WAIT_MS;
  if (config.TIP_PROJECTIONS === 'inprocess' || !config.KAFKA_BROKERS) return { projections: 'inprocess', viewWaitMs };
  return {
    projections: 'kafka',
    viewWaitMs,
    kafka: {
      brokers: config.KAFKA_BROKERS,
      topic: config.TIP_KAFKA_TOPIC,
      partitions: config.TIP_KAFKA_PARTITIONS,
      client: config.TIP_KAFKA_CLIENT,
    },
    relayInProcess: config.TIP_RELAY === 'inprocess',
  };
}

function oidcSettings(config: TipConfig): OidcSettings | undefined {
  const { TIP_OIDC_ISSUER, TIP_OIDC_CLIENT_ID, TIP_OIDC_CLIENT_SECRET, TIP_OIDC_REDIRECT_URI } = config;
  if (!TIP_OIDC_ISSUER || !TIP_OIDC_CLIENT_ID || !TIP_OIDC_CLIENT_SECRET || !TIP_OIDC_REDIRECT_URI) return undefined;
  return {
    issuer: TIP_OIDC_ISSUER,
    clientId: TIP_OIDC_CLIENT_ID,
    clientSecret: TIP_OIDC_CLIENT_SECRET,
    redirectUri: TIP_OIDC_REDIRECT_URI,
    scopes: config.TIP_OIDC_SCOPES,
    subClaim: config.TIP_OIDC_SUB_CLAIM,
    nameClaim: config.TIP_OIDC_NAME_CLAIM,
    roleClaim: config.TIP_OIDC_ROLE_CLAIM,
    unitClaim: config.TIP_OIDC_UNIT_CLAIM,
    roleMap: config.TIP_OIDC_ROLE_MAP,
  };
}

/** "true", a hop count, or Express's own words ("loopback", addresses). */
function trustProxy(value: string): boolean | number | string {
  if (value === 'true' || value === 'false') return value === 'true';
  return /^\d+$/.test(value) ? Number(value) : value;
}

async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (!rowCount) await client.query(`create database ${database}`);
  } finally {
    await client.end();
  }
}
