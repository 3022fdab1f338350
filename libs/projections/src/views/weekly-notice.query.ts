import { EntityManager } from 'typeorm';
import { endOfLocalDay, startOfLocalDay } from '@tip/domain';
import { parseIsoWeek, previousIsoWeek } from '../notices/iso-week';
import { NOTICE_FIGURES, NoticeFigures, NoticeRow, UnitKind, WeeklyNotice } from '../notices/weekly-notice';
import { BatchRow, UnitRow, UnitWeeklyChangeRow } from '../progress/progress.entities';
import { schoolCounts, ViewNotFound } from './progress.views';

const KINDS: readonly UnitKind[] = ['province', 'city', 'county', 'school'];
const column = (figure: string) => figure.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
const round = (value: number, places: number) => Math.round(value * 10 ** places) / 10 ** places;

/**
 * The weekly notice (周通报) from the week-by-week changes: the figures as of a week's end are the
 * sum of every week up to it, so a past week's notice reads the same whenever it is asked for.
 */
export class WeeklyNoticeQuery {
  constructor(private readonly reader: EntityManager) {}

  async notice(unitId: string, batchId: string, weekText: string): Promise<WeeklyNotice> {
    const week = parseIsoWeek(weekText);
    if (!week) throw new RangeError(`${weekText} is not an ISO week such as 2021-W03`);
    const previousWeek = previousIsoWeek(week);
    // One after another: the reader is one transaction, one connection (pg queues, and will refuse, overlapping queries).
    const unit = await this.reader.getRepository(UnitRow).findOneBy({ unitId });
    const batch = await this.reader.getRepository(BatchRow).findOneBy({ batchId });
    if (!unit) throw new ViewNotFound(`No org unit ${unitId}`);
    if (!batch) throw new ViewNotFound(`No batch ${batchId}`);

    const below: Pick<UnitRow, 'unitId' | 'name' | 'kind'>[] = await this.reader.query(
      `select unit_id as "unitId", name, kind from ${this.reader.connection.getMetadata(UnitRow).tablePath} where ancestry @> $1::jsonb and registered_at::timestamptz < $2`,
      [JSON.stringify([unitId]), new Date(week.untilMs).toISOString()],
    );
    const unitIds = [unitId, ...below.map((each) => each.unitId)];
    const figures = await this.figures(batchId, unitIds, week.week, previousWeek);
    const schools = await schoolCounts(this.reader, batchId, unitIds, [
      new Date(week.untilMs).toISOString(),
      new Date(week.fromMs).toISOString(),
    ]);
    for (const unitIdWithSchools of unitIds) {
      const [thisWeek, lastWeek] = schools.get(unitIdWithSchools) ?? [0, 0];
      const entry = figures.get(unitIdWithSchools) ?? { thisWeek: zero(), lastWeek: zero() };
      figures.set(unitIdWithSchools, {
        thisWeek: { ...entry.thisWeek, schoolsTotal: thisWeek },
        lastWeek: { ...entry.lastWeek, schoolsTotal: lastWeek },
      });
    }
    const pacePercent = paceOf(batch, week.untilMs);
    const rowOf = (each: Pick<UnitRow, 'unitId' | 'name' | 'kind'>, share?: number): NoticeRow => {
      const { thisWeek, lastWeek } = figures.get(each.unitId) ?? { thisWeek: zero(), lastWeek: zero() };
      const seats = share ?? thisWeek.seatsReceived;
      const progressPercent = seats > 0 ? round((thisWeek.passed / seats) * 100, 1) : 0;
      return {
        unitId: each.unitId,
        name: each.name,
        kind: each.kind,
        rank: 0,
        thisWeek,
        lastWeek,
        change: changeOf(thisWeek, lastWeek),
        progressPercent,
        // A unit with no share yet has nothing to be behind on.
        behind: seats > 0 && progressPercent < pacePercent,
      };
    };

    const children = below.filter((each) => KINDS.indexOf(each.kind) === KINDS.indexOf(unit.kind) + 1);
    // A province receives no seats (it is where they come from): its share is what its cities received.
    const ownShare =
      unit.kind === 'province'
        ? children.reduce((sum, child) => sum + (figures.get(child.unitId)?.thisWeek.seatsReceived ?? 0), 0)
        : undefined;
    const levels = KINDS.slice(KINDS.indexOf(unit.kind) + 1)
      .map((kind) => ({ kind, rows: ranked(below.filter((each) => each.kind === kind).map((each) => rowOf(each))) }))
      .filter((level) => level.rows.length > 0);
    return {
      batchId,
      batchName: batch.name,
      week: week.week,
      previousWeek,
      weekStartsOn: week.startsOn,
      weekEndsOn: week.endsOn,
      asOf: new Date(week.untilMs).toISOString(),
      timeZone: 'Asia/Shanghai',
      pacePercent,
      unit: { ...rowOf(unit, ownShare), rank: 1 },
      levels,
    };
  }

  /** Per unit: the figures as of the end of the week and of the week before, in one scan. */
  private async figures(batchId: string, unitIds: string[], week: string, previousWeek: string) {
    const sums = NOTICE_FIGURES.filter((figure) => figure !== 'schoolsTotal').flatMap((figure) => [
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
        const pick = (suffix: string) =>
          Object.fromEntries(
            NOTICE_FIGURES.map((figure) => [figure, round(Number(row[`${figure}_${suffix}`] ?? 0), 2)]),
          ) as unknown as NoticeFigures;
        return [String(row.unit_id), { thisWeek: pick('this'), lastWeek: pick('last') }];
      }),
    );
  }
}

/** The share of the batch's time gone by at an instant, in percent: the pace every unit is held to. */
export function paceOf(batch: Pick<BatchRow, 'startsOn' | 'endsOn'>, atMs: number): number {
  const [from, until] = [startOfLocalDay(batch.startsOn), endOfLocalDay(batch.endsOn)];
  return round(Math.min(100, Math.max(0, ((atMs - from) / (until - from)) * 100)), 1);
}

/** Best progress first; equal progress shares a rank (1, 2, 2, 4). */
function ranked(rows: NoticeRow[]): NoticeRow[] {
  const sorted = [...rows].sort(
    (a, b) =>
      b.progressPercent - a.progressPercent ||
      b.thisWeek.enrolled - a.thisWeek.enrolled ||
      (a.unitId < b.unitId ? -1 : 1),
  );
  let rank = 0;
  return sorted.map((row, index) => {
    if (index === 0 || sorted[index - 1].progressPercent !== row.progressPercent) rank = index + 1;
    return { ...row, rank };
  });
}

function changeOf(thisWeek: NoticeFigures, lastWeek: NoticeFigures): NoticeFigures {
  return Object.fromEntries(
    NOTICE_FIGURES.map((figure) => [figure, round(thisWeek[figure] - lastWeek[figure], 2)]),
  ) as unknown as NoticeFigures;
}

function zero(): NoticeFigures {
  return Object.fromEntries(NOTICE_FIGURES.map((figure) => [figure, 0])) as unknown as NoticeFigures;
}
