import * as path from 'node:path';
import { z } from 'zod';
import { kafkaEnvironment } from '@tip/messaging';

const port = z.coerce.number().int().min(0).max(65535);

const schema = z
  .object({
    PORT: port.default(3000),
    /** A PostgreSQL server to use instead of the embedded one. */
    DATABASE_URL: z.string().url().optional(),
    /** Where the embedded PostgreSQL keeps its data (and the generated secrets). */
    TIP_DATA_DIR: z.string().min(1).default('./data'),
    TIP_EMBEDDED_PG_PORT: port.optional(),
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
    /** HS256 secret for bearer tokens; generated and kept in TIP_DATA_DIR when unset. */
    TIP_JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
    TIP_LOG_LEVEL: z.enum(['error', 'warn', 'log', 'debug', 'verbose']).default('log'),
    /** Where the read models are built: in this process (the embedded default), or by projector workers fed from Kafka. */
    TIP_PROJECTIONS: z.enum(['inprocess', 'kafka']).default('inprocess'),
    /** With TIP_PROJECTIONS=kafka: publish the event log to Kafka from this process, or leave it to apps/relay. */
    TIP_RELAY: z.enum(['inprocess', 'off']).default('inprocess'),
    ...kafkaEnvironment,
    /** How long a view waits for its read model to reach `minPosition` before 503 VIEW_BEHIND. */
    TIP_VIEW_WAIT_MS: z.coerce.number().int().min(0).max(60_000).default(5000),
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
