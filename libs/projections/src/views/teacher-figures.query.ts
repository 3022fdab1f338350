import { EntityManager } from 'typeorm';
import { batchTargetPercent, coverageCurves, CoverageCurves, PlannedBatch, Rulebook } from '@tip/domain';
import { isoWeekOf } from '../notices/iso-week';
import { BatchDates, endsOnAt } from '../progress/batch-end';
import { MeasureUnit, requiredTeachers, Required, roundTo, TeacherInputs } from '../notices/notice-measures';
import {
  BatchRow,
  SchoolParticipationRow,
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

/** A unit at or below another as a view needs it now: where it sits, its teachers, whether it takes part in the batch. */
export interface UnitNow extends MeasureUnit {
  ancestry: string[];
  inputs: TeacherInputs;
  /** A school that received seats in the batch (school_participation). */
  takesPart: boolean;
}

/**
 * SQL for one jsonb array: the unit `$unit` (ancestry match `$path`, `[unitId]` as jsonb) and
 * every unit below it, the unit first, each with its registered teachers, its exempt teachers in
 * the batch `$batch`'s programme, its latest declaration and whether it takes part in the batch;
 * read with unitsNowFrom. One statement, index lookups per unit: what unitsAtOrBelow,
 * requiredAt(…, [null]) and schoolCounts(…, [null]) find in five.
 */
export function unitsNowSql(reader: EntityManager, unit: string, path: string, batch: string): string {
  return `(select coalesce(jsonb_agg(jsonb_build_array(u.unit_id, u.name, u.kind, u.parent_id, u.ancestry,
            coalesce(t.teachers, 0), coalesce(t.full_time, 0), coalesce(e.full_time, 0), d.full_time_teachers,
            exists (select 1 from ${tableOf(reader, SchoolParticipationRow)} p where p.batch_id = ${batch} and p.school_id = u.unit_id))
          order by u.root desc), '[]'::jsonb)
     from (select *, true as root from ${tableOf(reader, UnitRow)} where unit_id = ${unit}
           union all select *, false from ${tableOf(reader, UnitRow)} where ancestry @> ${path}) u
     left join lateral (select sum(c.teachers)::int as teachers, sum(c.full_time)::int as full_time
                        from ${tableOf(reader, UnitTeacherChangeRow)} c where c.unit_id = u.unit_id) t on true
     left join lateral (select sum(x.full_time)::int as full_time from ${tableOf(reader, UnitExemptChangeRow)} x
                        where x.unit_id = u.unit_id
                          and x.programme_id = (select b.programme_id from ${tableOf(reader, BatchRow)} b where b.batch_id = ${batch})) e on true
     left join lateral (select d.full_time_teachers from ${tableOf(reader, UnitDeclarationRow)} d
                        where d.unit_id = u.unit_id order by d.declared_at desc limit 1) d on true)`;
}

type UnitNowJson = [
  string,
  string,
  MeasureUnit['kind'],
  string | null,
  string[],
  number,
  number,
  number,
  number | null,
  boolean,
];

export function unitsNowFrom(json: unknown): UnitNow[] {
  return (json as UnitNowJson[]).map(
    ([unitId, name, kind, parentId, ancestry, registered, fullTime, exemptFullTime, declared, takesPart]) => ({
      unitId,
      name,
      kind,
      parentId,
      ancestry,
      inputs: { registered, requiredRegistered: fullTime - exemptFullTime, declared },
      takesPart,
    }),
  );
}

/** Teachers required now per unit, as requiredAt(…, [null]) has them. */
export function requiredNow(units: readonly UnitNow[]): Map<string, Required> {
  const inputs = new Map(units.map((unit) => [unit.unitId, unit.inputs]));
  return requiredTeachers(units, (unitId) => inputs.get(unitId) as TeacherInputs);
}

/** Schools taking part now at or below each unit asked, as schoolCounts(…, [null]) counts them. */
export function schoolsTakingPartNow(units: readonly UnitNow[], unitIds: readonly string[]): Map<string, number> {
  const asked = new Set(unitIds);
  const counts = new Map<string, number>();
  for (const unit of units) {
    if (!unit.takesPart) continue;
    for (const each of [...unit.ancestry, unit.unitId])
      if (asked.has(each)) counts.set(each, (counts.get(each) ?? 0) + 1);
  }
  return counts;
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
  // Every declaration of the units in one query, with whether it was made before each instant;
  // the one in force at an instant is the latest made before it.
  const declaredAll: { unitId: string; fullTimeTeachers: number; before: boolean[] }[] = await reader.query(
    `select unit_id as "unitId", full_time_teachers as "fullTimeTeachers",
            array[${instants.map((_, index) => `$${index + 2}::timestamptz is null or declared_at::timestamptz < $${index + 2}::timestamptz`).join(', ')}] as before
     from ${tableOf(reader, UnitDeclarationRow)} where unit_id = any($1) order by unit_id, declared_at desc`,
    [unitIds, ...instants],
  );
  for (const index of instants.keys()) {
    const declarations = new Map<string, number>();
    for (const row of declaredAll)
      if (row.before[index] && !declarations.has(row.unitId)) declarations.set(row.unitId, row.fullTimeTeachers);
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

  /** SQL for a jsonb array of every batch of `$batch`'s programme, as `of` reads them; read with batchesFrom. */
  static batchesSql(reader: EntityManager, batch: string): string {
    const batches = tableOf(reader, BatchRow);
    return `(select coalesce(jsonb_agg(jsonb_build_object('batchId', o.batch_id, 'startsOn', o.starts_on,
              'endsOn', o.ends_on, 'scheduledEndsOn', o.scheduled_ends_on, 'extensions', o.extensions,
              'sharePercent', o.share_percent)), '[]'::jsonb)
             from ${batches} o where o.programme_id = (select b.programme_id from ${batches} b where b.batch_id = ${batch}))`;
  }

  static batchesFrom(json: unknown): (PlannedBatch & BatchDates)[] {
    return json as (PlannedBatch & BatchDates)[];
  }

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
