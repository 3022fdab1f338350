import { EntityManager, In } from 'typeorm';
import { isPilotLate, PilotSchoolRule, SchoolClosureState } from '@tip/domain';
import { isoWeekOf, parseIsoWeek } from '../notices/iso-week';
import { percentOf } from '../notices/notice-measures';
import {
  BatchRow,
  ProgrammeRow,
  SchoolClosureRow,
  UnitProgressRow,
  UnitRow,
  UnitWeeklyChangeRow,
} from '../progress/progress.entities';
import { ownerOf, pilotsAt } from './pilots.query';
import { progressOf, ProgressViews, ViewNotFound, ZERO_FIGURES } from './progress.views';
import { rowFromJson } from './row-from-json';
import {
  BatchTargets,
  requiredFrom,
  requiredInputsSql,
  requiredInputsWeek,
  schoolsTakingPartFrom,
  schoolsTakingPartSql,
  unitsAtOrBelow,
} from './teacher-figures.query';

/** The children of `$1`, as a text[] for the queries that judge each. */
const CHILDREN = (table: string) => `array(select c.unit_id from ${table} c where c.parent_id = $1)`;

/** What the web app's dashboards read beyond the contract's views: the batches, a unit's children, its weekly trend. */
export class DashboardViews {
  private readonly progress: ProgressViews;

  constructor(private readonly reader: EntityManager) {
    this.progress = new ProgressViews(reader);
  }

  /**
   * The batches a caller can pick from: those of programmes run by a unit on the caller's path
   * (its own unit or one above it) or below its unit, as the views let it read them; every batch
   * when the caller reads everything. A city's programme is its own: a sibling city sees none of it.
   */
  async batches(visibleTo: { unitPath: readonly string[] } | 'all') {
    const batches = await this.reader.getRepository(BatchRow).find({ order: { startsOn: 'DESC', batchId: 'ASC' } });
    const programmes = await this.reader
      .getRepository(ProgrammeRow)
      .findBy({ programmeId: In([...new Set(batches.map((batch) => batch.programmeId))]) });
    let visible = batches;
    if (visibleTo !== 'all') {
      const { unitPath } = visibleTo;
      const own = unitPath[unitPath.length - 1];
      const elsewhere = [...new Set(batches.map(ownerOf).filter((owner) => !unitPath.includes(owner)))];
      const below = new Set(
        (await this.reader.getRepository(UnitRow).findBy({ unitId: In(elsewhere) }))
          .filter((unit) => unit.ancestry.includes(own))
          .map((unit) => unit.unitId),
      );
      visible = batches.filter((batch) => unitPath.includes(ownerOf(batch)) || below.has(ownerOf(batch)));
    }
    return {
      batches: visible.map((batch) => ({
        batchId: batch.batchId,
        name: batch.name,
        programmeId: batch.programmeId,
        programmeName: programmes.find((each) => each.programmeId === batch.programmeId)?.name ?? null,
        provinceId: batch.provinceId,
        rulebookId: batch.rulebookId,
        startsOn: batch.startsOn,
        endsOn: batch.endsOn,
        sharePercent: batch.sharePercent,
        periods: batch.periods,
      })),
    };
  }

  /**
   * Every unit one level below, each with the figures, rates, target and `behind` of its own
   * progress view (what the dashboards' bar chart draws); `path` names the units from `pathFrom`
   * (the caller's own) down to this one.
   */
  async children(unitId: string, batchId: string, atMs: number, pathFrom?: string) {
    // One statement (see ProgressViews.unitProgress): the unit, its ancestors, its children in
    // order with their figures, and every unit below it with what teachers required needs.
    const [found]: Record<string, unknown>[] = await this.reader.query(
      `select (select to_jsonb(u) from ${this.table(UnitRow)} u where u.unit_id = $1) as unit,
              (select to_jsonb(b) from ${this.table(BatchRow)} b where b.batch_id = $2) as batch,
              (select coalesce(jsonb_agg(to_jsonb(a)), '[]'::jsonb) from ${this.table(UnitRow)} a
                where a.unit_id in (select jsonb_array_elements_text(u.ancestry) from ${this.table(UnitRow)} u
                                    where u.unit_id = $1)) as above,
              (select coalesce(jsonb_agg(to_jsonb(c) order by c.unit_id), '[]'::jsonb) from ${this.table(UnitRow)} c
                where c.parent_id = $1) as children,
              (select coalesce(jsonb_agg(to_jsonb(f)), '[]'::jsonb) from ${this.table(UnitProgressRow)} f
                where f.batch_id = $2 and f.unit_id in (select c.unit_id from ${this.table(UnitRow)} c where c.parent_id = $1)) as figures,
              ${BatchTargets.batchesSql(this.reader, '$2')} as batches,
              ${requiredInputsSql(this.reader, CHILDREN(this.table(UnitRow)), '$1', '$3::jsonb', 'null', '$2')} as required,
              ${schoolsTakingPartSql(this.reader, CHILDREN(this.table(UnitRow)), '$2')} as schools`,
      [unitId, batchId, JSON.stringify([unitId])],
    );
    if (!found.unit) throw new ViewNotFound(`No org unit ${unitId}`);
    if (!found.batch) throw new ViewNotFound(`No batch ${batchId}`);
    const unit = rowFromJson(this.reader, UnitRow, found.unit);
    const batch = rowFromJson(this.reader, BatchRow, found.batch);
    // The caller's own unit is on the path above, or is this unit itself (then nothing above is named).
    const from = pathFrom === undefined ? 0 : unit.ancestry.indexOf(pathFrom);
    const above = from < 0 ? [] : unit.ancestry.slice(from);
    const named = (found.above as unknown[]).map((each) => rowFromJson(this.reader, UnitRow, each));
    const children = (found.children as unknown[]).map((each) => rowFromJson(this.reader, UnitRow, each));
    const figures = (found.figures as unknown[]).map((each) => rowFromJson(this.reader, UnitProgressRow, each));
    const [required] = requiredFrom(found.required, children, [null]);
    const schools = schoolsTakingPartFrom(found.schools);
    const targets = BatchTargets.from(batch, BatchTargets.batchesFrom(found.batches));
    return {
      unitId,
      name: unit.name,
      kind: unit.kind,
      batchId,
      path: [...above.flatMap((id) => named.filter((each) => each.unitId === id)), unit].map((each) => ({
        unitId: each.unitId,
        name: each.name,
        kind: each.kind,
      })),
      targetPercent: targets.targetAt(atMs),
      children: children.map((child) => ({
        unitId: child.unitId,
        name: child.name,
        kind: child.kind,
        ...progressOf(
          figures.find((each) => each.unitId === child.unitId) ?? ZERO_FIGURES,
          schools.get(child.unitId) ?? 0,
          required.get(child.unitId),
          targets,
          atMs,
        ),
      })),
    };
  }

  private table(entity: Parameters<EntityManager['connection']['getMetadata']>[0]): string {
    return this.reader.connection.getMetadata(entity).tablePath;
  }

  /**
   * The batch's pilot schools (试点学校) at or below the unit: whose pilot each is, the day it must
   * finish by, how far its closure has come, and whether it is late (past that day unclosed, or
   * closed after it) as of `atMs`; those due first come first. Where the rulebook asks for pilots
   * (Yueyang: at least 2 per county), the counties at or below the unit with fewer of their own,
   * counted as the weekly notice counts them.
   */
  async pilotSchools(unitId: string, batchId: string, atMs: number) {
    const [found]: Record<string, unknown>[] = await this.reader.query(
      `select (select to_jsonb(u) from ${this.table(UnitRow)} u where u.unit_id = $2) as unit,
              (select to_jsonb(b) from ${this.table(BatchRow)} b where b.batch_id = $1) as batch,
              (select coalesce(jsonb_agg(jsonb_build_object('schoolId', c.school_id, 'name', s.name,
                        'parentId', s.parent_id, 'parentName', parent.name, 'closure', c.closure)), '[]'::jsonb)
                 from ${this.table(SchoolClosureRow)} c
                 join ${this.table(UnitRow)} s on s.unit_id = c.school_id
                 left join ${this.table(UnitRow)} parent on parent.unit_id = s.parent_id
                where c.batch_id = $1 and jsonb_typeof(c.closure->'pilot') = 'object'
                  and (s.unit_id = $2 or s.ancestry @> $3::jsonb)) as pilots`,
      [batchId, unitId, JSON.stringify([unitId])],
    );
    if (!found.unit) throw new ViewNotFound(`No org unit ${unitId}`);
    if (!found.batch) throw new ViewNotFound(`No batch ${batchId}`);
    const unit = rowFromJson(this.reader, UnitRow, found.unit);
    const batch = rowFromJson(this.reader, BatchRow, found.batch);
    const rule = (batch.rulebook.pilotSchools as PilotSchoolRule | null | undefined) ?? null;
    const rows = found.pilots as {
      schoolId: string;
      name: string;
      parentId: string | null;
      parentName: string | null;
      closure: SchoolClosureState;
    }[];
    const asOf = new Date(atMs).toISOString();
    const pilots = rows
      .map(({ schoolId, name, parentId, parentName, closure }) => {
        const pilot = closure.pilot as NonNullable<SchoolClosureState['pilot']>;
        return {
          schoolId,
          name,
          // The county it belongs to (or the city, for a school run by the city itself).
          parentId,
          parentName,
          scope: pilot.scope,
          finishBy: pilot.finishBy,
          designatedAt: pilot.designatedAt,
          closureStatus: closure.status,
          closedAt: closure.closedAt ?? null,
          late: isPilotLate(closure, asOf),
        };
      })
      .sort((a, b) =>
        a.finishBy === b.finishBy ? (a.schoolId < b.schoolId ? -1 : 1) : a.finishBy < b.finishBy ? -1 : 1,
      );
    // Short counties as the weekly notice judges them (pilotStandings): a county inside the
    // programme, its county-scope pilots anywhere below it against the rulebook's perCounty.
    const units = rule ? await unitsAtOrBelow(this.reader, unit, null) : [];
    const [standings] = (await pilotsAt(this.reader, batch, unit, units, [null], asOf)) ?? [];
    const countiesShort = units
      .filter((each) => each.kind === 'county')
      .sort((a, b) => (a.unitId < b.unitId ? -1 : 1))
      .flatMap((county) => {
        const standing = standings?.get(county.unitId);
        return standing?.askedAs === 'county' && standing.short
          ? [{ unitId: county.unitId, name: county.name, pilots: standing.counted, required: standing.required }]
          : [];
      });
    return {
      unitId,
      name: unit.name,
      kind: unit.kind,
      batchId,
      rule,
      countiesShort,
      total: pilots.length,
      closed: pilots.filter((pilot) => pilot.closureStatus === 'closed').length,
      late: pilots.filter((pilot) => pilot.late).length,
      pilots,
    };
  }

  /**
   * The unit's 完成率 and the batch's target as of the end of every week of the batch so far (the
   * last one: the week under way, as of `atMs`), from the same week-by-week changes and
   * teachers-required figures the weekly notice adds up.
   */
  async trend(unitId: string, batchId: string, atMs: number) {
    const [found]: Record<string, unknown>[] = await this.reader.query(
      `select (select to_jsonb(u) from ${this.table(UnitRow)} u where u.unit_id = $2) as unit,
              (select to_jsonb(b) from ${this.table(BatchRow)} b where b.batch_id = $1) as batch,
              (select coalesce(jsonb_agg(to_jsonb(w) order by w.week), '[]'::jsonb) from (
                 select week, sum(enrolled)::int as enrolled, sum(passed)::int as passed, sum(trained)::int as trained,
                        sum(certified)::int as certified
                 from ${this.table(UnitWeeklyChangeRow)} where batch_id = $1 and unit_id = $2 group by week) w) as changes,
              ${BatchTargets.batchesSql(this.reader, '$1')} as batches`,
      [batchId, unitId],
    );
    if (!found.unit) throw new ViewNotFound(`No org unit ${unitId}`);
    if (!found.batch) throw new ViewNotFound(`No batch ${batchId}`);
    const unit = rowFromJson(this.reader, UnitRow, found.unit);
    const batch = rowFromJson(this.reader, BatchRow, found.batch);
    const changes = found.changes as {
      week: string;
      enrolled: number;
      passed: number;
      trained: number;
      certified: number;
    }[];
    const first = isoWeekOf(Date.parse(`${batch.startsOn}T00:00:00+08:00`));
    const lastOfBatch = isoWeekOf(Date.parse(`${batch.endsOn}T23:59:59+08:00`));
    // Up to the week under way, within the batch; before the batch starts, its first week alone.
    const last = [first, [lastOfBatch, isoWeekOf(atMs)].sort()[0]].sort()[1];
    const weeks: { week: string; endsOn: string; asOfMs: number }[] = [];
    for (let week = parseIsoWeek(first); week && week.week <= last; week = parseIsoWeek(isoWeekOf(week.untilMs))) {
      weeks.push({ week: week.week, endsOn: week.endsOn, asOfMs: Math.min(week.untilMs, atMs) });
    }
    const instants = weeks.map((week) => new Date(week.asOfMs).toISOString());
    const [inputs]: { required: unknown }[] = await this.reader.query(
      `select ${requiredInputsSql(this.reader, 'array[$1]::text[]', '$1', '$2::jsonb', '$3', '$4')} as required`,
      [unitId, JSON.stringify([unitId]), requiredInputsWeek(instants), batchId],
    );
    const required = requiredFrom(inputs.required, [unit], instants);
    const targets = BatchTargets.from(batch, BatchTargets.batchesFrom(found.batches));
    // What happened before the batch's first week counts from that week.
    const weekOf = (week: string) => (week < first ? first : week);
    const totals = { enrolled: 0, passed: 0, trained: 0, certified: 0 };
    return {
      unitId,
      name: unit.name,
      kind: unit.kind,
      batchId,
      weeks: weeks.map(({ week, endsOn, asOfMs }, index) => {
        for (const change of changes.filter((each) => weekOf(each.week) === week)) {
          totals.enrolled += change.enrolled;
          totals.passed += change.passed;
          totals.trained += change.trained;
          totals.certified += change.certified;
        }
        const requiredThen = required[index].get(unitId)?.required ?? 0;
        return {
          week,
          endsOn,
          required: requiredThen,
          ...totals,
          completionPercent: percentOf(totals.trained, requiredThen),
          targetPercent: targets.targetAt(asOfMs),
        };
      }),
    };
  }
}
