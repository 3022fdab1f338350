import { EntityManager } from 'typeorm';
import { endOfLocalDay, isPracticeGraded, Rulebook, startOfLocalDay } from '@tip/domain';
import { parseIsoWeek, previousIsoWeek } from '../notices/iso-week';
import { levelsOf, MeasureUnit, noticeRow, roundTo, zeroCounts } from '../notices/notice-measures';
import { noticeSummary } from '../notices/notice-summary';
import { NOTICE_COUNTS, NoticeCounts, NoticeHeading, WeeklyNotice } from '../notices/weekly-notice';
import { BatchRow, ProgrammeRow, UnitOfficeRow, UnitRow, UnitWeeklyChangeRow } from '../progress/progress.entities';
import { pilotRuleOf, pilotsAt } from './pilots.query';
import { schoolCounts, ViewNotFound } from './progress.views';
import { BatchTargets, requiredAt, unitsAtOrBelow } from './teacher-figures.query';
import { BatchDates, endsOnAt, extensionsBefore } from '../progress/batch-end';

const column = (figure: string) => figure.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);

/** The counts kept week by week in unit_weekly_changes (required and schools are counted elsewhere). */
const WEEKLY_COUNTS = NOTICE_COUNTS.filter((figure) => figure !== 'required' && figure !== 'schoolsTotal');

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
    const counts = await this.counts(batchId, unitIds, week.week, previousWeek);
    const schools = await schoolCounts(this.reader, batchId, unitIds, [until, from]);
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

  /** Per unit: the counts as of the end of the week and of the week before, in one scan. */
  private async counts(batchId: string, unitIds: string[], week: string, previousWeek: string) {
    const sums = WEEKLY_COUNTS.flatMap((figure) => [
      `coalesce(sum(${column(figure)}), 0)::float8 as "${figure}_this"`,
      `coalesce(sum(${column(figure)}) filter (where week <= $4), 0)::float8 as "${figure}_last"`,
    ]);
    const rows: Record<string, number | string>[] = await this.reader.query(
      `select unit_id, ${sums.join(', ')} from ${this.reader.connection.getMetadata(UnitWeeklyChangeRow).tablePath}
       where batch_id = $1 and unit_id = any($2) and week <= $3 group by unit_id`,
      [batchId, unitIds, week, previousWeek],
    );
    return new Map(
      rows.map((row) => {
        const pick = (suffix: string): NoticeCounts => {
          // Filled in place: every unit's counts keep the one shape zeroCounts gives them.
          const counts = zeroCounts();
          for (const figure of WEEKLY_COUNTS) counts[figure] = roundTo(Number(row[`${figure}_${suffix}`] ?? 0), 2);
          return counts;
        };
        return [String(row.unit_id), { thisWeek: pick('this'), lastWeek: pick('last') }];
      }),
    );
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
