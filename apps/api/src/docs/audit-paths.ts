import type { OpenAPIObject, ParameterObject } from '@nestjs/swagger';
import { json, refused } from './openapi-common';

const whole = (name: string, description: string, required = true, minimum = 0): ParameterObject => ({
  name,
  in: 'query',
  required,
  // As the server reads them: whole numbers of up to 15 digits.
  schema: { type: 'integer', minimum, maximum: 999_999_999_999_999 },
  description,
});

const checkpoint = {
  type: 'object',
  description:
    'A signed tree head as an auditor keeps it (tip-checkpoint/1): the Ed25519 signature covers RFC 9162 TreeHeadDataV2 (timestamp, treeSize, rootHash, no extensions)',
  required: [
    'format',
    'keyId',
    'publicKey',
    'treeSize',
    'rootHash',
    'timestamp',
    'signedAt',
    'lastPosition',
    'reason',
    'signature',
  ],
  properties: {
    format: { type: 'string', enum: ['tip-checkpoint/1'] },
    keyId: { type: 'string', description: 'SHA-256 of the raw public key, hex' },
    publicKey: { type: 'string', description: 'Raw 32-byte Ed25519 public key, base64' },
    treeSize: { type: 'integer' },
    rootHash: { type: 'string', description: 'MTH of the first treeSize events in global order, hex' },
    timestamp: { type: 'integer', description: 'Milliseconds since 1970' },
    signedAt: { type: 'string', format: 'date-time' },
    lastPosition: { type: 'integer', description: 'Global position of the tree’s last event' },
    reason: { type: 'string', enum: ['interval', 'week-end', 'request'] },
    week: { type: 'string', description: 'With week-end: the ISO week (Asia/Shanghai) that ended, e.g. 2021-W03' },
    signature: { type: 'string', description: 'Ed25519 signature, base64' },
  },
};

const problem = {
  type: 'object',
  required: ['kind', 'check', 'message'],
  properties: {
    kind: {
      type: 'string',
      enum: ['altered', 'inserted', 'missing', 'moved', 'out-of-order', 'inconsistent', 'tree', 'signature'],
    },
    check: { type: 'string', enum: ['hash-chain', 'tree-leaves', 'signed-head', 'checkpoint', 'event-fields'] },
    message: { type: 'string' },
    position: { type: 'integer' },
    streamId: { type: 'string' },
    revision: { type: 'integer' },
    eventId: { type: 'string' },
  },
};

const anchorResult = {
  type: 'object',
  properties: {
    source: { type: 'string', enum: ['signed head', 'kept checkpoint'] },
    treeSize: { type: 'integer' },
    rootHash: { type: 'string' },
    signedAt: { type: 'string' },
    matches: { type: 'boolean', description: 'Absent when the log never reached that size' },
    signatureOk: { type: 'boolean' },
  },
};

const loggedEvent = {
  type: 'object',
  description:
    'An event exactly as stored: data and metadata are the stored JSON texts, times in UTC with microseconds',
  properties: Object.fromEntries(
    [
      ['position', 'integer'],
      ['streamId', 'string'],
      ['revision', 'integer'],
      ['eventId', 'string'],
      ['type', 'string'],
      ['schemaVersion', 'integer'],
      ['businessTime', 'string'],
      ['recordedTime', 'string'],
      ['data', 'string'],
      ['metadata', 'string'],
      ['hash', 'string'],
    ].map(([name, type]) => [name, { type }]),
  ),
};

const hashes = (description: string) => ({ type: 'array', items: { type: 'string' }, description });

/** The routes that make the history verifiable from outside: heads, proofs, verification, export. */
export function transparencyPaths(): OpenAPIObject['paths'] {
  const auditors = {
    security: [{ bearer: [] }],
    responses401: refused('UNAUTHENTICATED'),
    responses403: refused('FORBIDDEN: only auditor and system'),
  };
  return {
    '/api/audit/checkpoints': {
      get: {
        operationId: 'auditCheckpoints',
        tags: ['audit'],
        summary: 'Signed tree heads over the whole log, newest first, with the log’s public key (no token needed)',
        parameters: [
          {
            name: 'limit',
            in: 'query',
            required: false,
            schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
          },
          whole('before', 'Page on: the `before` of the previous answer', false),
        ],
        responses: {
          200: {
            description: 'The heads',
            ...json({
              type: 'object',
              required: ['algorithm', 'keyId', 'publicKey', 'latest', 'checkpoints', 'before'],
              properties: {
                algorithm: { type: 'string', enum: ['Ed25519'] },
                keyId: { type: 'string' },
                publicKey: { type: 'string', description: 'Raw 32-byte key, base64' },
                latest: { ...checkpoint, nullable: true },
                checkpoints: { type: 'array', items: checkpoint },
                before: { type: 'integer', nullable: true, description: 'Pass as before for the next page' },
              },
            }),
          },
          400: refused('VALIDATION_FAILED: limit or before'),
        },
      },
      post: {
        operationId: 'auditSignCheckpoint',
        tags: ['audit'],
        summary:
          'Signs a head over the log as it is now, if it grew since the last one: a checkpoint to keep (roles: auditor, system)',
        security: auditors.security,
        responses: {
          200: { description: 'The newest head', ...json(checkpoint) },
          401: auditors.responses401,
          403: auditors.responses403,
        },
      },
    },
    '/api/audit/proofs/inclusion': {
      get: {
        operationId: 'auditInclusionProof',
        tags: ['audit'],
        summary:
          'RFC 9162 inclusion proof of one event in the tree of treeSize events, with the event as stored (roles: auditor, system)',
        security: auditors.security,
        parameters: [
          whole('position', 'The event’s global position', true, 1),
          whole('treeSize', 'A signed head’s treeSize', true, 1),
        ],
        responses: {
          200: {
            description: 'The proof',
            ...json({
              type: 'object',
              properties: {
                event: loggedEvent,
                position: { type: 'integer' },
                leafIndex: { type: 'integer' },
                treeSize: { type: 'integer' },
                leafHash: { type: 'string' },
                rootHash: { type: 'string' },
                auditPath: hashes('PATH(leafIndex, D[treeSize]), the leaf’s sibling first, hex'),
              },
            }),
          },
          400: refused(
            'VALIDATION_FAILED: position or treeSize, naming which: treeSize at most the tree so far, the event a leaf of that tree (relations the schema cannot state)',
          ),
          401: auditors.responses401,
          403: auditors.responses403,
          404: refused('NOT_FOUND: no event at that position is in the tree'),
        },
      },
    },
    '/api/audit/proofs/consistency': {
      get: {
        operationId: 'auditConsistencyProof',
        tags: ['audit'],
        summary:
          'RFC 9162 consistency proof that the tree of `to` events extends the tree of `from` events (no token needed)',
        parameters: [whole('from', 'The older head’s treeSize'), whole('to', 'The newer head’s treeSize')],
        responses: {
          200: {
            description: 'The proof',
            ...json({
              type: 'object',
              properties: {
                from: { type: 'integer' },
                to: { type: 'integer' },
                fromRootHash: { type: 'string' },
                toRootHash: { type: 'string' },
                consistencyPath: hashes('PROOF(from, D[to]), hex'),
              },
            }),
          },
          400: refused(
            'VALIDATION_FAILED: from or to, naming which: to at most the tree so far, from at most to (a relation the schema cannot state)',
          ),
        },
      },
    },
    '/api/audit/verify': {
      get: {
        operationId: 'auditVerify',
        tags: ['audit'],
        summary:
          'Checks the whole log: every hash chain, every event’s fields, the Merkle tree against every signed head and, given treeSize and rootHash, a head you kept; names every problem (roles: auditor, system)',
        security: auditors.security,
        parameters: [
          whole('treeSize', 'Of a checkpoint you kept (with rootHash)', false),
          {
            name: 'rootHash',
            in: 'query',
            required: false,
            schema: { type: 'string', pattern: '^[0-9a-f]{64}$' },
            description: 'Of a checkpoint you kept (with treeSize)',
          },
        ],
        responses: {
          200: {
            description: 'The report, intact or not (ok says which)',
            ...json({
              type: 'object',
              required: ['ok', 'eventsChecked', 'streamsChecked', 'tree', 'checkpoints', 'problems', 'problemCount'],
              properties: {
                ok: { type: 'boolean' },
                eventsChecked: { type: 'integer' },
                streamsChecked: { type: 'integer' },
                tree: {
                  type: 'object',
                  properties: {
                    size: { type: 'integer' },
                    rootHash: { type: 'string' },
                    lastPosition: { type: 'integer' },
                  },
                },
                latestHead: anchorResult,
                checkpoints: { type: 'array', items: anchorResult },
                headsChecked: { type: 'integer' },
                eventsAfterLatestHead: { type: 'integer' },
                firstProblem: problem,
                problems: { type: 'array', items: problem, description: 'At most 100, in global order' },
                problemCount: { type: 'integer' },
              },
            }),
          },
          400: refused(
            'VALIDATION_FAILED: treeSize or rootHash, naming which: both or neither (a relation the schema cannot state)',
          ),
          401: auditors.responses401,
          403: auditors.responses403,
        },
      },
    },
    '/api/audit/export': {
      get: {
        operationId: 'auditExport',
        tags: ['audit'],
        summary:
          'The whole log as NDJSON (tip-log/1) for tools/verify-log.py: every event as stored, every signed head, the stored leaves (roles: auditor, system)',
        security: auditors.security,
        responses: {
          200: {
            description: 'One JSON document per line',
            content: { 'application/x-ndjson': { schema: { type: 'string' } } },
          },
          401: auditors.responses401,
          403: auditors.responses403,
        },
      },
    },
  };
}
