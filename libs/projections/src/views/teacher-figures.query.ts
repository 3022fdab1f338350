import { EntityManager } from 'typeorm';
import { batchTargetPercent, coverageCurves, CoverageCurves, PlannedBatch, Rulebook } from '@tip/domain';
import { instantMs } from '../notices/instant';
import { isoWeekOf } from '../notices/iso-week';
import { BatchDates, endsOnAt } from '../progress/batch-end';
import { MeasureUnit, requiredTeachers, Required, roundTo, TeacherInputs } from '../notices/notice-measures';
import {
  BatchRow,
  SchoolParticipationRow,
  UnitDeclarationRow,
  UnitExemptChangeRow,
  UnitRow,
  UnitStaffingRow,
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

/** A unit whose teachers required a view judges from rollups: where it sits. */
export interface JudgedUnit {
  unitId: string;
  kind: MeasureUnit['kind'];
  ancestry: readonly string[];
}

/** The week whose changes count at an instant (null: every week). */
const weekAt = (instant: string | null) => (instant === null ? null : isoWeekOf(Date.parse(instant) - 1));

/**
 * SQL for one jsonb object: what requiredFrom needs to judge the units `$asked` (a text[]), all at or
 * below the unit `$root` (ancestry match `$path`), in the batch `$batch`'s programme, at instants
 * from the week `$week` on (null: now only): the asked units' weekly teacher and exempt counts and
 * declarations, and the units below the root that may have had a declared figure and no teachers
 * then (unit_staffing), with theirs. Index lookups per asked unit and per such unit: a province's
 * progress reads its own rows, not those of its 13,000 schools.
 */
export function requiredInputsSql(
  reader: EntityManager,
  asked: string,
  root: string,
  path: string,
  week: string,
  batch: string,
): string {
  return `(with asked as (select unnest(${asked}) as unit_id),
     staffing as (select s.unit_id from ${tableOf(reader, UnitStaffingRow)} s
                  where s.declarations > 0 and (s.first_teachers_week is null or s.teachers_left > 0)
                  union select s.unit_id from ${tableOf(reader, UnitStaffingRow)} s
                  where s.declarations > 0 and s.first_teachers_week > ${week}::text),
     candidates as (select u.unit_id, u.ancestry from staffing s join ${tableOf(reader, UnitRow)} u on u.unit_id = s.unit_id
                    where u.unit_id = ${root} or u.ancestry @> ${path}),
     wanted as (select unit_id from asked union select unit_id from candidates)
   select jsonb_build_object(
     'candidates', (select coalesce(jsonb_agg(jsonb_build_array(unit_id, ancestry)), '[]'::jsonb) from candidates),
     'teachers', (select coalesce(jsonb_agg(jsonb_build_array(c.unit_id, c.week, c.teachers, c.full_time)), '[]'::jsonb)
                  from ${tableOf(reader, UnitTeacherChangeRow)} c where c.unit_id in (select unit_id from wanted)),
     'exempt', (select coalesce(jsonb_agg(jsonb_build_array(x.unit_id, x.week, x.full_time)), '[]'::jsonb)
                from ${tableOf(reader, UnitExemptChangeRow)} x
                where x.unit_id in (select unit_id from asked)
                  and x.programme_id = (select b.programme_id from ${tableOf(reader, BatchRow)} b where b.batch_id = ${batch})),
     'declarations', (select coalesce(jsonb_agg(jsonb_build_array(d.unit_id, d.declared_at, d.full_time_teachers)), '[]'::jsonb)
                      from ${tableOf(reader, UnitDeclarationRow)} d where d.unit_id in (select unit_id from wanted))))`;
}

/**
 * SQL for a jsonb object: per unit of `$asked` (a text[]), the schools at or below it taking part in
 * the batch `$batch` now (school_participation), by index lookups per unit asked.
 */
export function schoolsTakingPartSql(reader: EntityManager, asked: string, batch: string): string {
  const [units, participation] = [tableOf(reader, UnitRow), tableOf(reader, SchoolParticipationRow)];
  // Each unit below looked up by key (a county's 40 schools are 40 lookups, not a scan of the batch's schools).
  const takesPart = (school: string) =>
    `exists (select from ${participation} p where p.batch_id = ${batch} and p.school_id = ${school})`;
  return `(select coalesce(jsonb_object_agg(a.unit_id,
            (select count(*) filter (where ${takesPart('s.unit_id')}) from ${units} s
             where s.ancestry @> jsonb_build_array(a.unit_id))
            + (${takesPart('a.unit_id')})::int), '{}'::jsonb)
          from unnest(${asked}) a(unit_id))`;
}

/** schoolsTakingPartSql's answer. */
export function schoolsTakingPartFrom(json: unknown): Map<string, number> {
  return new Map(Object.entries(json as Record<string, number>));
}

/** The earliest instant's week for requiredInputsSql (null when every instant is now). */
export function requiredInputsWeek(instants: readonly (string | null)[]): string | null {
  const weeks = instants.map(weekAt).filter((week): week is string => week !== null);
  return weeks.length === 0 ? null : weeks.sort()[0];
}

interface RequiredInputsJson {
  candidates: [string, string[]][];
  teachers: [string, string, number, number][];
  exempt: [string, string, number][];
  declarations: [string, string, number][];
}

/**
 * Teachers required at each unit judged, at each instant (null: now), from requiredInputsSql's
 * answer: the same figures and sources as requiredAt over every unit at or below them. Below a unit
 * with teachers the figure is its full-time teachers less the exempt (rolled up to it), plus the
 * declared figure of every topmost unit below it that has one and no teachers (what requiredTeachers
 * adds up child by child); a unit without teachers takes its own declared figure, or those below it.
 * (A teacher is exempted only once registered, so no unit without teachers has exempt ones.)
 */
export function requiredFrom(
  json: unknown,
  judged: readonly JudgedUnit[],
  instants: readonly (string | null)[],
): Map<string, Required>[] {
  const inputs = json as RequiredInputsJson;
  const byUnit = <T extends [string, ...unknown[]]>(rows: readonly T[]) => {
    const map = new Map<string, T[]>();
    for (const row of rows) {
      const list = map.get(row[0]);
      if (list) list.push(row);
      else map.set(row[0], [row]);
    }
    return map;
  };
  const teachers = byUnit(inputs.teachers);
  const exempt = byUnit(inputs.exempt);
  const declarations = byUnit(inputs.declarations);
  return instants.map((instant) => {
    const week = weekAt(instant);
    const atMs = instant === null ? Infinity : Date.parse(instant);
    const counted = (unitId: string) => {
      let [registered, fullTime, exemptFullTime] = [0, 0, 0];
      for (const [, changed, count, fullTimeCount] of teachers.get(unitId) ?? [])
        if (week === null || changed <= week) [registered, fullTime] = [registered + count, fullTime + fullTimeCount];
      for (const [, changed, fullTimeCount] of exempt.get(unitId) ?? [])
        if (week === null || changed <= week) exemptFullTime += fullTimeCount;
      return { registered, fullTime, exemptFullTime };
    };
    const declaredOf = (unitId: string): number | null => {
      let latest: { at: number; figure: number } | null = null;
      for (const [, declaredAt, figure] of declarations.get(unitId) ?? []) {
        const at = Date.parse(declaredAt);
        if (at < atMs && (latest === null || at > latest.at)) latest = { at, figure };
      }
      return latest?.figure ?? null;
    };
    // Units with a declared figure and no teachers at the instant: they count by their declaration.
    const declaredOnly = inputs.candidates.flatMap(([unitId, ancestry]) => {
      const declared = declaredOf(unitId);
      return declared !== null && counted(unitId).registered === 0 ? [{ unitId, ancestry, declared }] : [];
    });
    const declaredIds = new Set(declaredOnly.map((each) => each.unitId));
    const result = new Map<string, Required>();
    for (const unit of judged) {
      const own = counted(unit.unitId);
      const declared = declaredOf(unit.unitId);
      if (own.registered === 0 && declared !== null) {
        result.set(unit.unitId, { required: declared, source: 'declared' });
        continue;
      }
      if (unit.kind === 'school') {
        result.set(
          unit.unitId,
          own.registered > 0
            ? { required: own.fullTime - own.exemptFullTime, source: 'registered' }
            : { required: 0, source: 'none' },
        );
        continue;
      }
      // The topmost such units strictly below this one: none of the units between them is one.
      const topmost = declaredOnly.filter((each) => {
        const at = each.ancestry.indexOf(unit.unitId);
        return at >= 0 && !each.ancestry.slice(at + 1).some((between) => declaredIds.has(between));
      });
      const declaredBelow = topmost.reduce((sum, each) => sum + each.declared, 0);
      const source =
        own.registered === 0 ? (topmost.length > 0 ? 'declared' : 'none') : topmost.length > 0 ? 'mixed' : 'registered';
      result.set(unit.unitId, { required: own.fullTime - own.exemptFullTime + declaredBelow, source });
    }
    return result;
  });
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
  // Per unit [id, teachers, full-time] at each instant, as one JSON array: parsed at once, not
  // 13,000 rows field by field.
  const sums = (offset: number) =>
    weeks.flatMap((_, index) => [
      `coalesce(sum(teachers) filter (where $${index + offset}::text is null or week <= $${index + offset}), 0)::int as t${index}`,
      `coalesce(sum(full_time) filter (where $${index + offset}::text is null or week <= $${index + offset}), 0)::int as f${index}`,
    ]);
  const figures = weeks.flatMap((_, index) => [`t${index}`, `f${index}`]).join(', ');
  const [{ counted }]: { counted: [string, ...number[]][] }[] = await reader.query(
    `select coalesce(json_agg(json_build_array(unit_id, ${figures})), '[]'::json) as counted from (
       select unit_id, ${sums(2).join(', ')} from ${tableOf(reader, UnitTeacherChangeRow)}
       where unit_id = any($1) group by unit_id) sums`,
    [unitIds, ...weeks],
  );
  const [{ exempt }]: { exempt: [string, ...number[]][] }[] = await reader.query(
    `select coalesce(json_agg(json_build_array(unit_id, ${figures})), '[]'::json) as exempt from (
       select unit_id, ${sums(3).join(', ')} from ${tableOf(reader, UnitExemptChangeRow)}
       where programme_id = $1 and unit_id = any($2) group by unit_id) sums`,
    [programmeId, unitIds, ...weeks],
  );
  const teachers = new Map(counted.map(([unitId, ...values]) => [unitId, values]));
  const exempted = new Map(exempt.map(([unitId, ...values]) => [unitId, values]));
  // Every declaration of the units in one query, latest first; the one in force at an instant is
  // the latest made before it (compared here: casting every row's text to a time cost more).
  const [{ declaredRows }]: { declaredRows: [string, number, string][] }[] = await reader.query(
    `select coalesce(json_agg(json_build_array(unit_id, full_time_teachers, declared_at) order by unit_id, declared_at desc), '[]'::json)
       as "declaredRows"
     from ${tableOf(reader, UnitDeclarationRow)} where unit_id = any($1)`,
    [unitIds],
  );
  return requiredFromSums(
    units,
    instants,
    (unitId, index) => {
      const row = teachers.get(unitId);
      return [row?.[2 * index] ?? 0, row?.[2 * index + 1] ?? 0, exempted.get(unitId)?.[2 * index + 1] ?? 0];
    },
    declaredRows,
  );
}

/**
 * requiredAt's figures from what it reads: per unit and instant (its index) the teachers registered
 * at or below it, the full-time ones and the exempt full-time ones; every declaration of the units
 * as [unit, full-time teachers, declared at], in any order.
 */
export function requiredFromSums(
  units: readonly MeasureUnit[],
  instants: readonly (string | null)[],
  counted: (unitId: string, instant: number) => readonly [registered: number, fullTime: number, exemptFullTime: number],
  declaredRows: readonly (readonly [string, number, string])[],
): Map<string, Required>[] {
  const results: Map<string, Required>[] = [];
  const limits = instants.map((instant) => (instant === null ? Infinity : Date.parse(instant)));
  const declaredMs = declaredRows.map((row) => instantMs(row[2]));
  for (const index of instants.keys()) {
    // Each unit's latest declaration before the instant, in whatever order the rows come.
    const latest = new Map<string, number>();
    for (const [at, [unitId]] of declaredRows.entries()) {
      const before = latest.get(unitId);
      if (declaredMs[at] < limits[index] && (before === undefined || declaredMs[at] > declaredMs[before]))
        latest.set(unitId, at);
    }
    const declarations = new Map([...latest].map(([unitId, at]) => [unitId, declaredRows[at][1]]));
    results.push(
      requiredTeachers(units, (unitId): TeacherInputs => {
        const [registered, fullTime, exemptFullTime] = counted(unitId, index);
        return {
          registered,
          requiredRegistered: fullTime - exemptFullTime,
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
