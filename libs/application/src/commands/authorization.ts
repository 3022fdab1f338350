import { Actor, assertNever, foldStream, orgUnitStream, orgUnitStreamId, Role } from '@tip/domain';
import { Forbidden } from './errors';
import { Scope, UnitFinder } from './scope';
import { StreamReads } from './stream-reads';

/** Who may send a command: the roles besides `system`, and where (the scope of this one). */
export interface Access {
  name: string;
  roles: readonly Role[];
}

/**
 * An actor acts only inside its own unit's subtree (`system` everywhere, a teacher only on
 * themself). The streams read to find the target are kept in `reads` for the decision.
 */
export async function authorize(access: Access, scope: Scope, actor: Actor, reads: StreamReads): Promise<void> {
  if (actor.role === 'system') return;
  if (!access.roles.includes(actor.role)) throw new Forbidden(`A ${actor.role} may not ${access.name}`);
  switch (scope.kind) {
    case 'system':
      throw new Forbidden(`Only system may ${access.name} here`);
    case 'unit':
      return requireWithin(access, scope.unitId, actor, reads);
    case 'found':
      return requireWithin(access, await unitFound(scope.finder, reads), actor, reads);
    case 'teacher':
      if (actor.role === 'teacher') {
        if (actor.sub !== scope.teacherId) throw new Forbidden('A teacher acts only on themself');
        return;
      }
      return requireWithin(access, await unitFound(scope.finder, reads), actor, reads);
    default:
      return assertNever(scope);
  }
}

async function unitFound(finder: UnitFinder, reads: StreamReads): Promise<string | undefined> {
  return finder.unitOf(await reads.read(finder.streamIds));
}

/**
 * The unit found must lie in the actor's subtree. A target nobody can place (an unknown school,
 * two schools in different provinces) is nobody's to act on but system's. Whatever the reason,
 * the answer is the same and names nothing beyond the actor's own unit: an outsider cannot tell
 * an unknown target from another region's, nor learn where a teacher is or whose a school is.
 */
async function requireWithin(
  access: Access,
  unitId: string | undefined,
  actor: Actor,
  reads: StreamReads,
): Promise<void> {
  const outside = () =>
    new Forbidden(`${access.name} is outside the scope of this ${actor.role} (unit ${actor.unitId ?? 'none'})`);
  if (unitId === undefined || actor.unitId === undefined) throw outside();
  const streamId = orgUnitStreamId(unitId);
  const unit = foldStream(orgUnitStream, (await reads.read([streamId])).get(streamId) ?? []);
  if (unit.status !== 'registered' || ![...unit.ancestry, unit.unitId].includes(actor.unitId)) throw outside();
}
