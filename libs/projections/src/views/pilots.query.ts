import { EntityManager } from 'typeorm';
import { PilotSchoolRule, Rulebook } from '@tip/domain';
import type { MeasureUnit } from '../notices/notice-measures';
import { PilotAtInstant, pilotStandings, PilotStanding } from '../notices/pilot-measures';
import { BatchRow, PilotDesignationRow, SchoolClosureRow, UnitRow } from '../progress/progress.entities';

const tableOf = (reader: EntityManager, entity: Parameters<EntityManager['connection']['getMetadata']>[0]) =>
  reader.connection.getMetadata(entity).tablePath;

/** The batch's pilot rule, or null where its rulebook designates no pilots. */
export function pilotRuleOf(batch: BatchRow): PilotSchoolRule | null {
  return (batch.rulebook as unknown as Rulebook).pilotSchools ?? null;
}

/** The unit that runs the batch's programme: its owner, or (before owners) its province. */
export const ownerOf = (batch: Pick<BatchRow, 'ownerUnitId' | 'provinceId'>): string =>
  batch.ownerUnitId ?? batch.provinceId;

/**
 * Per unit, its pilots at each instant given (null: now, judged at `nowIso`); null where the
 * rulebook designates no pilots. Each school's designation in force at the instant counts, and its
 * closure only if it closed before then, so a past week reads the same whenever asked.
 */
export async function pilotsAt(
  reader: EntityManager,
  batch: BatchRow,
  root: UnitRow,
  units: readonly MeasureUnit[],
  instants: readonly (string | null)[],
  nowIso: string,
): Promise<Map<string, PilotStanding>[] | null> {
  const rule = pilotRuleOf(batch);
  if (rule === null) return null;
  const rows: {
    schoolId: string;
    designatedAt: string;
    finishBy: string;
    scope: string;
    ancestry: string[];
    closedAt: string | null;
  }[] = await reader.query(
    `select d.school_id as "schoolId", d.designated_at as "designatedAt", d.finish_by as "finishBy", d.scope,
            s.ancestry, c.dates->>'closed' as "closedAt"
     from ${tableOf(reader, PilotDesignationRow)} d
     join ${tableOf(reader, UnitRow)} s on s.unit_id = d.school_id
     left join ${tableOf(reader, SchoolClosureRow)} c on c.batch_id = d.batch_id and c.school_id = d.school_id
     where d.batch_id = $1 and (s.unit_id = $2 or s.ancestry @> $3::jsonb)
     order by d.school_id, d.designated_at`,
    [batch.batchId, root.unitId, JSON.stringify([root.unitId])],
  );
  const before = (instant: string, limit: string) => Date.parse(instant) < Date.parse(limit);
  return instants.map((instant) => {
    const asOf = instant ?? nowIso;
    const latest = new Map<string, PilotAtInstant>();
    for (const row of rows) {
      if (instant !== null && !before(row.designatedAt, instant)) continue;
      latest.set(row.schoolId, {
        schoolId: row.schoolId,
        ancestry: row.ancestry,
        finishBy: row.finishBy,
        scope: row.scope,
        closedAt: row.closedAt !== null && before(row.closedAt, asOf) ? row.closedAt : null,
      });
    }
    return pilotStandings(rule, ownerOf(batch), units, root.ancestry, [...latest.values()], asOf);
  });
}
