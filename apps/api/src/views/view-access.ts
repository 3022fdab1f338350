import { Actor } from '@tip/domain';
import { Forbidden } from '@tip/application';

/** Read everything: the importer, auditors, and the province's inspectors (their unit is the province anyway). */
const READ_ALL = new Set(['system', 'auditor']);

/**
 * Views follow the commands' scope rule: an actor reads inside the subtree of its own unit; a
 * teacher reads only its own transcript.
 */
export function assertMayReadUnit(actor: Actor, unitPath: readonly string[]): void {
  if (readsEverything(actor)) return;
  if (actor.role !== 'teacher' && actor.unitId !== undefined && unitPath.includes(actor.unitId)) return;
  throw new Forbidden(
    `A ${actor.role} of ${actor.unitId ?? 'no unit'} may not read ${unitPath[unitPath.length - 1] ?? 'this unit'}`,
  );
}

export function readsEverything(actor: Actor): boolean {
  return READ_ALL.has(actor.role);
}

export function assertMayReadTranscript(actor: Actor, teacherId: string, schoolPath: readonly string[]): void {
  if (actor.role === 'teacher') {
    if (actor.sub === teacherId) return;
    throw new Forbidden('A teacher may read only their own transcript');
  }
  assertMayReadUnit(actor, schoolPath);
}
