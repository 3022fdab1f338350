import { EntityManager } from 'typeorm';
import { endOfLocalDay, isPracticeGraded, Rulebook, startOfLocalDay } from '@tip/domain';
import { parseIsoWeek, previousIsoWeek } from '../notices/iso-week';
import { levelsOf, MeasureUnit, noticeRow, roundTo, zeroCounts } from '../notices/notice-measures';
import { noticeSummary } from '../notices/notice-summary';
import { NOTICE_COUNTS, NoticeCounts, NoticeHeading, WeeklyNotice } from '../notices/weekly-notice';
import {
  BatchRow,
  ProgrammeRow,
  SchoolParticipationRow,
  UnitOfficeRow,
  UnitProgressRow,
  UnitRow,
  UnitWeeklyChangeRow,
} from '../progress/progress.entities';
import { pilotRuleOf, pilotsAt } from './pilots.query';
import { ViewNotFound } from './progress.views';
import { BatchTargets, requiredAt, unitsAtOrBelow } from './teacher-figures.query';
import { BatchDates, endsOnAt, extensionsBefore } from '../progress/batch-end';

const column = (figure: string) => figure.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);

/** The counts kept week by week in unit_weekly_changes (required and schools are counted elsewhere). */
const WEEKLY_COUNTS = NOTICE_COUNTS.filter((figure) => figure !== 'required' && figure !== 'schoolsTotal');
/** The figures kept in hours (double precision); the others are whole numbers. */
const HOURS = new Set<string>(['hoursCredited', 'hoursRecognised']);

export interface NoticeOptions {
  /** 文号: the document number the office gives the notice. */
  documentNumber?: string;
  /** YYYY-MM-DD; default the Monday after the week. */
  issuedOn?: string;
}

/**
 * The weekly notice (周通报) from the week-by-week changes: the figures as of a week's end are the
 * sum of every week up to it, so a past week's notice reads the same whenever it is asked for.
 */
export class WeeklyNoticeQuery {
  constructor(private readonly reader: EntityManager) {}

  async notice(unitId: string, batchId: string, weekText: string, options: NoticeOptions = {}): Promise<WeeklyNotice> {
    const week = parseIsoWeek(weekText);
    if (!week) throw new RangeError(`${weekText} is not an ISO week such as 2021-W03`);
    const previousWeek = previousIsoWeek(week);
    const [until, from] = [new Date(week.untilMs).toISOString(), new Date(week.fromMs).toISOString()];
    // One after another: the reader is one transaction, one connection (pg queues, and will refuse, overlapping queries).
    const unit = await this.reader.getRepository(UnitRow).findOneBy({ unitId });
    const batch = await this.reader.getRepository(BatchRow).findOneBy({ batchId });
    if (!unit) throw new ViewNotFound(`No org unit ${unitId}`);
    if (!batch) throw new ViewNotFound(`No batch ${batchId}`);
    const programme = await this.reader.getRepository(ProgrammeRow).findOneBy({ programmeId: batch.programmeId });
    const [office]: { issuingOffice: string }[] = await this.reader.query(
      `select issuing_office as "issuingOffice" from ${this.reader.connection.getMetadata(UnitOfficeRow).tablePath}
       where unit_id = $1 and set_at::timestamptz < $2::timestamptz order by set_at desc limit 1`,
      [unitId, until],
    );

    const units = await unitsAtOrBelow(this.reader, unit, until);
    const unitIds = units.map((each) => each.unitId);
    const counts = await this.counts(batchId, unit, unitIds, week.week);
    const schools = await this.schoolsTakingPart(batchId, unit, units, [until, from]);
    const [requiredNow, requiredBefore] = await requiredAt(this.reader, units, batch.programmeId, [until, from]);
    const [pilots] = (await pilotsAt(this.reader, batch, unit, units, [until], until)) ?? [];
    const targets = await BatchTargets.of(this.reader, batch);
    const [targetPercent, lastWeekTargetPercent] = [targets.targetAt(week.untilMs), targets.targetAt(week.fromMs)];

    const rowOf = (each: MeasureUnit) => {
      const entry = counts.get(each.unitId) ?? { thisWeek: zeroCounts(), lastWeek: zeroCounts() };
      const [schoolsNow, schoolsBefore] = schools.get(each.unitId) ?? [0, 0];
      const required = requiredNow.get(each.unitId) ?? { required: 0, source: 'none' as const };
      entry.thisWeek.required = required.required;
      entry.thisWeek.schoolsTotal = schoolsNow;
      entry.lastWeek.required = requiredBefore.get(each.unitId)?.required ?? 0;
      entry.lastWeek.schoolsTotal = schoolsBefore;
      return noticeRow({
        unit: each,
        requiredSource: required.source,
        thisWeek: entry.thisWeek,
        lastWeek: entry.lastWeek,
        targetPercent,
        pilots: pilots?.get(each.unitId) ?? null,
      });
    };
    const [root, ...below] = units;
    const partial: Omit<WeeklyNotice, 'summary'> = {
      batchId,
      batchName: batch.name,
      programmeId: batch.programmeId,
      programmeName: programme?.name ?? batch.programmeId,
      heading: heading(unit, office?.issuingOffice, batch, programme, week, options),
      week: week.week,
      previousWeek,
      weekStartsOn: week.startsOn,
      weekEndsOn: week.endsOn,
      asOf: until,
      timeZone: 'Asia/Shanghai',
      batchStartsOn: batch.startsOn,
      batchEndsOn: endsOnAt(batch, week.untilMs),
      batchScheduledEndsOn: batch.scheduledEndsOn,
      // Extensions made by the end of the week: a later one is not this week's news.
      extensions: extensionsBefore(batch, week.untilMs),
      pacePercent: paceOf(batch, week.untilMs),
      targetPercent,
      lastWeekTargetPercent,
      aimPercent: targets.aimAt(week.untilMs),
      quotas: (batch.rulebook as unknown as Rulebook & { quotas?: boolean }).quotas !== false,
      graded: isPracticeGraded(batch.rulebook as unknown as Rulebook),
      pilotSchools: pilotRuleOf(batch),
      unit: { ...rowOf(root), rank: 1 },
      levels: levelsOf(root, below.map(rowOf)),
    };
    return { ...partial, summary: noticeSummary(partial) };
  }

  /**
   * Per unit listed, the schools at or below it taking part before each instant: every school of the
   * batch once, added up its parents here (what schoolCounts finds by expanding every school's
   * ancestry in the database). A school registered after the week is not listed, nor are any seats
   * it received.
   */
  private async schoolsTakingPart(batchId: string, root: UnitRow, units: readonly MeasureUnit[], instants: string[]) {
    const rows: { schoolId: string; joinedAt: string }[] = await this.reader.query(
      `select p.school_id as "schoolId", p.joined_at as "joinedAt"
       from ${this.reader.connection.getMetadata(SchoolParticipationRow).tablePath} p
       join ${this.reader.connection.getMetadata(UnitRow).tablePath} s on s.unit_id = p.school_id
       where p.batch_id = $1 and (s.unit_id = $2 or s.ancestry @> $3::jsonb)`,
      [batchId, root.unitId, JSON.stringify([root.unitId])],
    );
    const parents = new Map(units.map((unit) => [unit.unitId, unit.parentId]));
    const limits = instants.map((instant) => Date.parse(instant));
    const counts = new Map<string, number[]>();
    for (const { schoolId, joinedAt } of rows) {
      if (!parents.has(schoolId)) continue;
      const joined = Date.parse(joinedAt);
      const before = limits.map((limit) => (joined < limit ? 1 : 0));
      for (let unitId: string | null | undefined = schoolId; unitId; unitId = parents.get(unitId)) {
        const count = counts.get(unitId);
        if (count) for (const index of limits.keys()) count[index] += before[index];
        else counts.set(unitId, [...before]);
      }
    }
    return counts;
  }

  /**
   * Per unit: the counts as of the end of the week and of the week before. Each unit's totals now
   * (unit_progress) less what changed after the week, then less the week's own changes: a row per
   * unit and the rows of the weeks since, not every week of every unit. Exact: every figure adds
   * up whole numbers or hours in hundredths (and the totals are kept in hundredths).
   */
  private async counts(batchId: string, root: UnitRow, unitIds: readonly string[], week: string) {
    const weekly = this.reader.connection.getMetadata(UnitWeeklyChangeRow).tablePath;
    // Whole numbers travel as integers (PostgreSQL writes a float8 several times slower); hours as float8.
    const type = (figure: string) => (HOURS.has(figure) ? 'float8' : 'int');
    const sums = WEEKLY_COUNTS.flatMap((figure) => [
      `sum(${column(figure)}) filter (where week > $4) as "${figure}_later"`,
      `sum(${column(figure)}) filter (where week = $4) as "${figure}_own"`,
    ]);
    // The figures as of the week's end, then the week's own changes (the week before is the one less the other).
    const figures = WEEKLY_COUNTS.flatMap((figure) => [
      `(p.${column(figure)} - coalesce(l."${figure}_later", 0))::${type(figure)}`,
      `coalesce(l."${figure}_own", 0)::${type(figure)}`,
    ]);
    // One JSON array of every unit's figures: parsed at once, not row by row and field by field.
    const [{ found }]: { found: [string, ...number[]][] }[] = await this.reader.query(
      `select coalesce(json_agg(json_build_array(p.unit_id, ${figures.join(', ')})), '[]'::json) as found
       from ${this.reader.connection.getMetadata(UnitProgressRow).tablePath} p
       join ${this.reader.connection.getMetadata(UnitRow).tablePath} u on u.unit_id = p.unit_id
       left join (select unit_id, ${sums.join(', ')} from ${weekly} where batch_id = $1 and week >= $4 group by unit_id) l
         on l.unit_id = p.unit_id
       where p.batch_id = $1 and (u.unit_id = $2 or u.ancestry @> $3::jsonb)`,
      [batchId, root.unitId, JSON.stringify([root.unitId]), week],
    );
    const listed = new Set(unitIds);
    const counts = new Map<string, { thisWeek: NoticeCounts; lastWeek: NoticeCounts }>();
    for (const [unitId, ...values] of found) {
      if (!listed.has(unitId)) continue;
      // Filled in place: every unit's counts keep the one shape zeroCounts gives them.
      const [thisWeek, lastWeek] = [zeroCounts(), zeroCounts()];
      for (const [index, figure] of WEEKLY_COUNTS.entries()) {
        const [now, own] = [values[2 * index], values[2 * index + 1]];
        thisWeek[figure] = roundTo(now, 2) + 0;
        lastWeek[figure] = roundTo(now - own, 2) + 0;
      }
      counts.set(unitId, { thisWeek, lastWeek });
    }
    return counts;
  }
}

/**
 * The share of the batch's time gone by at an instant, in percent (时间进度), up to the end in force
 * then: a later extension leaves past weeks' pace as it was.
 */
export function paceOf(batch: Pick<BatchRow, 'startsOn'> & BatchDates, atMs: number): number {
  const [from, until] = [startOfLocalDay(batch.startsOn), endOfLocalDay(endsOnAt(batch, atMs))];
  return roundTo(Math.min(100, Math.max(0, ((atMs - from) / (until - from)) * 100)), 1);
}

function heading(
  unit: UnitRow,
  issuingOffice: string | undefined,
  batch: BatchRow,
  programme: ProgrammeRow | null,
  week: { week: string; endsOn: string; untilMs: number },
  options: NoticeOptions,
): NoticeHeading {
  const [year, number] = week.week.split('-W').map(Number);
  // A batch named by its id (as an import may leave it) adds nothing a reader can use.
  const batchPart = batch.name === batch.batchId ? '' : batch.name;
  return {
    issuingOffice: issuingOffice ?? `${unit.name}项目办`,
    documentNumber: options.documentNumber ?? null,
    issuedOn: options.issuedOn ?? new Date(week.untilMs + 8 * 3_600_000).toISOString().slice(0, 10),
    title: `关于${programme?.name ?? ''}${batchPart}培训进度的通报（${year}年第${number}周）`,
  };
}
