import { EntityManager } from 'typeorm';
import { endOfLocalDay, isPracticeGraded, Rulebook, startOfLocalDay } from '@tip/domain';
import { instantMs } from '../notices/instant';
import { parseIsoWeek, previousIsoWeek } from '../notices/iso-week';
import { levelsOf, MeasureUnit, percentOf, roundTo, rowOfFigures } from '../notices/notice-measures';
import { noticeSummary } from '../notices/notice-summary';
import { NOTICE_COUNTS, NoticeFigures, NoticeHeading, WeeklyNotice } from '../notices/weekly-notice';
import {
  BatchRow,
  ProgrammeRow,
  SchoolParticipationRow,
  UnitOfficeRow,
  UnitDeclarationRow,
  UnitExemptChangeRow,
  UnitProgressRow,
  UnitRow,
  UnitTeacherChangeRow,
  UnitWeeklyChangeRow,
} from '../progress/progress.entities';
import { pilotRuleOf, pilotsAt } from './pilots.query';
import { ViewNotFound } from './progress.views';
import { BatchTargets, requiredFromSums } from './teacher-figures.query';
import { BatchDates, endsOnAt, extensionsBefore } from '../progress/batch-end';

const column = (figure: string) => figure.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);

/** The counts kept week by week in unit_weekly_changes (required and schools are counted elsewhere). */
const WEEKLY_COUNTS = NOTICE_COUNTS.filter(
  (figure): figure is Exclude<(typeof NOTICE_COUNTS)[number], 'required' | 'schoolsTotal'> =>
    figure !== 'required' && figure !== 'schoolsTotal',
);

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

    const { units, lines, declarations } = await this.unitFigures(batch, unit, until, week.week, previousWeek);
    const schools = schoolsTakingPart(units, lines, [until, from]);
    const [requiredNow, requiredBefore] = requiredFromSums(
      units,
      [until, from],
      (unitId, index) => {
        const line = lines.get(unitId) as unknown as number[] | undefined;
        return line ? [line[TEACHERS + 2 * index], line[TEACHERS + 2 * index + 1], line[EXEMPT + index]] : NO_TEACHERS;
      },
      declarations,
    );
    const [pilots] = (await pilotsAt(this.reader, batch, unit, units, [until], until)) ?? [];
    const targets = await BatchTargets.of(this.reader, batch);
    const [targetPercent, lastWeekTargetPercent] = [targets.targetAt(week.untilMs), targets.targetAt(week.fromMs)];

    const rowOf = (each: MeasureUnit) => {
      const line = lines.get(each.unitId);
      const [schoolsNow, schoolsBefore] = schools.get(each.unitId) ?? [0, 0];
      const required = requiredNow.get(each.unitId) ?? { required: 0, source: 'none' as const };
      const requiredThen = requiredBefore.get(each.unitId)?.required ?? 0;
      return rowOfFigures(
        each,
        required.source,
        figuresFrom(line, NOW, required.required, schoolsNow),
        figuresFrom(line, BEFORE, requiredThen, schoolsBefore),
        targetPercent,
        pilots?.get(each.unitId) ?? null,
      );
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
   * Every unit at or below the unit registered before the week's end (the unit first) and, in one
   * statement, what its row needs, as one line of JSON text a unit (see UnitLine): PostgreSQL
   * writes text several times faster than json_build_array, and Node parses the whole at once. The
   * counts are each unit's unit_progress totals less what changed after the week, then less the
   * week's own changes (the week before): a row per unit and the rows of the weeks since, not every
   * week of every unit; exact, as every figure adds up whole numbers or hours in hundredths. Beside
   * them, the declarations of those units (requiredFromSums).
   */
  private async unitFigures(batch: BatchRow, root: UnitRow, until: string, week: string, previousWeek: string) {
    const table = (entity: Parameters<EntityManager['connection']['getMetadata']>[0]) =>
      this.reader.connection.getMetadata(entity).tablePath;
    const sums = WEEKLY_COUNTS.flatMap((figure) => [
      `sum(${column(figure)}) filter (where week > $5) as "${figure}_later"`,
      `sum(${column(figure)}) filter (where week = $5) as "${figure}_own"`,
    ]);
    const now = (figure: string) => `(coalesce(p.${column(figure)}, 0) - coalesce(l."${figure}_later", 0))`;
    const text = [
      'to_json(u.unit_id)::text',
      'to_json(u.name)::text',
      'to_json(u.kind)::text',
      `coalesce(to_json(u.parent_id)::text, 'null')`,
      `coalesce(to_json(s.joined_at)::text, 'null')`,
      ...['t.t0', 't.f0', 't.t1', 't.f1', 'x.f0', 'x.f1'].map((figure) => `coalesce(${figure}, 0)`),
      ...WEEKLY_COUNTS.map(now),
      ...WEEKLY_COUNTS.map((figure) => `${now(figure)} - coalesce(l."${figure}_own", 0)`),
    ];
    const weekly = (changes: string, where = '') =>
      `select c.unit_id, sum(c.teachers) filter (where c.week <= $5) as t0, sum(c.full_time) filter (where c.week <= $5) as f0,
              sum(c.teachers) filter (where c.week <= $6) as t1, sum(c.full_time) filter (where c.week <= $6) as f1
       from ${changes} c join listed using (unit_id) ${where} group by c.unit_id`;
    const [found]: { lines: string; declarations: string }[] = await this.reader.query(
      `with listed as (select unit_id, name, kind, parent_id from ${table(UnitRow)}
                       where unit_id = $2 or (ancestry @> $3::jsonb and registered_at::timestamptz < $4::timestamptz)),
            later as (select unit_id, ${sums.join(', ')} from ${table(UnitWeeklyChangeRow)}
                      where batch_id = $1 and week >= $5 group by unit_id),
            teachers as (${weekly(table(UnitTeacherChangeRow))}),
            exempt as (${weekly(table(UnitExemptChangeRow), 'where c.programme_id = $7')})
       select '[' || coalesce(string_agg('[' || concat_ws(',', ${text.join(', ')}) || ']', ','), '') || ']' as lines,
              (select '[' || coalesce(string_agg('[' || concat_ws(',', to_json(d.unit_id)::text, d.full_time_teachers,
                                                                    to_json(d.declared_at)::text) || ']', ','), '') || ']'
               from ${table(UnitDeclarationRow)} d join listed using (unit_id)) as declarations
       from listed u
       left join ${table(UnitProgressRow)} p on p.batch_id = $1 and p.unit_id = u.unit_id
       left join later l on l.unit_id = u.unit_id
       left join ${table(SchoolParticipationRow)} s on s.batch_id = $1 and s.school_id = u.unit_id
       left join teachers t on t.unit_id = u.unit_id
       left join exempt x on x.unit_id = u.unit_id`,
      [batch.batchId, root.unitId, JSON.stringify([root.unitId]), until, week, previousWeek, batch.programmeId],
    );
    const lines = new Map<string, UnitLine>();
    const units: MeasureUnit[] = [{ unitId: root.unitId, name: root.name, kind: root.kind, parentId: root.parentId }];
    for (const line of JSON.parse(found.lines) as UnitLine[]) {
      lines.set(line[0], line);
      if (line[0] !== root.unitId) units.push({ unitId: line[0], name: line[1], kind: line[2], parentId: line[3] });
    }
    return { units, lines, declarations: JSON.parse(found.declarations) as [string, number, string][] };
  }
}

/**
 * A unit's line in unitFigures' answer: the unit, when its school joined the batch (null: not a
 * school taking part), its teachers and full-time teachers at the week's end and the week before,
 * the exempt full-time at both, then WEEKLY_COUNTS at the week's end, and the week before.
 */
type UnitLine = [string, string, MeasureUnit['kind'], string | null, string | null, ...number[]];
const TEACHERS = 5;
const EXEMPT = TEACHERS + 4;
const NOW = EXEMPT + 2;
const BEFORE = NOW + WEEKLY_COUNTS.length;
const NO_TEACHERS = [0, 0, 0] as const;
/** Where each of WEEKLY_COUNTS sits after NOW or BEFORE. */
const AT = Object.fromEntries(WEEKLY_COUNTS.map((figure, index) => [figure, index])) as Record<
  (typeof WEEKLY_COUNTS)[number],
  number
>;

/** A week's figures from a unit's line (all 0 without one), as figuresOf makes them, in one object. */
function figuresFrom(line: UnitLine | undefined, at: number, required: number, schoolsTotal: number): NoticeFigures {
  const v = (line ?? EMPTY_LINE) as unknown as number[];
  // Hours are float8 sums: rounded to the hundredths they are kept in, -0 made 0.
  const hours = (figure: number) => Math.round(v[at + figure] * 100) / 100 + 0;
  const [enrolled, passed, assessed, trained] = [
    v[at + AT.enrolled],
    v[at + AT.passed],
    v[at + AT.assessed],
    v[at + AT.trained],
  ];
  return {
    required,
    enrolled,
    confirmed: v[at + AT.confirmed],
    pointsSelected: v[at + AT.pointsSelected],
    onlinePassed: v[at + AT.onlinePassed],
    assessed,
    passed,
    excellent: v[at + AT.excellent],
    trained,
    certified: v[at + AT.certified],
    othersEnrolled: v[at + AT.othersEnrolled],
    othersTrained: v[at + AT.othersTrained],
    hoursCredited: hours(AT.hoursCredited),
    hoursRecognised: hours(AT.hoursRecognised),
    seatsReceived: v[at + AT.seatsReceived],
    excellentVideos: v[at + AT.excellentVideos],
    schoolsTotal,
    schoolsClosed: v[at + AT.schoolsClosed],
    participationPercent: percentOf(enrolled, required),
    passPercent: percentOf(passed, assessed),
    completionPercent: percentOf(trained, required),
  };
}
const EMPTY_LINE = new Array<number>(BEFORE + WEEKLY_COUNTS.length).fill(0);

/**
 * Per unit listed, the schools at or below it taking part before each instant: every school of the
 * batch once, added up its parents here. A school registered after the week is not listed, nor are
 * any seats it received.
 */
function schoolsTakingPart(units: readonly MeasureUnit[], lines: Map<string, UnitLine>, [until, from]: string[]) {
  const parents = new Map(units.map((unit) => [unit.unitId, unit.parentId]));
  const [untilMs, fromMs] = [Date.parse(until), Date.parse(from)];
  const counts = new Map<string, [number, number]>();
  for (const [schoolId, line] of lines) {
    if (line[4] === null) continue;
    const joined = instantMs(line[4]);
    const [now, before] = [joined < untilMs ? 1 : 0, joined < fromMs ? 1 : 0];
    for (let unitId: string | null | undefined = schoolId; unitId; unitId = parents.get(unitId)) {
      const count = counts.get(unitId);
      if (count) [count[0], count[1]] = [count[0] + now, count[1] + before];
      else counts.set(unitId, [now, before]);
    }
  }
  return counts;
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
