import { launchProgrammeDecision, one, programmeStream, programmeStreamId, scheduleBatchDecision } from '@tip/domain';
import { z } from 'zod';
import { defineCommand } from '../commands/command-slice';
import { atUnit, foundIn } from '../commands/scope';
import { identifier } from './identifiers';

const calendarDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD');

export const launchProgramme = defineCommand({
  name: 'LaunchProgramme',
  description:
    "Launches a programme in a province with its rulebook (a preset's name, see GET /api/rulebooks, or a whole " +
    'rulebook). Sent once by system or a province-admin of the province, before its batches. Refuses ' +
    'UNKNOWN_UNIT (not a registered province), UNKNOWN_RULEBOOK, BAD_RULEBOOK, PROGRAMME_ALREADY_LAUNCHED.',
  schema: z
    .object({
      programmeId: identifier,
      name: z.string().trim().min(1).max(200),
      provinceId: identifier,
      // A preset's name, or a whole rulebook the domain checks field by field.
      rulebook: z.union([z.string().min(1).max(100), z.record(z.unknown())]),
    })
    .strict(),
  roles: ['province-admin'],
  scope: (data) => atUnit(data.provinceId),
  decision: launchProgrammeDecision,
});

export const scheduleBatch = defineCommand({
  name: 'ScheduleBatch',
  description:
    "Schedules a batch of a programme (its dates, share of the teachers and periods), before the batch's " +
    "quotas and enrollments. Sent by system or a province-admin of the programme's province. Refuses " +
    'UNKNOWN_PROGRAMME, BATCH_OVERLAPS_RULES (naming the rule: dates, periods, shares, order, an id taken).',
  schema: z
    .object({
      programmeId: identifier,
      batchId: identifier,
      name: z.string().trim().min(1).max(200),
      startsOn: calendarDate,
      endsOn: calendarDate,
      sharePercent: z.number().min(0).max(100),
      periods: z
        .array(z.object({ periodId: identifier, startsOn: calendarDate, endsOn: calendarDate }).strict())
        .min(1)
        .max(100),
    })
    .strict(),
  roles: ['province-admin'],
  // Scheduling is the programme's province's business.
  scope: (data) =>
    foundIn({ programme: one(programmeStream, programmeStreamId(data.programmeId)) }, (roles, read) => {
      const programme = read(roles.programme);
      return programme.status === 'launched' ? programme.provinceId : undefined;
    }),
  decision: scheduleBatchDecision,
});
