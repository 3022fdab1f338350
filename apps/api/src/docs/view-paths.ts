import type { OpenAPIObject, ParameterObject } from '@nestjs/swagger';
import { printableJsonSchema } from '@tip/application';
import { NOTICE_COUNTS, NOTICE_RATES, TRAINING_STATUSES } from '@tip/projections';
import { identifierSchema, json, refused } from './openapi-common';

const minPosition: ParameterObject = {
  name: 'minPosition',
  in: 'query',
  required: false,
  schema: { type: 'integer', minimum: 0, maximum: 999_999_999_999_999 },
  description:
    'Read your writes: answer once the read model has reached this global position (a command result’s `position`, up to 15 digits); 503 VIEW_BEHIND after 5 s',
};
/** Caller-chosen ids, as the commands check them (apps/api/src/docs/openapi-common.ts). */
const batchId = (required: boolean): ParameterObject => ({
  name: 'batchId',
  in: 'query',
  required,
  schema: identifierSchema,
});
const inPath = (name: string): ParameterObject => ({ name, in: 'path', required: true, schema: identifierSchema });

const counts = (names: string[]) => ({
  type: 'object',
  properties: Object.fromEntries(names.map((name) => [name, { type: 'integer' }])),
});
const percent = (description: string) => ({ type: 'number', nullable: true, description });
const rates = {
  type: 'object',
  properties: {
    participationPercent: percent(
      '参训率: enrolled ÷ required, in percent to one decimal; null when nobody is required',
    ),
    passPercent: percent('合格率: passed ÷ assessed; null when nobody is assessed'),
    completionPercent: percent('完成率: trained ÷ required; null when nobody is required'),
  },
};
const requiredSource = {
  type: 'string',
  enum: ['registered', 'declared', 'mixed', 'none'],
  description:
    'Where teachers.required comes from: registered full-time teachers (exempt aside), a declared fullTimeTeachers total where none is registered yet, both (children differ), or neither',
};
const pilots = {
  type: 'object',
  nullable: true,
  description:
    'Pilot schools (试点学校) at or below the unit where the rulebook designates pilots (Yueyang), else null: short when fewer are counted than asked of the unit, late counting pilots past their finishBy without closing (or closed after it)',
  properties: {
    total: { type: 'integer', description: 'Pilot schools at or below the unit' },
    late: { type: 'integer', description: 'Of them, past their finishBy without closing, or closed after it' },
    required: {
      type: 'integer',
      nullable: true,
      description: 'Asked of the unit: the owner’s own pilots, or at least this many for a county; null: none',
    },
    askedAs: { type: 'string', enum: ['owner', 'county'], nullable: true },
    counted: {
      type: 'integer',
      description: 'The pilots that count towards required: the owner’s own, the county’s (all, elsewhere)',
    },
    short: { type: 'boolean', description: 'counted < required' },
    dueBy: { type: 'string', format: 'date', description: 'The rulebook’s day the pilots are due by' },
    finishBy: { type: 'string', format: 'date', nullable: true, description: 'A pilot school: due to close by' },
  },
};
const extensions = {
  type: 'array',
  description: 'Every ExtendBatch made by then, oldest first: the new last day, the one before, the reason, when',
  items: {
    type: 'object',
    properties: {
      endsOn: { type: 'string', format: 'date' },
      previousEndsOn: { type: 'string', format: 'date' },
      reason: { type: 'string' },
      at: { type: 'string', format: 'date-time', description: 'Business time of the extension' },
    },
  },
};
const batchEnd = {
  endsOn: { type: 'string', format: 'date', description: 'The batch’s last day in force now, extensions included' },
  scheduledEndsOn: { type: 'string', format: 'date', description: 'The last day as the batch was scheduled' },
  extensions,
};
const progress = {
  teachers: {
    ...counts([
      'required',
      'enrolled',
      'confirmed',
      'pointsSelected',
      'onlinePassed',
      'assessed',
      'passed',
      'excellent',
      'trained',
      'certified',
      'othersEnrolled',
      'othersTrained',
    ]),
    description:
      'required: teachers the programme requires (full-time, not exempt); enrolled … certified count those teachers; trained: finished as the rulebook has it (a pass where it grades, hours and certificate where it does not); othersEnrolled/othersTrained: taking part though not required (part-time, exempt volunteers), in no rate',
  },
  requiredSource,
  rates,
  target: {
    type: 'object',
    description:
      'The batch’s coverage target now: the rulebook’s milestones and batch shares, as a share of all teachers',
    properties: {
      percent: { type: 'number' },
      aimPercent: { type: 'number', nullable: true, description: '争取达到, where the rulebook names an aim' },
      asOf: { type: 'string', format: 'date-time' },
    },
  },
  behind: { type: 'boolean', description: 'completionPercent (as shown) is under target.percent' },
  behindByPoints: {
    type: 'number',
    description: 'target − completionPercent in percentage points when behind, else 0',
  },
  hoursCredited: {
    type: 'object',
    properties: { total: { type: 'number' }, byCategory: { type: 'object', additionalProperties: { type: 'number' } } },
  },
  hoursRecognised: { type: 'number', description: '认定学时: the hours of trained teachers only' },
  excellentVideos: {
    type: 'object',
    properties: {
      total: { type: 'integer' },
      bySubject: { type: 'object', additionalProperties: { type: 'integer' } },
    },
  },
  schools: counts(['total', 'closed']),
  pilots,
  seatTotals: {
    type: 'object',
    properties: {
      received: { type: 'integer' },
      handedOn: { type: 'integer' },
      used: { type: 'integer' },
      left: { type: 'integer', nullable: true, description: 'null where seats start (the unit issuing them)' },
    },
  },
  position: {
    type: 'integer',
    description: 'The read model’s position when the answer was read: it includes every event up to here',
  },
};
const figures = {
  type: 'object',
  properties: Object.fromEntries([
    ...NOTICE_COUNTS.map((figure) => [figure, { type: 'number' }]),
    ...NOTICE_RATES.map((rate) => [rate, { type: 'number', nullable: true }]),
  ]),
};
const noticeRow = {
  type: 'object',
  properties: {
    unitId: { type: 'string' },
    name: { type: 'string' },
    kind: { type: 'string', enum: ['province', 'city', 'county', 'school'] },
    parentId: { type: 'string', nullable: true },
    rank: { type: 'integer', description: 'By completionPercent within the level; ties share a rank (1, 1, 3)' },
    requiredSource,
    thisWeek: figures,
    lastWeek: figures,
    change: { ...figures, description: 'thisWeek − lastWeek; rates in percentage points' },
    targetPercent: { type: 'number' },
    behind: { type: 'boolean', description: 'thisWeek.completionPercent < targetPercent (both to one decimal)' },
    behindByPoints: { type: 'number' },
    progressPercent: { type: 'number', description: 'completionPercent, 0 where nobody is required' },
    pilots,
  },
};

/** Every view says whether its read model parked an event (skipped it): see /api/health. */
function withDegraded(answer: object): object {
  const properties = (answer as { properties?: object }).properties;
  if (!properties) return answer;
  return {
    ...answer,
    properties: {
      ...properties,
      degraded: { type: 'boolean', description: 'The read model parked an event: this answer may lack its effect' },
    },
  };
}

function view(operationId: string, summary: string, parameters: ParameterObject[], answer: object, content?: object) {
  return {
    get: {
      operationId,
      tags: ['views'],
      summary,
      security: [{ bearer: [] }],
      parameters,
      responses: {
        200: { description: 'The answer', ...(content ?? json(withDegraded(answer))) },
        400: refused('VALIDATION_FAILED: a parameter, named in details'),
        401: refused('UNAUTHENTICATED'),
        403: refused(
          'FORBIDDEN: outside the actor’s subtree, whether the id exists or not (a teacher reads only their own transcript); decided before any wait',
        ),
        404: refused('NOT_FOUND: only to system and auditor, or inside the actor’s subtree'),
        503: refused(
          'VIEW_BEHIND: the read model did not reach minPosition within 5 s; UNAVAILABLE: the database is not reachable (Retry-After)',
        ),
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
            description: 'Per period in the batch’s order, the unit’s own ledger (left null where seats start)',
          },
          batchEnd: { type: 'object', properties: batchEnd },
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
      'The batch’s totals at the unit that runs its programme, and one row per unit directly below it',
      [inPath('batchId'), minPosition],
      {
        type: 'object',
        properties: {
          batchId: { type: 'string' },
          name: { type: 'string' },
          provinceId: { type: 'string' },
          provinceName: { type: 'string', nullable: true },
          ownerUnitId: {
            type: 'string',
            description:
              'The unit that runs the programme (the province, or a city running its own): the figures are its',
          },
          ownerName: { type: 'string', nullable: true },
          startsOn: { type: 'string', format: 'date' },
          ...batchEnd,
          ...progress,
          children: {
            type: 'array',
            description: 'One row per unit directly below the owner (a city’s counties and city-direct schools)',
            items: {
              type: 'object',
              properties: {
                unitId: { type: 'string' },
                name: { type: 'string' },
                kind: { type: 'string' },
                ...progress,
              },
            },
          },
          cities: {
            type: 'array',
            description: 'The rows of children that are cities (all of them for a province-run programme)',
            items: {
              type: 'object',
              properties: {
                unitId: { type: 'string' },
                name: { type: 'string' },
                kind: { type: 'string' },
                ...progress,
              },
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
                left: { type: 'integer', nullable: true },
              },
            },
          },
          position: { type: 'integer' },
        },
      },
    ),
    '/api/views/units/{unitId}/funding': view(
      'unitFunding',
      'Funding as the rulebook pays it (Ningde: 3 yuan per hour per teacher): hours credited × the rate, for the unit and per child unit. 404 naming the reason where the rulebook sets no rate.',
      [inPath('unitId'), batchId(true), minPosition],
      {
        type: 'object',
        properties: {
          unitId: { type: 'string' },
          batchId: { type: 'string' },
          rulebookId: { type: 'string' },
          yuanPerHourPerTeacher: { type: 'number' },
          hoursCredited: { type: 'number' },
          yuan: { type: 'number' },
          children: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                unitId: { type: 'string' },
                name: { type: 'string' },
                kind: { type: 'string' },
                hoursCredited: { type: 'number' },
                yuan: { type: 'number' },
              },
            },
          },
          position: { type: 'integer' },
        },
      },
    ),
    '/api/notices/weekly': view(
      'weeklyNotice',
      'The weekly notice (周通报) for a unit and every level below it, headed as a bureau sends it (issuing office, 文号, date of issue, programme and batch names) with a summary paragraph: teachers required, enrolled, confirmed, online passed, assessed, passed, trained, 参训率, 合格率, 完成率 this week, last week and the change; ranked by 完成率 (ties share a rank: 1, 1, 3); the units under the batch’s coverage target flagged. Weeks are ISO weeks in Asia/Shanghai; a past week is the history as of its end and never changes. csv: UTF-8 with BOM, one row per unit; xlsx: one sheet per level, headers frozen, rates as percent cells; html: fits an A4 landscape page and a 1280-px screen, each level as two tables (counts; rates and hours). Files are named by unit, batch and week.',
      [
        { name: 'unitId', in: 'query', required: true, schema: identifierSchema },
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
        {
          name: 'documentNumber',
          in: 'query',
          required: false,
          schema: printableJsonSchema(60),
          description:
            '文号 printed under the issuing office, e.g. 连教办师〔2016〕9号; 1 to 60 characters, no control characters, < or >',
          example: '连教办师〔2016〕9号',
        },
        {
          name: 'issuedOn',
          in: 'query',
          required: false,
          schema: { type: 'string', format: 'date' },
          description: 'Date of issue; default the Monday after the week',
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
                batchId: { type: 'string' },
                batchName: { type: 'string' },
                programmeId: { type: 'string' },
                programmeName: { type: 'string' },
                heading: {
                  type: 'object',
                  properties: {
                    issuingOffice: { type: 'string' },
                    documentNumber: { type: 'string', nullable: true },
                    issuedOn: { type: 'string', format: 'date' },
                    title: { type: 'string' },
                  },
                },
                week: { type: 'string' },
                previousWeek: { type: 'string' },
                weekStartsOn: { type: 'string', format: 'date' },
                weekEndsOn: { type: 'string', format: 'date' },
                asOf: { type: 'string', format: 'date-time' },
                batchStartsOn: { type: 'string', format: 'date' },
                batchEndsOn: {
                  type: 'string',
                  format: 'date',
                  description: 'The batch’s last day in force at the end of the week (extensions made by then)',
                },
                batchScheduledEndsOn: { type: 'string', format: 'date' },
                extensions,
                pacePercent: {
                  type: 'number',
                  description:
                    '时间进度: share of the batch’s days gone by, up to the end in force at the end of the week',
                },
                targetPercent: {
                  type: 'number',
                  description: 'The batch’s coverage target at the end of the week, as a share of all teachers',
                },
                lastWeekTargetPercent: { type: 'number' },
                aimPercent: {
                  type: 'number',
                  nullable: true,
                  description: '争取达到, where the rulebook names an aim',
                },
                quotas: { type: 'boolean', description: 'Does the batch hand out seats?' },
                graded: { type: 'boolean', description: 'Does the rulebook grade practice (a 合格率 to report)?' },
                pilotSchools: {
                  type: 'object',
                  nullable: true,
                  description:
                    'The rulebook’s ask of pilot schools (Yueyang: 2 of the owner’s own, 2 per county, by a day)',
                  properties: {
                    ownerPilots: { type: 'integer' },
                    perCounty: { type: 'integer' },
                    dueBy: { type: 'string', format: 'date' },
                  },
                },
                summary: { type: 'string', description: 'The summary paragraph, in Chinese, from the figures' },
                source: {
                  type: 'object',
                  description:
                    'The history the figures were computed from: every event up to position, the first treeSize leaves of the Merkle tree whose signed head (GET /api/audit/checkpoints) has rootHash',
                  properties: {
                    position: { type: 'integer' },
                    treeSize: { type: 'integer' },
                    rootHash: { type: 'string' },
                    signedAt: { type: 'string', format: 'date-time' },
                    keyId: { type: 'string' },
                  },
                },
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
    '/api/views/units/{unitId}/teachers': view(
      'unitTeachers',
      'The teachers of a unit’s schools with where each stands in the batch, for chasing the ones behind: paged (by school, then teacher id), filtered by status; ID numbers masked',
      [
        inPath('unitId'),
        batchId(true),
        {
          name: 'status',
          in: 'query',
          required: false,
          schema: {
            type: 'string',
            pattern: `^(${TRAINING_STATUSES.join('|')})(,(${TRAINING_STATUSES.join('|')}))*$`,
          },
          description: `One or more of ${TRAINING_STATUSES.join(', ')}, separated by commas. Under a rulebook that grades nothing, awaiting-grade means online study is passed and the remaining hours or the certificate are still to come`,
          example: 'online-not-passed,awaiting-grade',
        },
        {
          name: 'page',
          in: 'query',
          required: false,
          schema: { type: 'integer', minimum: 1, maximum: 999_999_999_999_999, default: 1 },
        },
        {
          name: 'pageSize',
          in: 'query',
          required: false,
          schema: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
        },
        minPosition,
      ],
      {
        type: 'object',
        properties: {
          unitId: { type: 'string' },
          batchId: { type: 'string' },
          statuses: { type: 'array', items: { type: 'string', enum: [...TRAINING_STATUSES] } },
          counts: {
            type: 'object',
            description: 'Teachers in each status over the whole unit, whatever the filter',
            properties: Object.fromEntries(TRAINING_STATUSES.map((status) => [status, { type: 'integer' }])),
          },
          total: { type: 'integer', description: 'Teachers matching the filter' },
          page: { type: 'integer' },
          pageSize: { type: 'integer' },
          teachers: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                teacherId: { type: 'string' },
                name: { type: 'string' },
                idNumberMasked: { type: 'string' },
                gender: { type: 'string' },
                stage: { type: 'string', description: '学段' },
                subject: { type: 'string' },
                fullTime: { type: 'boolean' },
                schoolId: { type: 'string' },
                schoolName: { type: 'string' },
                status: { type: 'string', enum: [...TRAINING_STATUSES] },
                periodId: { type: 'string', nullable: true },
                exempt: {
                  type: 'boolean',
                  description: 'The programme’s rulebook exempts the teacher (ExemptTeacher)',
                },
                required: { type: 'boolean', description: 'Full-time and not exempt: among the teachers required' },
              },
            },
          },
          position: { type: 'integer' },
        },
      },
    ),
    '/api/views/batches': view(
      'batches',
      'The batches a caller can pick from: those of programmes run by a unit on the caller’s path (every batch for auditors and system), newest first',
      [minPosition],
      {
        type: 'object',
        properties: {
          batches: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                batchId: { type: 'string' },
                name: { type: 'string' },
                programmeId: { type: 'string' },
                programmeName: { type: 'string', nullable: true },
                provinceId: { type: 'string' },
                rulebookId: { type: 'string' },
                startsOn: { type: 'string', format: 'date' },
                endsOn: { type: 'string', format: 'date' },
                sharePercent: { type: 'number' },
                periods: { type: 'array', items: { type: 'object' } },
              },
            },
          },
          position: { type: 'integer' },
        },
      },
    ),
    '/api/views/units/{unitId}/children': view(
      'unitChildren',
      'Every unit one level below, each with the figures, rates, target and `behind` of its own progress view (what the dashboards’ bar chart draws); `path` names the units from the caller’s own down to this one',
      [inPath('unitId'), batchId(true), minPosition],
      {
        type: 'object',
        properties: {
          unitId: { type: 'string' },
          name: { type: 'string' },
          kind: { type: 'string' },
          batchId: { type: 'string' },
          path: { type: 'array', items: { type: 'object' } },
          targetPercent: { type: 'number', description: 'The batch’s coverage target now' },
          children: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                unitId: { type: 'string' },
                name: { type: 'string' },
                kind: { type: 'string' },
                ...progress,
              },
            },
          },
          position: { type: 'integer' },
        },
      },
    ),
    '/api/views/units/{unitId}/pilot-schools': view(
      'unitPilotSchools',
      'The batch’s pilot schools (试点学校, DesignatePilotSchool) at or below the unit, due first first: whose pilot, finishBy, closure status, late as of now (past finishBy unclosed, or closed after it); where the rulebook asks for pilots, the counties with fewer than it asks',
      [inPath('unitId'), batchId(true), minPosition],
      {
        type: 'object',
        properties: {
          unitId: { type: 'string' },
          name: { type: 'string' },
          kind: { type: 'string' },
          batchId: { type: 'string' },
          rule: {
            type: 'object',
            nullable: true,
            description: 'The rulebook’s pilotSchools (null: it names no pilots)',
            properties: {
              ownerPilots: { type: 'integer' },
              perCounty: { type: 'integer' },
              dueBy: { type: 'string', format: 'date' },
            },
          },
          countiesShort: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                unitId: { type: 'string' },
                name: { type: 'string' },
                pilots: { type: 'integer' },
                required: { type: 'integer' },
              },
            },
          },
          total: { type: 'integer' },
          closed: { type: 'integer' },
          late: { type: 'integer' },
          pilots: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                schoolId: { type: 'string' },
                name: { type: 'string' },
                parentId: {
                  type: 'string',
                  nullable: true,
                  description: 'Its county (or city, for a city’s own school)',
                },
                parentName: { type: 'string', nullable: true },
                scope: { type: 'string', enum: ['programme', 'county'] },
                finishBy: { type: 'string', format: 'date' },
                designatedAt: { type: 'string', format: 'date-time' },
                closureStatus: { type: 'string' },
                closedAt: { type: 'string', format: 'date-time', nullable: true },
                late: { type: 'boolean' },
              },
            },
          },
          position: { type: 'integer' },
        },
      },
    ),
    '/api/views/units/{unitId}/trend': view(
      'unitTrend',
      'The unit’s 完成率 (trained ÷ required) and the batch’s target as of the end of every week of the batch so far (ISO weeks, Asia/Shanghai; the last is the week under way)',
      [inPath('unitId'), batchId(true), minPosition],
      {
        type: 'object',
        properties: {
          unitId: { type: 'string' },
          batchId: { type: 'string' },
          weeks: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                week: { type: 'string', example: '2021-W03' },
                endsOn: { type: 'string', format: 'date' },
                required: { type: 'integer' },
                enrolled: { type: 'integer' },
                passed: { type: 'integer' },
                trained: { type: 'integer' },
                certified: { type: 'integer' },
                completionPercent: { type: 'number', nullable: true },
                targetPercent: { type: 'number' },
              },
            },
          },
          position: { type: 'integer' },
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
