import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import pino, { Logger, LevelWithSilent } from 'pino';
import type { Options as PinoHttpOptions } from 'pino-http';
import { z } from 'zod';

/** `json` (one object a line, the default: for collectors) or `pretty` (for people at a terminal). */
export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** TIP_LOG_FORMAT, read by every TIP process. */
export const loggingEnvironment = {
  TIP_LOG_FORMAT: z.enum(LOG_FORMATS).default('json'),
};

/** TIP_LOG_LEVEL speaks NestJS's words; pino's are these. */
const PINO_LEVELS = {
  error: 'error',
  warn: 'warn',
  log: 'info',
  info: 'info',
  debug: 'debug',
  verbose: 'trace',
} as const;
export type TipLogLevel = keyof typeof PINO_LEVELS;

/**
 * The process's logger: JSON lines on stdout, or with `pretty` pino-pretty (loaded only then),
 * coloured only on a terminal. Never colour codes in a file or a pipe.
 */
export function createLogger(options: { name: string; level?: TipLogLevel; format?: LogFormat }): Logger {
  const level: LevelWithSilent = PINO_LEVELS[options.level ?? 'log'];
  if (options.format === 'pretty') {
    const pretty = require('pino-pretty') as typeof import('pino-pretty');
    return pino(
      { name: options.name, level },
      pretty.build({
        colorize: Boolean(process.stdout.isTTY),
        translateTime: 'SYS:HH:MM:ss.l',
        ignore: 'pid,hostname',
        singleLine: true,
        sync: true,
      }),
    );
  }
  return pino({
    name: options.name,
    level,
    // Levels by name and times in ISO 8601: what log collectors and people read without a table.
    formatters: { level: (label) => ({ level: label }) },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}

const TRACEPARENT = /^[\da-f]{2}-[\da-f]{32}-[\da-f]{16}-[\da-f]{2}$/;
const REQUEST_ID = /^[\w.:@/+=-]{1,128}$/;

/** The W3C trace context a request came with, when it is well formed (anything else is not echoed into the log). */
export function traceparentOf(request: IncomingMessage): string | undefined {
  const value = request.headers.traceparent;
  return typeof value === 'string' && TRACEPARENT.test(value) ? value : undefined;
}

/** Query strings are logged, but not those that carry a sign-in's code and state. */
function loggedUrl(url: string | undefined): string | undefined {
  if (!url) return url;
  return url.startsWith('/api/auth/oidc/') ? url.split('?')[0] : url;
}

/**
 * pino-http's settings for the API: a request id (the caller's `X-Request-Id` when well formed,
 * else a new UUID; sent back in `X-Request-Id`) and the `traceparent` on every line logged while
 * the request runs, and one access line when it ends, without headers (no token, no cookie).
 */
export function accessLogOptions(logger: Logger): PinoHttpOptions {
  return {
    logger,
    genReqId: (request: IncomingMessage, response: ServerResponse) => {
      const given = request.headers['x-request-id'];
      const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
      response.setHeader('x-request-id', id);
      return id;
    },
    customProps: (request: IncomingMessage) => {
      const traceparent = traceparentOf(request);
      return traceparent ? { traceparent } : {};
    },
    // Lines logged during a request carry its id, not the whole request again.
    quietReqLogger: true,
    customAttributeKeys: { reqId: 'requestId' },
    serializers: {
      req: (request: { id: unknown; method: string; url: string; remoteAddress?: string }) => ({
        id: request.id,
        method: request.method,
        url: loggedUrl(request.url),
        remoteAddress: request.remoteAddress,
      }),
      res: (response: { statusCode: number }) => ({ statusCode: response.statusCode }),
    },
    customLogLevel: (_request, response, error) => (error || response.statusCode >= 500 ? 'error' : 'info'),
    customSuccessMessage: (request, response, responseTime) =>
      `${request.method} ${loggedUrl(request.url)} ${response.statusCode} ${Math.round(responseTime)} ms`,
    customErrorMessage: (request, response) => `${request.method} ${loggedUrl(request.url)} ${response.statusCode}`,
  };
}
