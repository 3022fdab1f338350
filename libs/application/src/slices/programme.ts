import {
  batchStream,
  batchStreamId,
  extendBatchDecision,
  launchProgrammeDecision,
  one,
  programmeStream,
  programmeStreamId,
  scheduleBatchDecision,
} from '@tip/domain';
import { z } from 'zod';
import { defineCommand } from '../commands/command-slice';
import { atUnit, foundIn } from '../commands/scope';
import { identifier } from './identifiers';
import { text } from './text';

const calendarDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD');

export const launchProgramme = defineCommand({
  name: 'LaunchProgramme',
  description:
    "Launches a programme in a province with its rulebook (a preset's name, see GET /api/rulebooks, or a whole " +
    'rulebook), run by the province or, with ownerUnitId, by one of its cities (Lianyungang, Ningde and ' +
    "Yueyang run their own): the owner's admin schedules and extends its batches, and everything of it stays " +
    "inside the owner's subtree. Sent once by system or an admin of the owner, before its batches. Refuses " +
    'UNKNOWN_UNIT (not a registered province or owner), BAD_OWNER (not a city of the province), ' +
    'UNKNOWN_RULEBOOK, BAD_RULEBOOK, PROGRAMME_ALREADY_LAUNCHED.',
  schema: z
    .object({
      programmeId: identifier,
      name: text(200),
      provinceId: identifier,
      // A preset's name, or a whole rulebook the domain checks field by field.
      rulebook: z.union([text(100), z.record(z.unknown())]),
      ownerUnitId: identifier.optional(),
    })
    .strict(),
  roles: ['province-admin', 'city-admin'],
  scope: (data) => atUnit(data.ownerUnitId ?? data.provinceId),
  decision: launchProgrammeDecision,
});

export const scheduleBatch = defineCommand({
  name: 'ScheduleBatch',
  description:
    "Schedules a batch of a programme (its dates, share of the teachers and periods), before the batch's " +
    "quotas and enrollments. Sent by system or an admin of the programme's owner (its province, or the city " +
    "that runs it). The share must fit the rulebook's batch plan where it has one (Jiangsu: 20%, 40%, 40%). " +
    'Refuses UNKNOWN_PROGRAMME, BATCH_SHARE_MISMATCH, BATCH_OVERLAPS_RULES (naming the rule: dates, periods, ' +
    'shares, order, an id taken).',
  schema: z
    .object({
      programmeId: identifier,
      batchId: identifier,
      name: text(200),
      startsOn: calendarDate,
      endsOn: calendarDate,
      sharePercent: z.number().min(0).max(100),
      periods: z
        .array(z.object({ periodId: identifier, startsOn: calendarDate, endsOn: calendarDate }).strict())
        .min(1)
        .max(100),
    })
    .strict(),
  roles: ['province-admin', 'city-admin'],
  // Scheduling is the programme's owner's business.
  scope: (data) =>
    foundIn({ programme: one(programmeStream, programmeStreamId(data.programmeId)) }, (roles, read) => {
      const programme = read(roles.programme);
      return programme.status === 'launched' ? programme.ownerUnitId : undefined;
    }),
  decision: scheduleBatchDecision,
});

export const extendBatch = defineCommand({
  name: 'ExtendBatch',
  description:
    "Moves a batch's last day later, with the reason (shown in views and notices): until then assessment, " +
    'offline hours, certificates and closure applications are taken. Sent by system or an admin of the ' +
    "programme's owner. Refuses UNKNOWN_BATCH, NOT_LATER (the new end is not after the current one).",
  schema: z.object({ batchId: identifier, endsOn: calendarDate, reason: text(2000) }).strict(),
  roles: ['province-admin', 'city-admin'],
  // The batch names its programme's owner (a batch scheduled before owners were recorded: system only).
  scope: (data) =>
    foundIn({ batch: one(batchStream, batchStreamId(data.batchId)) }, (roles, read) => {
      const batch = read(roles.batch);
      return batch.status === 'scheduled' ? (batch.ownerUnitId ?? undefined) : undefined;
    }),
  decision: extendBatchDecision,
});
