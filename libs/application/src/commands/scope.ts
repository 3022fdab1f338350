import {
  enrollmentStream,
  enrollmentStreamId,
  Histories,
  one,
  Read,
  readerOver,
  Roles,
  roleStreamIds,
  teacherStream,
  teacherStreamId,
} from '@tip/domain';

/** Reads streams to find the unit a command acts in; undefined when nobody can place it. */
export interface UnitFinder {
  readonly streamIds: readonly string[];
  unitOf(histories: Histories): string | undefined;
}

/** Where a command acts, for the rule that an actor acts only inside its own unit's subtree. */
export type Scope =
  /** Above every unit (registering a province): only `system`. */
  | { kind: 'system' }
  /** The actor's unit must be this unit or one of its ancestors. */
  | { kind: 'unit'; unitId: string }
  /** The unit some streams point to (a programme's province, the common ancestor of two schools). */
  | { kind: 'found'; finder: UnitFinder }
  /** A teacher acts only on themself; anyone else through the unit found (the record's or the teacher's school). */
  | { kind: 'teacher'; teacherId: string; finder: UnitFinder };

export const systemOnly: Scope = { kind: 'system' };

export function atUnit(unitId: string): Scope {
  return { kind: 'unit', unitId };
}

/** A finder over typed roles: the streams they name are read (in one round trip), then `unitOf` places the command. */
export function unitFinder<R extends Roles>(
  roles: R,
  unitOf: (roles: R, read: Read) => string | undefined,
): UnitFinder {
  return { streamIds: roleStreamIds(roles), unitOf: (histories) => unitOf(roles, readerOver(histories)) };
}

export function foundIn<R extends Roles>(roles: R, unitOf: (roles: R, read: Read) => string | undefined): Scope {
  return { kind: 'found', finder: unitFinder(roles, unitOf) };
}

/**
 * A command on a teacher: a teacher sends it only for themself; an admin acts through the school
 * of the record concerned, when the command names a batch (a record stays with the school it was
 * made at; a transfer moves only open ones), or else the teacher's current school.
 */
export function onTeacher(teacherId: string, batchId?: string): Scope {
  const roles = {
    record: one(enrollmentStream, batchId === undefined ? undefined : enrollmentStreamId(batchId, teacherId)),
    teacher: one(teacherStream, teacherStreamId(teacherId)),
  };
  return {
    kind: 'teacher',
    teacherId,
    finder: unitFinder(roles, ({ record, teacher }, read) => {
      const enrollment = read(record);
      if (enrollment.status !== 'not-enrolled') return enrollment.schoolId;
      const registered = read(teacher);
      return registered.status === 'registered' ? registered.schoolId : undefined;
    }),
  };
}
