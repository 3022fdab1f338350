import { Decider } from '../shared/decider';
import { assertNever, RuleViolation } from '../shared/rule-violation';
import {
  DeclareFullTimeTeachers,
  OrgUnitCommand,
  OrgUnitKind,
  RegisterOrgUnit,
  SetIssuingOffice,
} from './organisation.commands';
import {
  FullTimeTeachersDeclared,
  IssuingOfficeSet,
  OrgUnitEvent,
  OrgUnitRegistered,
  OrgUnitRegisteredData,
} from './organisation.events';

/** One stream per org unit. */
export function orgUnitStreamId(unitId: string): string {
  return `org-unit-${unitId}`;
}

export type RegisteredOrgUnit = { status: 'registered' } & OrgUnitRegisteredData & {
    /** Declared after registration (DeclareFullTimeTeachers); the registration's figure stays as registered. */
    declaredFullTimeTeachers?: number;
    issuingOffice?: string;
  };
export type OrgUnitState = { status: 'unregistered' } | RegisteredOrgUnit;

/**
 * What the handler loads besides the unit's own stream: the parent's stream
 * (`orgUnitStreamId(command.data.parentId)`), folded with `orgUnitDecider()`. Omit it when the
 * command names no parent.
 */
export interface OrgUnitLookups {
  parent?: OrgUnitState;
}

/** Which kinds a unit of each kind may hang under (a school directly under a city is 市直属学校). */
const ALLOWED_PARENT_KINDS: Record<OrgUnitKind, readonly OrgUnitKind[]> = {
  province: [],
  city: ['province'],
  county: ['city'],
  school: ['county', 'city'],
};

/**
 * The org-unit decider. State is the unit's own stream; the parent arrives as a lookup, so
 * `decide(command, state)` stays pure: `orgUnitDecider({ parent }).decide(command, unit)`.
 * `orgUnitDecider()` (no lookups) is enough to fold any unit's stream.
 */
export function orgUnitDecider(lookups: OrgUnitLookups = {}): Decider<OrgUnitCommand, OrgUnitEvent, OrgUnitState> {
  return {
    decide: (command, unit) => {
      switch (command.type) {
        case 'RegisterOrgUnit':
          return decideRegisterOrgUnit(command, unit, lookups.parent);
        case 'SetIssuingOffice':
          return decideSetIssuingOffice(command, unit);
        case 'DeclareFullTimeTeachers':
          return decideDeclareFullTimeTeachers(command, unit);
        default:
          return assertNever(command);
      }
    },
    evolve: evolveOrgUnit,
    initialState: () => ({ status: 'unregistered' }),
  };
}

export function evolveOrgUnit(state: OrgUnitState, event: OrgUnitEvent): OrgUnitState {
  switch (event.type) {
    case 'OrgUnitRegistered':
      return { status: 'registered', ...event.data };
    case 'IssuingOfficeSet':
      return state.status === 'registered' ? { ...state, issuingOffice: event.data.issuingOffice } : state;
    case 'FullTimeTeachersDeclared':
      return state.status === 'registered'
        ? { ...state, declaredFullTimeTeachers: event.data.fullTimeTeachers }
        : state;
    default:
      return assertNever(event);
  }
}

export function decideRegisterOrgUnit(
  command: RegisterOrgUnit,
  unit: OrgUnitState,
  parent: OrgUnitState | undefined,
): OrgUnitRegistered[] {
  const { unitId, kind, name, parentId, fullTimeTeachers } = command.data;

  // Imports are rerun: the same unit with the same data is already done.
  if (unit.status === 'registered') {
    const differing = differingFields(unit, command.data);
    if (differing.length === 0) return [];
    throw new RuleViolation('UNIT_ALREADY_REGISTERED', `Unit ${unitId} is already registered with other data`, {
      unitId,
      fields: differing,
    });
  }

  if (fullTimeTeachers !== undefined) requireWholeNumber(fullTimeTeachers);

  if (kind === 'province') {
    if (parentId !== undefined) {
      throw new RuleViolation('BAD_HIERARCHY', 'A province has no parent', { unitId, kind, parentId });
    }
    return [registered(command.data, [])];
  }

  if (parentId === undefined) {
    throw new RuleViolation('UNKNOWN_PARENT', `A ${kind} needs a parent`, { unitId, kind });
  }
  if (parent === undefined || parent.status === 'unregistered') {
    throw new RuleViolation('UNKNOWN_PARENT', `Parent ${parentId} is not registered`, { unitId, parentId });
  }
  if (parent.unitId !== parentId) {
    // The handler loaded the wrong stream: a programming error, not the caller's.
    throw new Error(`Loaded parent ${parent.unitId} but the command names ${parentId}`);
  }
  if (!ALLOWED_PARENT_KINDS[kind].includes(parent.kind)) {
    throw new RuleViolation('BAD_HIERARCHY', `A ${kind} cannot be placed under a ${parent.kind}`, {
      unitId,
      kind,
      parentId,
      parentKind: parent.kind,
      allowedParentKinds: ALLOWED_PARENT_KINDS[kind],
    });
  }
  return [registered({ unitId, kind, name, parentId, fullTimeTeachers }, [...parent.ancestry, parent.unitId])];
}

/** Names the office that heads the unit's notices. Refuses UNKNOWN_UNIT; the same name again appends nothing. */
export function decideSetIssuingOffice(command: SetIssuingOffice, unit: OrgUnitState): IssuingOfficeSet[] {
  const { unitId, issuingOffice } = command.data;
  const registered = requireRegistered(unit, unitId);
  if (registered.issuingOffice === issuingOffice) return [];
  return [{ type: 'IssuingOfficeSet', data: { unitId, issuingOffice } }];
}

/**
 * Declares the unit's full-time teachers from now on (any kind of unit). Refuses UNKNOWN_UNIT and
 * a figure that is not a whole number ≥ 0; the figure in force again appends nothing.
 */
export function decideDeclareFullTimeTeachers(
  command: DeclareFullTimeTeachers,
  unit: OrgUnitState,
): FullTimeTeachersDeclared[] {
  const { unitId, fullTimeTeachers } = command.data;
  const registered = requireRegistered(unit, unitId);
  requireWholeNumber(fullTimeTeachers);
  if (declaredFullTimeTeachers(registered) === fullTimeTeachers) return [];
  return [{ type: 'FullTimeTeachersDeclared', data: { unitId, fullTimeTeachers } }];
}

/** The unit's full-time teachers in force: the latest declaration, else the registration's; undefined when never given. */
export function declaredFullTimeTeachers(unit: RegisteredOrgUnit): number | undefined {
  return unit.declaredFullTimeTeachers ?? unit.fullTimeTeachers;
}

function requireRegistered(unit: OrgUnitState, unitId: string): RegisteredOrgUnit {
  if (unit.status !== 'registered')
    throw new RuleViolation('UNKNOWN_UNIT', `Unit ${unitId} is not registered`, { unitId });
  return unit;
}

function requireWholeNumber(fullTimeTeachers: number): void {
  if (!Number.isInteger(fullTimeTeachers) || fullTimeTeachers < 0) {
    throw new RuleViolation('VALIDATION_FAILED', 'fullTimeTeachers must be a whole number ≥ 0', {
      problems: [{ field: 'fullTimeTeachers', problem: 'must be a whole number ≥ 0' }],
    });
  }
}

/** Is the unit the scope unit itself or inside its subtree? False for an unregistered unit. */
export function isWithin(unit: OrgUnitState, scopeUnitId: string): boolean {
  if (unit.status === 'unregistered') return false;
  return unit.unitId === scopeUnitId || unit.ancestry.includes(scopeUnitId);
}

function registered(data: RegisterOrgUnit['data'], ancestry: string[]): OrgUnitRegistered {
  return {
    type: 'OrgUnitRegistered',
    data: {
      unitId: data.unitId,
      kind: data.kind,
      name: data.name,
      // Absent optional fields stay absent, so events survive a JSON round trip unchanged.
      ...(data.parentId !== undefined ? { parentId: data.parentId } : {}),
      ...(data.fullTimeTeachers !== undefined ? { fullTimeTeachers: data.fullTimeTeachers } : {}),
      ancestry,
    },
  };
}

function differingFields(unit: RegisteredOrgUnit, data: RegisterOrgUnit['data']): string[] {
  const fields = ['kind', 'name', 'parentId', 'fullTimeTeachers'] as const;
  return fields.filter((field) => unit[field] !== data[field]);
}
