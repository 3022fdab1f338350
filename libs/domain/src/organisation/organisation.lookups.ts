import { RuleViolation } from '../shared/rule-violation';
import { OrgUnitState, RegisteredOrgUnit } from './org-unit.decider';
import { RegisteredTeacher, TeacherState } from './teacher.decider';

/*
 * Every command checks that the units, schools and teachers it names exist: refused with
 * UNKNOWN_* rather than recorded about nothing (a group video of a school nobody registered
 * would stop every read model that looks the school up). For anyone but system, an unknown
 * target outside the caller's scope is refused earlier, as any target outside it is (403).
 */

export function requireUnit(unit: OrgUnitState, unitId: string): RegisteredOrgUnit {
  if (unit.status !== 'registered') {
    throw new RuleViolation('UNKNOWN_UNIT', `${unitId} is not a registered unit`, { unitId });
  }
  return unit;
}

export function requireSchool(unit: OrgUnitState, schoolId: string): RegisteredOrgUnit {
  if (unit.status !== 'registered' || unit.kind !== 'school') {
    throw new RuleViolation('UNKNOWN_SCHOOL', `${schoolId} is not a registered school`, { schoolId });
  }
  return unit;
}

export function requireTeacher(teacher: TeacherState, teacherId: string): RegisteredTeacher {
  if (teacher.status !== 'registered') {
    throw new RuleViolation('UNKNOWN_TEACHER', `Teacher ${teacherId} is not registered`, { teacherId });
  }
  return teacher;
}

/** Does the actor act over this unit: system, or an actor of the unit or one of its ancestors? */
export function actsOver(actor: { role: string; unitId?: string }, unit: RegisteredOrgUnit): boolean {
  if (actor.role === 'system') return true;
  return actor.unitId !== undefined && (unit.unitId === actor.unitId || unit.ancestry.includes(actor.unitId));
}
