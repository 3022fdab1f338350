import type { OpenAPIObject } from '@nestjs/swagger';
import { PRESET_RULEBOOK_NAMES } from '@tip/domain';
import { json, refused } from './openapi-common';

const nullableInteger = { type: 'integer', nullable: true };
const summary = {
  type: 'object',
  required: ['name', 'title', 'version', 'source', 'hours'],
  properties: {
    name: { type: 'string', description: 'What LaunchProgramme takes as `rulebook`', enum: [...PRESET_RULEBOOK_NAMES] },
    title: { type: 'string' },
    version: { type: 'string', description: '提升工程 1.0 or 2.0' },
    source: {
      type: 'object',
      properties: {
        issuer: { type: 'string' },
        documentNumber: { type: 'string', nullable: true },
        issuedOn: { type: 'string', format: 'date', nullable: true },
      },
    },
    hours: {
      type: 'object',
      properties: {
        minimumTotal: { type: 'number' },
        categories: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              id: { type: 'string' },
              label: { type: 'string' },
              mode: { type: 'string', enum: ['online', 'offline', 'blended'] },
              minimumHours: { type: 'number' },
            },
          },
        },
      },
    },
    onlineStudyLimit: { type: 'string', nullable: true, description: 'e.g. "1 months from enrollment"' },
    abilityPoints: {
      type: 'object',
      nullable: true,
      properties: {
        catalogue: { type: 'string' },
        minPoints: { type: 'integer' },
        maxPoints: nullableInteger,
        deadlineDays: nullableInteger,
      },
    },
    planThresholdPercent: nullableInteger,
    closureThresholdPercent: nullableInteger,
    excellentVideosPercentOfFullTimeTeachers: nullableInteger,
    inspectionMinSamplePercent: nullableInteger,
    exemptYearsBeforeRetirement: nullableInteger,
    fundingYuanPerHourPerTeacher: { type: 'number', nullable: true },
    batchSharesPercent: { type: 'array', items: { type: 'integer' }, nullable: true },
    coverageTargets: {
      type: 'array',
      items: {
        type: 'object',
        properties: { by: { type: 'string', format: 'date' }, minPercent: { type: 'integer' } },
      },
    },
  },
};

/** The built-in rulebooks (any role). */
export function rulebookPaths(): OpenAPIObject['paths'] {
  return {
    '/api/rulebooks': {
      get: {
        operationId: 'listRulebooks',
        tags: ['rulebooks'],
        summary: 'The preset rulebooks LaunchProgramme accepts by name, with their main figures (any role)',
        security: [{ bearer: [] }],
        responses: {
          200: {
            description: 'Every preset',
            ...json({
              type: 'object',
              required: ['rulebooks'],
              properties: { rulebooks: { type: 'array', items: summary } },
            }),
          },
          401: refused('UNAUTHENTICATED'),
        },
      },
    },
    '/api/rulebooks/{name}': {
      get: {
        operationId: 'getRulebook',
        tags: ['rulebooks'],
        summary:
          'One preset in full, as LaunchProgramme would fix it, with its notes on how the notice was read (any role)',
        security: [{ bearer: [] }],
        parameters: [{ name: 'name', in: 'path', required: true, schema: { type: 'string' } }],
        responses: {
          200: { description: 'The rulebook', ...json({ type: 'object' }) },
          401: refused('UNAUTHENTICATED'),
          404: refused('NOT_FOUND: no preset of that name (the message lists them)'),
        },
      },
    },
  };
}
