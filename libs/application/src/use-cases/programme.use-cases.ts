import {
  batchEvolver,
  batchStreamId,
  BatchEvent,
  decideLaunchProgramme,
  decideScheduleBatch,
  fold,
  LaunchProgramme,
  OrgUnitEvent,
  orgUnitDecider,
  orgUnitStreamId,
  ProgrammeEvent,
  programmeDecider,
  programmeStreamId,
  ScheduleBatch,
} from '@tip/domain';
import { z } from 'zod';
import { defineUseCase } from '../command-pipeline/use-case';
import { identifier } from './identifiers';

const calendarDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD');
const programmes = programmeDecider();

export const launchProgramme = defineUseCase({
  name: 'LaunchProgramme',
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
  scope: (data) => ({ kind: 'unit', unitId: data.provinceId }),
  streams: (data) => ({ programme: programmeStreamId(data.programmeId), province: orgUnitStreamId(data.provinceId) }),
  primaryStream: 'programme',
  decide: (command, history) => ({
    programme: decideLaunchProgramme(
      command as LaunchProgramme,
      fold(programmes, history.programme as ProgrammeEvent[]),
      fold(orgUnitDecider(), history.province as OrgUnitEvent[]),
    ),
  }),
});

export const scheduleBatch = defineUseCase({
  name: 'ScheduleBatch',
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
  // Scheduling is the programme's province's business: checked against the programme stream.
  scope: (data) => ({
    kind: 'stream',
    streamId: programmeStreamId(data.programmeId),
    unitOf: (events) => {
      const programme = fold(programmes, events as ProgrammeEvent[]);
      return programme.status === 'launched' ? programme.provinceId : undefined;
    },
  }),
  streams: (data) => ({ programme: programmeStreamId(data.programmeId), batch: batchStreamId(data.batchId) }),
  copies: ['programme'],
  primaryStream: 'batch',
  decide: (command, history) => {
    const scheduled = decideScheduleBatch(
      command as ScheduleBatch,
      fold(programmes, history.programme as ProgrammeEvent[]),
      fold(batchEvolver, history.batch as BatchEvent[]),
    );
    // The batch stream keeps its own copy, so a batch's periods and rulebook are one read away;
    // both streams are written in one atomic append.
    return { programme: scheduled, batch: scheduled };
  },
});
