import { EntityManager } from 'typeorm';
import { batchTargetPercent, coverageCurves, CoverageCurves, PlannedBatch, Rulebook } from '@tip/domain';
import { isoWeekOf } from '../notices/iso-week';
import { BatchDates, endsOnAt } from '../progress/batch-end';
import { MeasureUnit, requiredTeachers, Required, roundTo, TeacherInputs } from '../notices/notice-measures';
import {
  BatchRow,
  UnitDeclarationRow,
  UnitExemptChangeRow,
  UnitRow,
  UnitTeacherChangeRow,
} from '../progress/progress.entities';

const tableOf = (reader: EntityManager, entity: Parameters<EntityManager['connection']['getMetadata']>[0]) =>
  reader.connection.getMetadata(entity).tablePath;

/**
 * A unit and every unit below it registered before an instant (all of them when null), as the
 * measures need them: the unit first.
 */
export async function unitsAtOrBelow(
  reader: EntityManager,
  unit: UnitRow,
  before: string | null,
): Promise<MeasureUnit[]> {
  const below: MeasureUnit[] = await reader.query(
    `select unit_id as "unitId", name, kind, parent_id as "parentId" from ${tableOf(reader, UnitRow)}
     where ancestry @> $1::jsonb and ($2::timestamptz is null or registered_at::timestamptz < $2::timestamptz)`,
    [JSON.stringify([unit.unitId]), before],
  );
  return [{ unitId: unit.unitId, name: unit.name, kind: unit.kind, parentId: unit.parentId }, ...below];
}

/**
 * Teachers required per unit in a programme at each instant given (null: now), with where each
 * figure comes from: registered full-time teachers less those the programme exempts, counted by
 * week up to the instant's week; the declarations made before it.
 */
export async function requiredAt(
  reader: EntityManager,
  units: readonly MeasureUnit[],
  programmeId: string,
  instants: readonly (string | null)[],
): Promise<Map<string, Required>[]> {
  const unitIds = units.map((unit) => unit.unitId);
  const weeks = instants.map((instant) => (instant === null ? null : isoWeekOf(Date.parse(instant) - 1)));
  const sums = (offset: number) =>
    weeks.flatMap((_, index) => [
      `coalesce(sum(teachers) filter (where $${index + offset}::text is null or week <= $${index + offset}), 0)::int as t${index}`,
      `coalesce(sum(full_time) filter (where $${index + offset}::text is null or week <= $${index + offset}), 0)::int as f${index}`,
    ]);
  const counted: Record<string, string | number>[] = await reader.query(
    `select unit_id, ${sums(2).join(', ')} from ${tableOf(reader, UnitTeacherChangeRow)} where unit_id = any($1) group by unit_id`,
    [unitIds, ...weeks],
  );
  const exempt: Record<string, string | number>[] = await reader.query(
    `select unit_id, ${sums(3).join(', ')} from ${tableOf(reader, UnitExemptChangeRow)}
     where programme_id = $1 and unit_id = any($2) group by unit_id`,
    [programmeId, unitIds, ...weeks],
  );
  const teachers = new Map(counted.map((row) => [String(row.unit_id), row]));
  const exempted = new Map(exempt.map((row) => [String(row.unit_id), row]));
  const results: Map<string, Required>[] = [];
  for (const [index, instant] of instants.entries()) {
    const declared: { unitId: string; fullTimeTeachers: number }[] = await reader.query(
      `select distinct on (unit_id) unit_id as "unitId", full_time_teachers as "fullTimeTeachers"
       from ${tableOf(reader, UnitDeclarationRow)}
       where unit_id = any($1) and ($2::timestamptz is null or declared_at::timestamptz < $2::timestamptz)
       order by unit_id, declared_at desc`,
      [unitIds, instant],
    );
    const declarations = new Map(declared.map((row) => [row.unitId, row.fullTimeTeachers]));
    results.push(
      requiredTeachers(units, (unitId): TeacherInputs => {
        const row = teachers.get(unitId);
        const exemptFullTime = Number(exempted.get(unitId)?.[`f${index}`] ?? 0);
        return {
          registered: Number(row?.[`t${index}`] ?? 0),
          requiredRegistered: Number(row?.[`f${index}`] ?? 0) - exemptFullTime,
          declared: declarations.get(unitId) ?? null,
        };
      }),
    );
  }
  return results;
}

/**
 * The batch's coverage target (and aim) at instants: its programme's curve, less the batches before
 * it. Every batch's end is the one in force at the instant asked, so extending a batch moves the
 * target from the extension on, never in the weeks before it.
 */
export class BatchTargets {
  private readonly curves = new Map<string, CoverageCurves>();

  private constructor(
    private readonly batchId: string,
    private readonly rulebook: Rulebook,
    private readonly batches: readonly (PlannedBatch & BatchDates)[],
  ) {}

  static async of(reader: EntityManager, batch: BatchRow): Promise<BatchTargets> {
    const batches = await reader.getRepository(BatchRow).find({
      where: { programmeId: batch.programmeId },
      select: {
        batchId: true,
        startsOn: true,
        endsOn: true,
        scheduledEndsOn: true,
        extensions: true,
        sharePercent: true,
      },
    });
    return BatchTargets.from(batch, batches);
  }

  /** From rows already read: the batch and every batch of its programme (itself included). */
  static from(
    batch: Pick<BatchRow, 'batchId' | 'rulebook'>,
    batches: readonly (PlannedBatch & BatchDates)[],
  ): BatchTargets {
    return new BatchTargets(batch.batchId, batch.rulebook as unknown as Rulebook, batches);
  }

  targetAt(atMs: number): number {
    const { curves, planned } = this.at(atMs);
    return roundTo(batchTargetPercent(curves.target, planned, this.batchId, atMs), 1);
  }

  aimAt(atMs: number): number | null {
    const { curves, planned } = this.at(atMs);
    return curves.aim === null ? null : roundTo(batchTargetPercent(curves.aim, planned, this.batchId, atMs), 1);
  }

  /** The batches as planned at an instant (each with the end in force then), and their curves. */
  private at(atMs: number): { curves: CoverageCurves; planned: PlannedBatch[] } {
    const planned = this.batches.map(({ batchId, startsOn, sharePercent, ...dates }) => ({
      batchId,
      startsOn,
      sharePercent,
      endsOn: endsOnAt(dates, atMs),
    }));
    const key = planned.map((batch) => batch.endsOn).join();
    let curves = this.curves.get(key);
    if (!curves) this.curves.set(key, (curves = coverageCurves(this.rulebook, planned)));
    return { curves, planned };
  }
}
