import { INestApplication } from '@nestjs/common';
import { OpenAPIObject, ParameterObject, SwaggerModule } from '@nestjs/swagger';
import type { ResponsesObject, SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import {
  CommandSlice,
  DEFAULT_LOG_PAGE,
  importEnvelope,
  jsonSchemaExtras,
  jsonSchemaHints,
  MAX_LOG_PAGE,
  STREAM_CATEGORIES,
} from '@tip/application';
import { ignoreOverride, zodToJsonSchema } from 'zod-to-json-schema';
import { errorBody, json, refused, unavailable } from './openapi-common';
import { rulebookPaths } from './rulebook-paths';
import { viewPaths } from './view-paths';
import { authPaths, sessionSecurityScheme } from './auth-paths';
import { transparencyPaths } from './audit-paths';

const commandResult = {
  type: 'object',
  required: ['commandId', 'streamId', 'version', 'position', 'events'],
  properties: {
    commandId: { type: 'string' },
    streamId: { type: 'string' },
    version: { type: 'integer', description: 'Events in the command’s stream after it ran' },
    position: { type: 'integer', description: 'Global position of the last appended event (0 when nothing changed)' },
    events: { type: 'array', items: { type: 'object', required: ['type'], properties: { type: { type: 'string' } } } },
  },
};

/** Typed loosely on purpose: the generic zod types make the compiler recurse without end here. */
const toJsonSchema = (schema: unknown): Record<string, unknown> =>
  unicodePatternsDescribed(
    (zodToJsonSchema as (schema: unknown, options: object) => Record<string, unknown>)(schema, {
      target: 'openApi3',
      $refStrategy: 'none',
      pipeStrategy: 'input',
      // TIP's schema blocks (text, identifiers, instants) say in JSON Schema what their refinements check.
      override: (def: object) => jsonSchemaHints.get(def as never) ?? ignoreOverride,
      // And relations between fields that a refine checks (either jti or sub, …).
      postProcess: (jsonSchema: object | undefined, def: object) => {
        const extra = jsonSchemaExtras.get(def as never);
        return jsonSchema && extra ? { ...jsonSchema, ...extra } : jsonSchema;
      },
    }),
  );

/** `at` and `actor`, from the schema that checks them, with who may send them. */
function importFields(): Record<string, SchemaObject> {
  const { at, actor } = toJsonSchema(importEnvelope).properties as Record<string, SchemaObject>;
  return {
    at: { ...at, description: `Business time of an imported command (system only): ${String(at.description)}` },
    actor: { ...actor, description: 'The original actor of an imported command (system only)' },
  };
}

const metadata = {
  type: 'object',
  description:
    'As stored (the hash covers it): eventId, actor {sub, role, unitId}, importedBy?, commandId, correlationId, causationId, businessTime, recordedTime, schemaVersion',
  required: [
    'eventId',
    'actor',
    'commandId',
    'correlationId',
    'causationId',
    'businessTime',
    'recordedTime',
    'schemaVersion',
  ],
};
const loggedEvent = {
  type: 'object',
  required: ['revision', 'position', 'type', 'data', 'metadata'],
  properties: {
    revision: { type: 'integer' },
    position: { type: 'integer' },
    type: { type: 'string' },
    data: { type: 'object' },
    metadata,
  },
};

/** The auditors' routes (roles: auditor, system). */
function auditPaths(): OpenAPIObject['paths'] {
  const streamId: ParameterObject = {
    name: 'streamId',
    in: 'path',
    required: true,
    // As the event store checks stream ids: 400 naming streamId otherwise.
    schema: { type: 'string', minLength: 1, maxLength: 200, pattern: '^[^\\u0000-\\u001F\\u007F]*$' },
    description: 'e.g. quota-LYG-2016:1:320700; 1 to 200 characters (code points), no control characters',
  };
  const badStreamId = refused('VALIDATION_FAILED: streamId has control characters or more than 200 characters');
  const audit = (
    operationId: string,
    summary: string,
    parameters: ParameterObject[],
    answer: object,
    extra: Record<number, object> = {},
  ) => ({
    get: {
      operationId,
      tags: ['audit'],
      summary: `${summary} (roles: auditor, system)`,
      security: [{ bearer: [] }],
      parameters,
      responses: {
        200: { description: 'The answer', ...json(answer) },
        401: refused('UNAUTHENTICATED'),
        403: refused('FORBIDDEN: only auditor and system'),
        ...extra,
      },
    },
  });
  return {
    '/api/audit/streams/{streamId}': audit(
      'auditStream',
      'Every event of a stream in order, as stored, with its hash',
      [streamId],
      {
        type: 'object',
        required: ['streamId', 'events'],
        properties: {
          streamId: { type: 'string' },
          events: {
            type: 'array',
            items: {
              ...loggedEvent,
              required: [...loggedEvent.required, 'hash'],
              properties: { ...loggedEvent.properties, hash: { type: 'string', description: 'SHA-256, hex' } },
            },
          },
        },
      },
      { 400: badStreamId, 404: refused('NOT_FOUND: no such stream') },
    ),
    '/api/audit/streams/{streamId}/state': audit(
      'auditStreamState',
      'The stream’s state rebuilt from its events up to a business time',
      [
        streamId,
        {
          name: 'asOf',
          in: 'query',
          required: false,
          schema: { type: 'string', format: 'date-time' },
          description: 'Business time; every event when omitted',
        },
      ],
      {
        type: 'object',
        required: ['streamId', 'category', 'asOf', 'version', 'eventsFolded', 'lastBusinessTime', 'state'],
        properties: {
          streamId: { type: 'string' },
          category: { type: 'string', enum: STREAM_CATEGORIES.map((category) => category.name) },
          asOf: { type: 'string', format: 'date-time', nullable: true },
          version: { type: 'integer', description: 'Revision of the last event folded; -1 when none' },
          eventsFolded: { type: 'integer' },
          lastBusinessTime: { type: 'string', format: 'date-time', nullable: true },
          state: { type: 'object' },
        },
      },
      {
        400: refused('VALIDATION_FAILED: asOf or streamId'),
        404: refused('NOT_FOUND: no such stream, or no known category'),
      },
    ),
    '/api/audit/events': audit(
      'auditEvents',
      'The global event log in order, for external replay',
      [
        {
          name: 'fromPosition',
          in: 'query',
          required: false,
          schema: { type: 'integer', minimum: 0, maximum: 999_999_999_999_999, default: 0 },
        },
        {
          name: 'limit',
          in: 'query',
          required: false,
          schema: { type: 'integer', minimum: 1, maximum: MAX_LOG_PAGE, default: DEFAULT_LOG_PAGE },
        },
      ],
      {
        type: 'object',
        required: ['events', 'nextPosition'],
        properties: {
          events: {
            type: 'array',
            items: {
              ...loggedEvent,
              required: ['streamId', ...loggedEvent.required],
              properties: { streamId: { type: 'string' }, ...loggedEvent.properties },
            },
          },
          nextPosition: { type: 'integer', description: 'fromPosition of the next page' },
        },
      },
      { 400: refused('VALIDATION_FAILED: fromPosition or limit') },
    ),
  };
}

const partUp = {
  type: 'object',
  required: ['status'],
  properties: { status: { type: 'string', enum: ['up', 'down'] } },
};
const parkedEvent = {
  type: 'object',
  required: ['readModel', 'position', 'eventType', 'error', 'attempts', 'firstAttempt', 'lastAttempt'],
  properties: {
    readModel: { type: 'string' },
    position: { type: 'integer' },
    eventType: { type: 'string' },
    error: { type: 'string', description: 'Why the projector could not handle it' },
    attempts: { type: 'integer' },
    firstAttempt: { type: 'string', format: 'date-time' },
    lastAttempt: { type: 'string', format: 'date-time' },
  },
};
const healthBody = {
  type: 'object',
  required: ['status', 'eventStore', 'readModels'],
  properties: {
    status: { type: 'string', enum: ['ok', 'degraded', 'unavailable'] },
    eventStore: {
      ...partUp,
      properties: {
        ...partUp.properties,
        headPosition: { type: 'integer' },
        safePosition: { type: 'integer' },
        heldBackEvents: { type: 'integer' },
        oldestOpenTransactionSeconds: { type: 'number' },
      },
    },
    readModels: {
      type: 'object',
      required: ['status', 'views', 'parked'],
      properties: {
        status: { type: 'string', enum: ['up', 'down'] },
        latencyMs: { type: 'number' },
        views: {
          type: 'object',
          additionalProperties: {
            type: 'object',
            required: ['position', 'behindBy', 'parked'],
            properties: {
              position: { type: 'integer' },
              behindBy: { type: 'integer', nullable: true, description: 'Positions behind the event store’s head' },
              parked: { type: 'integer', description: 'Events parked (see tip projections parked)' },
            },
          },
        },
        parked: { type: 'array', items: parkedEvent, description: 'The first 20 parked events, oldest first' },
      },
    },
  },
};

/** Health for people, supervisors and probes: no token, no database details. */
function healthPaths(): OpenAPIObject['paths'] {
  const operation = (operationId: string, summary: string, responses: ResponsesObject) => ({
    get: { operationId, tags: ['operations'], summary, responses },
  });
  return {
    '/api/health': operation('health', 'Each part, each read model’s lag and parked events', {
      200: { description: '`ok`, or `degraded` when a read model parked an event', ...json(healthBody) },
      503: { description: '`unavailable`: a part does not answer', ...json(healthBody) },
    }),
    '/api/health/live': operation(
      'healthLive',
      'Liveness: the process serves HTTP (a database outage does not fail it)',
      {
        200: {
          description: 'Live',
          ...json({ type: 'object', required: ['status'], properties: { status: { type: 'string', enum: ['live'] } } }),
        },
      },
    ),
    '/api/health/ready': operation(
      'healthReady',
      'Readiness: database and event store answer, read models answer, none parked an event, none lags more than TIP_READY_MAX_LAG',
      {
        200: {
          description: 'Ready',
          ...json({
            type: 'object',
            required: ['status'],
            properties: { status: { type: 'string', enum: ['ready'] } },
          }),
        },
        503: {
          description: 'Not ready, with the reasons',
          ...json({
            type: 'object',
            required: ['status', 'reasons'],
            properties: {
              status: { type: 'string', enum: ['not-ready'] },
              reasons: { type: 'array', items: { type: 'string' } },
            },
          }),
        },
      },
    ),
  };
}

/**
 * Identifier patterns use Unicode classes (\p{L}, for names like 赣榆区) that OpenAPI's
 * ECMA-262 patterns without the u flag cannot express: they become a description instead.
 */
function unicodePatternsDescribed(schema: unknown): Record<string, unknown> {
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(walk);
    if (node === null || typeof node !== 'object') return node;
    const entries = Object.entries(node as Record<string, unknown>).map(([key, value]) => [key, walk(value)] as const);
    const result = Object.fromEntries(entries) as Record<string, unknown>;
    if (typeof result.pattern === 'string' && result.pattern.includes('\\p{')) {
      delete result.pattern;
      result.description = 'Letters in any script, digits, "_", ".", "-" or parentheses; 1 to 64 characters';
    }
    return result;
  };
  return walk(schema) as Record<string, unknown>;
}

/**
 * The OpenAPI document, generated from the very schemas that check command bodies, so the
 * docs cannot drift from what the API accepts.
 */
export function openApiDocument(commands: readonly CommandSlice[]): OpenAPIObject {
  const paths: OpenAPIObject['paths'] = {};
  const envelope = importFields();
  for (const command of commands) {
    const schema = toJsonSchema(command.schema);
    const properties = { ...(schema.properties as Record<string, SchemaObject> | undefined), ...envelope };
    // The hour feed takes the same records in batches.
    if (command.name === 'RecordOnlineHours')
      paths['/api/feeds/online-hours'] = feedPath(command.name, { ...schema, properties });
    paths[`/api/commands/${command.name}`] = {
      post: {
        operationId: command.name,
        tags: ['commands'],
        summary: `${command.name} (roles: ${['system', ...command.roles].join(', ')})`,
        description: command.description,
        security: [{ bearer: [] }],
        parameters: [
          {
            name: 'Idempotency-Key',
            in: 'header',
            required: false,
            schema: { type: 'string', minLength: 1, maxLength: 200 },
            description:
              'The same key with the same body returns the first answer and appends nothing; another body, 409',
          },
          {
            name: 'traceparent',
            in: 'header',
            required: false,
            schema: { type: 'string' },
            description: 'W3C trace context; kept on every event the command appends and sent on with them to Kafka',
          },
        ],
        requestBody: { required: true, content: { 'application/json': { schema: { ...schema, properties } } } },
        responses: {
          200: { description: 'Decided and appended', content: { 'application/json': { schema: commandResult } } },
          400: {
            description: 'VALIDATION_FAILED: details name each field and rule',
            content: { 'application/json': { schema: errorBody } },
          },
          401: { description: 'UNAUTHENTICATED', content: { 'application/json': { schema: errorBody } } },
          403: { description: 'FORBIDDEN: role or scope', content: { 'application/json': { schema: errorBody } } },
          409: {
            description: 'CONFLICT: idempotency key reused, or unresolvable concurrency',
            content: { 'application/json': { schema: errorBody } },
          },
          413: refused('PAYLOAD_TOO_LARGE: the body is over 1 MB'),
          415: refused('UNSUPPORTED_MEDIA_TYPE: the body is not application/json'),
          422: {
            description: 'A business rule, with its own code (the description above names them)',
            content: { 'application/json': { schema: errorBody } },
          },
          503: unavailable,
        },
      },
    };
  }
  paths['/api/certificates/{code}'] = {
    get: {
      operationId: 'verifyCertificate',
      tags: ['certificates'],
      summary: 'Anyone may check a certificate: valid or revoked, masked holder, batch, hours (no token)',
      parameters: [
        {
          name: 'code',
          in: 'path',
          required: true,
          schema: { type: 'string', pattern: '^[A-Za-z0-9-]{1,40}$', minLength: 1, maxLength: 40 },
        },
      ],
      responses: {
        200: {
          description: 'The certificate',
          ...json({
            type: 'object',
            required: ['code', 'status', 'holder', 'batchId', 'hours', 'totalHours', 'grade', 'issuedAt'],
            properties: {
              code: { type: 'string' },
              status: { type: 'string', enum: ['valid', 'revoked'] },
              revokedAt: { type: 'string', format: 'date-time', description: 'When revoked' },
              holder: { type: 'string', description: 'The first character of the name, then *' },
              batchId: { type: 'string' },
              hours: { type: 'object', additionalProperties: { type: 'number' } },
              totalHours: { type: 'number' },
              grade: { type: 'string', nullable: true },
              issuedAt: { type: 'string' },
            },
          }),
        },
        400: refused('VALIDATION_FAILED: code is not 1 to 40 letters, digits or "-"'),
        404: refused('NOT_FOUND: no certificate has this code'),
        503: unavailable,
      },
    },
  };
  Object.assign(paths, rulebookPaths(), viewPaths(), auditPaths(), authPaths(), transparencyPaths(), healthPaths());
  paths['/api/metrics'] = {
    get: {
      operationId: 'metrics',
      tags: ['operations'],
      summary: "Prometheus's text format: commands, appends, read models' lag, pools, Node (no token)",
      responses: {
        200: {
          description: 'The metrics (README, "Metrics")',
          content: { 'text/plain': { schema: { type: 'string' } } },
        },
      },
    },
  };
  return {
    openapi: '3.0.3',
    info: {
      title: 'TIP',
      version: '0.1.0',
      description: 'The system of record for the teacher IT-ability training programme',
    },
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
        session: sessionSecurityScheme,
      },
    },
    paths,
  };
}

/** The hour feed: RecordOnlineHours records in batches, each answered on its own. */
function feedPath(command: string, record: object): OpenAPIObject['paths'][string] {
  const answer = {
    type: 'object',
    required: ['accepted', 'duplicates', 'refused', 'records'],
    properties: {
      accepted: { type: 'integer' },
      duplicates: { type: 'integer' },
      refused: { type: 'integer' },
      records: {
        type: 'array',
        items: {
          type: 'object',
          required: ['index', 'outcome'],
          properties: {
            index: { type: 'integer', description: "The record's place in the batch, from 0" },
            line: { type: 'integer', description: 'NDJSON: its line, from 1' },
            recordId: { type: 'string' },
            outcome: { type: 'string', enum: ['accepted', 'duplicate', 'refused'] },
            position: { type: 'integer', description: "accepted: the global position of the write's last event" },
            code: { type: 'string', description: `refused: the code ${command} alone would answer` },
            message: { type: 'string', description: 'refused: in Chinese with Accept-Language: zh-CN' },
            problems: {
              type: 'array',
              items: {
                type: 'object',
                required: ['field', 'rule'],
                properties: { field: { type: 'string' }, rule: { type: 'string' } },
              },
            },
            details: {},
          },
        },
      },
    },
  };
  return {
    post: {
      operationId: 'feedOnlineHours',
      tags: ['commands'],
      summary: `The course platform's hour feed: ${command} records in batches of 1 to 5,000 (roles: system)`,
      description:
        `Each record is decided as ${command} alone would be and answered on its own: accepted, duplicate ` +
        '(its recordId is on record; nothing appended) or refused with its code and [{field, rule}], a record ' +
        'that breaks its schema too (the batch is still 200). The accepted records are appended in one atomic ' +
        'write. A JSON body is at most 1 MB, an NDJSON one 4 MB (413 beyond).',
      security: [{ bearer: [] }],
      requestBody: {
        required: true,
        content: {
          'application/json': {
            schema: {
              type: 'object',
              required: ['records'],
              properties: { records: { type: 'array', items: record, minItems: 1, maxItems: 5000 } },
            },
          },
          'application/x-ndjson': {
            schema: { type: 'string', description: 'One record (a JSON object) a line, up to 4 MB' },
          },
        },
      },
      responses: {
        200: { description: 'Every record answered', ...json(answer) },
        400: refused('VALIDATION_FAILED: no records, more than 5,000, or no records array (field records)'),
        401: refused('UNAUTHENTICATED'),
        403: refused('FORBIDDEN: only system (the course platform) sends the feed'),
        409: refused("CONFLICT: other writers kept changing the batch's streams"),
        413: refused('PAYLOAD_TOO_LARGE: a JSON body over 1 MB, an NDJSON one over 4 MB'),
        503: unavailable,
      },
    },
  };
}

export function serveOpenApi(app: INestApplication, commands: readonly CommandSlice[]): void {
  SwaggerModule.setup('api/docs', app, openApiDocument(commands), { jsonDocumentUrl: 'api/docs/openapi.json' });
}
