import {
  decideRegisterOrgUnit,
  fold,
  OrgUnitEvent,
  orgUnitDecider,
  orgUnitStreamId,
  RegisterOrgUnit,
} from '@tip/domain';
import { z } from 'zod';
import { defineUseCase } from '../command-pipeline/use-case';
import { identifier } from './identifiers';

const orgUnits = orgUnitDecider();
const unitOf = (events: unknown[] | undefined) => (events ? fold(orgUnits, events as OrgUnitEvent[]) : undefined);

export const registerOrgUnit = defineUseCase({
  name: 'RegisterOrgUnit',
  schema: z
    .object({
      unitId: identifier,
      kind: z.enum(['province', 'city', 'county', 'school']),
      name: z.string().trim().min(1).max(200),
      parentId: identifier.optional(),
      fullTimeTeachers: z.number().int().min(0).max(1_000_000).optional(),
    })
    .strict(),
  roles: ['province-admin', 'city-admin', 'county-admin'],
  // The admin of the parent (or of an ancestor of it) registers a unit; a province only system.
  scope: (data) => (data.parentId ? { kind: 'unit', unitId: data.parentId } : { kind: 'system' }),
  streams: (data) => ({
    unit: orgUnitStreamId(data.unitId),
    ...(data.parentId ? { parent: orgUnitStreamId(data.parentId) } : {}),
  }),
  primaryStream: 'unit',
  decide: (command, history) => ({
    unit: decideRegisterOrgUnit(
      command as RegisterOrgUnit,
      fold(orgUnits, history.unit as OrgUnitEvent[]),
      unitOf(history.parent),
    ),
  }),
});
