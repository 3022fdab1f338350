import { OrgUnitKind } from '../organisation/organisation.commands';
import { OrgUnitState } from '../organisation/org-unit.decider';
import { Role } from '../shared/messages';
import { RuleViolation } from '../shared/rule-violation';

/**
 * Which kind of unit each role belongs to (who uses TIP, by role): a school admin to a
 * school, a county admin to a county, an inspector to the province it samples. `system` and
 * auditors stand above the hierarchy: a unit is optional for them, and any registered one fits.
 */
export const UNIT_KINDS_OF_ROLE: Record<Role, { required: boolean; kinds: readonly OrgUnitKind[] | 'any' }> = {
  system: { required: false, kinds: 'any' },
  auditor: { required: false, kinds: 'any' },
  'province-admin': { required: true, kinds: ['province'] },
  'city-admin': { required: true, kinds: ['city'] },
  'county-admin': { required: true, kinds: ['county'] },
  'school-admin': { required: true, kinds: ['school'] },
  'group-leader': { required: true, kinds: ['school'] },
  teacher: { required: true, kinds: ['school'] },
  inspector: { required: true, kinds: ['province'] },
};

export type RoleFit =
  | { fits: true }
  | { fits: false; code: 'ROLE_NEEDS_UNIT' | 'UNKNOWN_UNIT' | 'ROLE_DOES_NOT_FIT_UNIT'; message: string };

/**
 * Does the role fit the unit? `unit` is the unit's folded stream (or undefined when no unitId
 * was given). Pure: the caller loads the unit.
 */
export function roleFitsUnit(role: Role, unitId: string | undefined, unit: OrgUnitState | undefined): RoleFit {
  const rule = UNIT_KINDS_OF_ROLE[role];
  if (unitId === undefined) {
    return rule.required
      ? { fits: false, code: 'ROLE_NEEDS_UNIT', message: `A ${role} belongs to a unit` }
      : { fits: true };
  }
  if (unit === undefined || unit.status !== 'registered') {
    return { fits: false, code: 'UNKNOWN_UNIT', message: `Unit ${unitId} is not registered` };
  }
  if (rule.kinds !== 'any' && !rule.kinds.includes(unit.kind)) {
    return {
      fits: false,
      code: 'ROLE_DOES_NOT_FIT_UNIT',
      message: `A ${role} belongs to a ${rule.kinds.join(' or ')}, and ${unitId} is a ${unit.kind}`,
    };
  }
  return { fits: true };
}

/** roleFitsUnit as a rule of a command: refuses with the fit's code (422). */
export function assertRoleFitsUnit(role: Role, unitId: string | undefined, unit: OrgUnitState | undefined): void {
  const fit = roleFitsUnit(role, unitId, unit);
  if (!fit.fits) throw new RuleViolation(fit.code, fit.message, { role, ...(unitId !== undefined ? { unitId } : {}) });
}
