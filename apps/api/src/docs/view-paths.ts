import type { OpenAPIObject, ParameterObject } from '@nestjs/swagger';
import { NOTICE_FIGURES } from '@tip/projections';
import { json, refused } from './openapi-common';

const minPosition: ParameterObject = {
  name: 'minPosition',
  in: 'query',
  required: false,
  schema: { type: 'integer', minimum: 0 },
  description:
    'Read your writes: answer once the read model has reached this global position (a command result’s `position`); 503 VIEW_BEHIND after 5 s',
};
const batchId = (required: boolean): ParameterObject => ({
  name: 'batchId',
  in: 'query',
  required,
  schema: { type: 'string' },
});
const inPath = (name: string): ParameterObject => ({ name, in: 'path', required: true, schema: { type: 'string' } });

const counts = (names: string[]) => ({
  type: 'object',
  properties: Object.fromEntries(names.map((name) => [name, { type: 'integer' }])),
});
const progress = {
  teachers: counts([
    'enrolled',
    'confirmed',
    'pointsSelected',
    'onlinePassed',
    'assessed',
    'passed',
    'excellent',
    'certified',
  ]),
  hoursCredited: {
    type: 'object',
    properties: { total: { type: 'number' }, byCategory: { type: 'object', additionalProperties: { type: 'number' } } },
  },
  excellentVideos: {
    type: 'object',
    properties: {
      total: { type: 'integer' },
      bySubject: { type: 'object', additionalProperties: { type: 'integer' } },
    },
  },
  schools: counts(['total', 'closed']),
  seatTotals: counts(['received', 'handedOn', 'used', 'left']),
  position: {
    type: 'integer',
    description: 'The read model’s position when the answer was read: it includes every event up to here',
  },
};
const figures = {
  type: 'object',
  properties: Object.fromEntries(NOTICE_FIGURES.map((figure) => [figure, { type: 'number' }])),
};
const noticeRow = {
  type: 'object',
  properties: {
    unitId: { type: 'string' },
    name: { type: 'string' },
    kind: { type: 'string', enum: ['province', 'city', 'county', 'school'] },
    rank: { type: 'integer' },
    thisWeek: figures,
    lastWeek: figures,
    change: figures,
    progressPercent: { type: 'number', description: 'passed ÷ seats received' },
    behind: { type: 'boolean', description: 'has seats and progressPercent < pacePercent' },
  },
};

function view(operationId: string, summary: string, parameters: ParameterObject[], answer: object, content?: object) {
  return {
    get: {
      operationId,
      tags: ['views'],
      summary,
      security: [{ bearer: [] }],
      parameters,
      responses: {
        200: { description: 'The answer', ...(content ?? json(answer)) },
        400: refused('VALIDATION_FAILED: a parameter, named in details'),
        401: refused('UNAUTHENTICATED'),
        403: refused('FORBIDDEN: outside the actor’s subtree (a teacher reads only their own transcript)'),
        404: refused('NOT_FOUND'),
        503: refused('VIEW_BEHIND: the read model did not reach minPosition within 5 s'),
      },
    },
  };
}

/** The read side: views, the weekly notice and inspections. */
export function viewPaths(): OpenAPIObject['paths'] {
  return {
    '/api/views/units/{unitId}/progress': view(
      'unitProgress',
      'Progress of a school, county, city or province in a batch',
      [inPath('unitId'), batchId(true), minPosition],
      {
        type: 'object',
        properties: {
          unitId: { type: 'string' },
          name: { type: 'string' },
          kind: { type: 'string' },
          batchId: { type: 'string' },
          ...progress,
          seats: {
            type: 'array',
            items: counts(['received', 'handedOn', 'used', 'left']),
            description: 'Per period, the unit’s own ledger',
          },
          closure: {
            type: 'object',
            description: 'Schools only: status and the date of each step',
            properties: { status: { type: 'string' }, dates: { type: 'object' } },
          },
        },
      },
    ),
    '/api/views/batches/{batchId}/progress': view(
      'batchProgress',
      'The batch’s totals and one row per city',
      [inPath('batchId'), minPosition],
      {
        type: 'object',
        properties: {
          batchId: { type: 'string' },
          name: { type: 'string' },
          provinceId: { type: 'string' },
          ...progress,
          cities: {
            type: 'array',
            items: {
              type: 'object',
              properties: { unitId: { type: 'string' }, name: { type: 'string' }, ...progress },
            },
          },
        },
      },
    ),
    '/api/views/teachers/{teacherId}/transcript': view(
      'teacherTranscript',
      'Hours by category with their sources, ability points, grade and certificate, per batch; ID number masked',
      [inPath('teacherId'), batchId(false), minPosition],
      {
        type: 'object',
        properties: {
          teacherId: { type: 'string' },
          name: { type: 'string' },
          idNumberMasked: { type: 'string' },
          batches: { type: 'array', items: { type: 'object' } },
          position: { type: 'integer' },
        },
      },
    ),
    '/api/views/units/{unitId}/quota': view(
      'unitQuota',
      'Per period: seats received, handed on (per child), used and left',
      [inPath('unitId'), batchId(true), minPosition],
      {
        type: 'object',
        properties: {
          unitId: { type: 'string' },
          periods: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                periodId: { type: 'string' },
                received: { type: 'integer' },
                handedOn: { type: 'integer' },
                handedOnTo: { type: 'array', items: { type: 'object' } },
                used: { type: 'integer' },
                left: { type: 'integer' },
              },
            },
          },
          position: { type: 'integer' },
        },
      },
    ),
    '/api/notices/weekly': view(
      'weeklyNotice',
      'The weekly notice (周通报) for a unit and every level below it: this week, last week, the change, ranked, the units behind the batch’s pace flagged. Weeks are ISO weeks in Asia/Shanghai; a past week is the history as of its end and never changes.',
      [
        { name: 'unitId', in: 'query', required: true, schema: { type: 'string' } },
        batchId(true),
        {
          name: 'week',
          in: 'query',
          required: true,
          schema: { type: 'string', pattern: '^\\d{4}-W\\d{2}$' },
          example: '2021-W03',
        },
        {
          name: 'format',
          in: 'query',
          required: false,
          schema: { type: 'string', enum: ['json', 'csv', 'xlsx', 'html'], default: 'json' },
        },
        minPosition,
      ],
      {},
      {
        content: {
          'application/json': {
            schema: {
              type: 'object',
              properties: {
                week: { type: 'string' },
                previousWeek: { type: 'string' },
                pacePercent: { type: 'number' },
                unit: noticeRow,
                levels: {
                  type: 'array',
                  items: {
                    type: 'object',
                    properties: { kind: { type: 'string' }, rows: { type: 'array', items: noticeRow } },
                  },
                },
              },
            },
          },
          'text/csv': { schema: { type: 'string' } },
          'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': {
            schema: { type: 'string', format: 'binary' },
          },
          'text/html': { schema: { type: 'string' } },
        },
      },
    ),
    '/api/inspections/{sampleId}': view(
      'inspectionSample',
      'A spot-check sample: the schools drawn, the seed, the rule used, findings so far',
      [inPath('sampleId'), minPosition],
      {
        type: 'object',
        properties: {
          sampleId: { type: 'string' },
          seed: {},
          ratePercent: { type: 'number' },
          rule: { type: 'object' },
          schools: { type: 'array', items: { type: 'object' } },
          findings: { type: 'array', items: { type: 'object' } },
        },
      },
    ),
  };
}
