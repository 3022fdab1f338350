import * as path from 'node:path';
import { z } from 'zod';
import { kafkaEnvironment } from '@tip/messaging';
import { durationSeconds } from '@tip/auth';
import { ROLES } from '@tip/domain';
import { loggingEnvironment } from '@tip/observability';

const port = z.coerce.number().int().min(0).max(65535);

/** "12h", "30m", "7d", "90s" or plain seconds, within bounds; in seconds. */
const duration = (fallback: string, max: number) =>
  z
    .string()
    .default(fallback)
    .transform((text, context) => {
      const seconds = /^\d+$/.test(text.trim()) ? Number(text) : durationSeconds(text);
      if (seconds === undefined || seconds < 60 || seconds > max) {
        context.addIssue({
          code: z.ZodIssueCode.custom,
          message: `must be a duration such as 30m, 12h or 7d, from 1 minute to ${max / 3600} hours`,
        });
        return z.NEVER;
      }
      return seconds;
    });

const schema = z
  .object({
    PORT: port.default(3000),
    /** Address to listen on: loopback unless a deployment says otherwise (0.0.0.0 in a container). */
    TIP_HOST: z
      .string()
      .regex(/^[\w.:-]{1,253}$/, 'must be an IP address or a host name, such as 127.0.0.1 or 0.0.0.0')
      .default('127.0.0.1'),
    /** A PostgreSQL server to use instead of the embedded one, as the application's role. */
    DATABASE_URL: z.string().url().optional(),
    /** The owner of TIP's tables on that server: runs the migrations and grants the application's role. */
    TIP_DATABASE_OWNER_URL: z.string().url().optional(),
    /** Where the embedded PostgreSQL keeps its data (and the generated secrets). */
    TIP_DATA_DIR: z.string().min(1).default('./data'),
    TIP_EMBEDDED_PG_PORT: port.optional(),
    /** How long the embedded PostgreSQL is restarted after it dies before TIP gives up and exits with code 1. */
    TIP_EMBEDDED_PG_RESTART_MS: z.coerce.number().int().min(1000).max(3_600_000).default(60_000),
    /** Where events are stored; with kurrentdb, read models and idempotency keys stay in PostgreSQL all the same. */
    TIP_EVENT_STORE: z.enum(['postgres', 'kurrentdb']).default('postgres'),
    /** With TIP_EVENT_STORE=kurrentdb: kurrentdb://host:2113?tls=false, or a cluster's kurrentdb+discover://… */
    KURRENTDB_CONNECTION_STRING: z
      .string()
      .regex(
        /^(kurrentdb|kurrent|kdb|esdb)(\+discover)?:\/\/\S+$/,
        'must be a KurrentDB connection string such as kurrentdb://host:2113?tls=false',
      )
      .optional(),
    /** Where the tree-head signing key (and the personal-data key-encryption keys) live; default $TIP_DATA_DIR/keys. */
    TIP_KEYS_DIR: z.string().min(1).optional(),
    /** A module that provides those keys from a KMS or HSM instead (see the README). */
    TIP_KMS_MODULE: z.string().min(1).optional(),
    /** A signed tree head at least this often while events arrive. */
    TIP_CHECKPOINT_INTERVAL_MS: z.coerce.number().int().min(1000).max(3_600_000).default(60_000),
    /** HS256 secret for bearer tokens; generated and kept in TIP_DATA_DIR when unset. */
    TIP_JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
    /** The longest lifetime a bearer token may have; longer ones are refused at the door. */
    TIP_TOKEN_MAX_TTL: duration('12h', 30 * 86400),
    /** How long a signed-in session lasts. */
    TIP_SESSION_TTL: duration('8h', 7 * 86400),
    /** How often each API process reads the token revocation list again (0: on every request). */
    TIP_TOKEN_REVOCATION_REFRESH_MS: z.coerce.number().int().min(0).max(60_000).default(1000),
    /** Express's "trust proxy": behind a TLS-terminating proxy, whose X-Forwarded-For/-Proto to believe. */
    TIP_TRUST_PROXY: z.string().min(1).optional(),
    /** Sign-in through an OpenID provider (production): its issuer URL; unset, only local accounts. */
    TIP_OIDC_ISSUER: z.string().url().optional(),
    TIP_OIDC_CLIENT_ID: z.string().min(1).optional(),
    TIP_OIDC_CLIENT_SECRET: z.string().min(1).optional(),
    /** This API's callback as registered with the provider: https://tip.example.org/api/auth/oidc/callback */
    TIP_OIDC_REDIRECT_URI: z.string().url().optional(),
    TIP_OIDC_SCOPES: z.string().min(1).default('openid profile'),
    /** Which claims say who the person is, their name, TIP role and unit. */
    TIP_OIDC_SUB_CLAIM: z.string().min(1).default('preferred_username'),
    TIP_OIDC_NAME_CLAIM: z.string().min(1).default('name'),
    TIP_OIDC_ROLE_CLAIM: z.string().min(1).default('tip_role'),
    TIP_OIDC_UNIT_CLAIM: z.string().min(1).default('tip_unit'),
    /** JSON: the provider's role values → TIP roles, e.g. {"县级管理员":"county-admin"}. */
    TIP_OIDC_ROLE_MAP: z
      .string()
      .default('{}')
      .transform((text, context) => {
        try {
          const parsed = z.record(z.enum(ROLES)).safeParse(JSON.parse(text));
          if (parsed.success) return parsed.data;
        } catch {
          // reported below
        }
        context.addIssue({
          code: z.ZodIssueCode.custom,
          message: `must be a JSON object of provider role → one of ${ROLES.join(', ')}`,
        });
        return z.NEVER;
      }),
    TIP_LOG_LEVEL: z.enum(['error', 'warn', 'log', 'debug', 'verbose']).default('log'),
    /** json lines (the default), or pretty for people at a terminal. */
    ...loggingEnvironment,
    /** Where the read models are built: in this process (the embedded default), or by projector workers fed from Kafka. */
    TIP_PROJECTIONS: z.enum(['inprocess', 'kafka']).default('inprocess'),
    /** With TIP_PROJECTIONS=kafka: publish the event log to Kafka from this process, or leave it to apps/relay. */
    TIP_RELAY: z.enum(['inprocess', 'off']).default('inprocess'),
    ...kafkaEnvironment,
    /** How long a view waits for its read model to reach `minPosition` before 503 VIEW_BEHIND. */
    TIP_VIEW_WAIT_MS: z.coerce.number().int().min(0).max(60_000).default(5000),
    /** /api/health/ready answers 503 while a read model is more than this many positions behind the event store's head. */
    TIP_READY_MAX_LAG: z.coerce.number().int().min(0).default(10_000),
    /** Mounts POST /api/bench/noop, the benchmarks' baseline. */
    TIP_BENCH_ROUTES: z
      .enum(['0', '1'])
      .default('0')
      .transform((value) => value === '1'),
  })
  .superRefine((config, context) => {
    if (config.TIP_EVENT_STORE === 'kurrentdb' && !config.KURRENTDB_CONNECTION_STRING) {
      context.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['KURRENTDB_CONNECTION_STRING'],
        message: 'is required when TIP_EVENT_STORE=kurrentdb',
      });
    }
    if (config.TIP_OIDC_ISSUER) {
      for (const name of ['TIP_OIDC_CLIENT_ID', 'TIP_OIDC_CLIENT_SECRET', 'TIP_OIDC_REDIRECT_URI'] as const) {
        if (!config[name]) {
          context.addIssue({ code: z.ZodIssueCode.custom, path: [name], message: 'is required with TIP_OIDC_ISSUER' });
        }
      }
    }
    if (config.TIP_PROJECTIONS === 'kafka' && !config.KAFKA_BROKERS) {
      context.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['KAFKA_BROKERS'],
        message: 'is required when TIP_PROJECTIONS=kafka',
      });
    }
  });

export type TipConfig = Omit<z.infer<typeof schema>, 'TIP_DATA_DIR'> & { TIP_DATA_DIR: string };

export class ConfigError extends Error {}

/** Reads the environment once at start-up; a bad value stops the process with every problem named. */
export function loadConfig(environment: NodeJS.ProcessEnv): TipConfig {
  const parsed = schema.safeParse(environment);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`).join('\n');
    throw new ConfigError(`Invalid configuration:\n${problems}`);
  }
  return { ...parsed.data, TIP_DATA_DIR: path.resolve(parsed.data.TIP_DATA_DIR) };
}
