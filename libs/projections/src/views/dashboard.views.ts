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
import { progressOf, ProgressViews, ZERO_FIGURES } from './progress.views';
import { BatchTargets, requiredAt, unitsAtOrBelow } from './teacher-figures.query';

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
    const unit = await this.progress.unit(unitId);
    const batch = await this.progress.batch(batchId);
    // The caller's own unit is on the path above, or is this unit itself (then nothing above is named).
    const from = pathFrom === undefined ? 0 : unit.ancestry.indexOf(pathFrom);
    const above = from < 0 ? [] : unit.ancestry.slice(from);
    const named = await this.reader.getRepository(UnitRow).findBy({ unitId: In(above) });
    const children = await this.reader
      .getRepository(UnitRow)
      .find({ where: { parentId: unitId }, order: { unitId: 'ASC' } });
    const childIds = children.map((child) => child.unitId);
    const figures = await this.reader.getRepository(UnitProgressRow).findBy({ batchId, unitId: In(childIds) });
    const schools = await this.progress.schoolsTakingPart(batchId, childIds);
    const [required] = await requiredAt(this.reader, await unitsAtOrBelow(this.reader, unit, null), batch.programmeId, [
      null,
    ]);
    const targets = await BatchTargets.of(this.reader, batch);
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

  /**
   * The batch's pilot schools (试点学校) at or below the unit: whose pilot each is, the day it must
   * finish by, how far its closure has come, and whether it is late (past that day unclosed, or
   * closed after it) as of `atMs`; those due first come first. Where the rulebook asks for pilots
   * (Yueyang: at least 2 per county), the counties at or below the unit with fewer of their own,
   * counted as the weekly notice counts them.
   */
  async pilotSchools(unitId: string, batchId: string, atMs: number) {
    const unit = await this.progress.unit(unitId);
    const batch = await this.progress.batch(batchId);
    const rule = (batch.rulebook.pilotSchools as PilotSchoolRule | null | undefined) ?? null;
    const rows: { schoolId: string; name: string; parentId: string | null; closure: SchoolClosureState }[] =
      await this.reader.query(
        `select c.school_id as "schoolId", s.name, s.parent_id as "parentId", c.closure
         from ${this.reader.connection.getMetadata(SchoolClosureRow).tablePath} c
         join ${this.reader.connection.getMetadata(UnitRow).tablePath} s on s.unit_id = c.school_id
         where c.batch_id = $1 and jsonb_typeof(c.closure->'pilot') = 'object'
           and (s.unit_id = $2 or s.ancestry @> $3::jsonb)`,
        [batchId, unitId, JSON.stringify([unitId])],
      );
    const parents = await this.reader
      .getRepository(UnitRow)
      .findBy({ unitId: In([...new Set(rows.flatMap((row) => (row.parentId ? [row.parentId] : [])))]) });
    const asOf = new Date(atMs).toISOString();
    const pilots = rows
      .map(({ schoolId, name, parentId, closure }) => {
        const pilot = closure.pilot as NonNullable<SchoolClosureState['pilot']>;
        return {
          schoolId,
          name,
          // The county it belongs to (or the city, for a school run by the city itself).
          parentId,
          parentName: parents.find((parent) => parent.unitId === parentId)?.name ?? null,
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
    const unit = await this.progress.unit(unitId);
    const batch = await this.progress.batch(batchId);
    const changes: { week: string; enrolled: number; passed: number; trained: number; certified: number }[] =
      await this.reader.query(
        `select week, sum(enrolled)::int as enrolled, sum(passed)::int as passed, sum(trained)::int as trained,
                sum(certified)::int as certified
         from ${this.reader.connection.getMetadata(UnitWeeklyChangeRow).tablePath}
         where batch_id = $1 and unit_id = $2 group by week order by week`,
        [batchId, unitId],
      );
    const first = isoWeekOf(Date.parse(`${batch.startsOn}T00:00:00+08:00`));
    const lastOfBatch = isoWeekOf(Date.parse(`${batch.endsOn}T23:59:59+08:00`));
    // Up to the week under way, within the batch; before the batch starts, its first week alone.
    const last = [first, [lastOfBatch, isoWeekOf(atMs)].sort()[0]].sort()[1];
    const weeks: { week: string; endsOn: string; asOfMs: number }[] = [];
    for (let week = parseIsoWeek(first); week && week.week <= last; week = parseIsoWeek(isoWeekOf(week.untilMs))) {
      weeks.push({ week: week.week, endsOn: week.endsOn, asOfMs: Math.min(week.untilMs, atMs) });
    }
    const required = await requiredAt(
      this.reader,
      await unitsAtOrBelow(this.reader, unit, null),
      batch.programmeId,
      weeks.map((week) => new Date(week.asOfMs).toISOString()),
    );
    const targets = await BatchTargets.of(this.reader, batch);
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
