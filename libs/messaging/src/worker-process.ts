import type pino from 'pino';
import { z } from 'zod';
import { EventStoreLogger } from '@tip/event-store';
import { createLogger, LOG_FORMATS, startTracing } from '@tip/observability';

export class EnvironmentError extends Error {}

/** Reads a process's environment once; a bad value stops it with every problem named. */
export function parseEnvironment<S extends z.ZodTypeAny>(schema: S, environment: NodeJS.ProcessEnv): z.infer<S> {
  const parsed = schema.safeParse(environment);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`).join('\n');
  throw new EnvironmentError(`Invalid configuration:\n${problems}`);
}

/** JSON lines, or pretty ones with TIP_LOG_FORMAT=pretty, as the API writes them. */
export function workerLogger(name: string): EventStoreLogger & { raw: pino.Logger } {
  const format = LOG_FORMATS.find((each) => each === process.env.TIP_LOG_FORMAT) ?? 'json';
  const raw = createLogger({ name, level: 'log', format });
  return {
    raw,
    info: (message, details) => raw.info(details ?? {}, message),
    warn: (message, details) => raw.warn(details ?? {}, message),
    error: (message, details) => raw.error(details ?? {}, message),
  };
}

/**
 * Runs a long-lived worker (relay, projector): starts it, and on SIGINT/SIGTERM stops it and
 * exits 0; a start-up failure exits 1 with the reason.
 */
export function runWorker(name: string, start: () => Promise<{ stop(): Promise<void> }>): void {
  const logger = workerLogger(name);
  // With OTEL_EXPORTER_OTLP_ENDPOINT set, a worker's projections continue the traces of the commands.
  const tracing = startTracing(name);
  let running: { stop(): Promise<void> } | undefined;
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info(`${signal} received: stopping`);
    (running?.stop() ?? Promise.resolve())
      .then(() => tracing?.shutdown())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error('stop failed', { error: String(error) });
          process.exit(1);
        },
      );
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => stop(signal));
  start().then(
    (worker) => {
      running = worker;
      logger.info(`${name} is running`);
    },
    (error: unknown) => {
      logger.error(`${name} could not start`, { error: error instanceof Error ? error.message : String(error) });
      process.exit(1);
    },
  );
}
