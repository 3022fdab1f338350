import { chineseDate } from './notice-labels';
import type { NoticeRow, WeeklyNotice } from './weekly-notice';

/** At most this many units behind are named; the rest are counted. */
const NAMED_BEHIND = 5;

const percent = (value: number) => `${value.toFixed(1)}%`;
const points = (value: number) => `${Math.abs(value).toFixed(1)}个百分点`;

function countChange(value: number, unit: string): string {
  if (value > 0) return `增加${value}${unit}`;
  if (value < 0) return `减少${-value}${unit}`;
  return '无变化';
}

function rateChange(value: number | null): string {
  if (value === null) return '无可比数据';
  if (value > 0) return `提高${points(value)}`;
  if (value < 0) return `下降${points(value)}`;
  return '持平';
}

/**
 * The paragraph a bureau writes above the tables, from the figures alone: coverage and pass
 * rates of the unit against the target, the change since last week, which units directly below
 * are behind and by how much, which improved most this week.
 */
export function noticeSummary(notice: Omit<WeeklyNotice, 'summary'>): string {
  const { unit } = notice;
  const now = unit.thisWeek;
  const sentences: string[] = [];
  const asOf = `截至${chineseDate(notice.weekEndsOn)}`;
  if (now.required === 0) {
    sentences.push(
      `${asOf}，${unit.name}尚无应训教师人数（既未登记教师，也未申报专任教师数），已参训${now.enrolled}人，完成培训${now.trained}人。`,
    );
  } else {
    const target = `按计划应达到${percent(notice.targetPercent)}${notice.aimPercent === null ? '' : `（争取达到${percent(notice.aimPercent)}）`}`;
    const standing = unit.behind ? `，落后${points(unit.behindByPoints)}` : '，已达到目标';
    // A rulebook that grades nothing (Lianyungang) has no pass rate to report.
    const grading = !notice.graded
      ? ''
      : now.assessed === 0
        ? '；尚无教师完成考核'
        : `；已考核${now.assessed}人，合格（含优秀）${now.passed}人，合格率${percent(now.passPercent ?? 0)}`;
    sentences.push(
      `${asOf}，${unit.name}应训教师${now.required}人，已参训${now.enrolled}人，参训率${percent(now.participationPercent ?? 0)}；` +
        `完成培训${now.trained}人，完成率${percent(now.completionPercent ?? 0)}，${target}${standing}${grading}。`,
    );
  }
  sentences.push(
    `与上周相比，参训人数${countChange(unit.change.enrolled, '人')}，完成人数${countChange(unit.change.trained, '人')}，完成率${rateChange(unit.change.completionPercent)}。`,
  );

  const children = notice.levels.flatMap((level) => level.rows).filter((row) => row.parentId === unit.unitId);
  if (children.length > 0) {
    const behind = children
      .filter((row) => row.behind)
      .sort((a, b) => b.behindByPoints - a.behindByPoints || a.rank - b.rank);
    if (behind.length === 0) {
      sentences.push(`直属的${children.length}个单位完成率均达到目标。`);
    } else {
      const named = behind
        .slice(0, NAMED_BEHIND)
        .map((row) => `${row.name}（落后${points(row.behindByPoints)}）`)
        .join('、');
      const more = behind.length > NAMED_BEHIND ? `等${behind.length}个单位` : '';
      sentences.push(`直属的${children.length}个单位中，${behind.length}个完成率低于目标：${named}${more}。`);
    }
    sentences.push(mostImproved(children));
  }
  sentences.push(pilotSentence(notice));
  sentences.push(extensionSentence(notice));
  return sentences.join('');
}

/** A batch extended (ExtendBatch) by the end of the week: its end as scheduled, the end now, and why. */
function extensionSentence(notice: Omit<WeeklyNotice, 'summary'>): string {
  const { extensions } = notice;
  if (extensions.length === 0) return '';
  const reasons = extensions.map((each) => `延至${chineseDate(each.endsOn)}，原因：${each.reason}`).join('；');
  return `本批次原定${chineseDate(notice.batchScheduledEndsOn)}结束，已延期（${reasons}），现于${chineseDate(notice.batchEndsOn)}结束。`;
}

/** Names the first NAMED_BEHIND, and counts the rest. */
function named(rows: readonly NoticeRow[], text: (row: NoticeRow) => string): string {
  const more = rows.length > NAMED_BEHIND ? `等${rows.length}个` : '';
  return `${rows.slice(0, NAMED_BEHIND).map(text).join('、')}${more}`;
}

/**
 * Where the rulebook designates pilots (Yueyang): the owner's own pilots against its ask, the
 * counties short of theirs, the pilots late (past their finishBy without closing, or closed after it).
 */
function pilotSentence(notice: Omit<WeeklyNotice, 'summary'>): string {
  const rule = notice.pilotSchools;
  if (rule === null) return '';
  const rows = [notice.unit, ...notice.levels.flatMap((level) => level.rows)];
  const parts: string[] = [];
  const owner = rows.find((row) => row.pilots?.askedAs === 'owner');
  if (owner?.pilots) parts.push(`${owner.name}自身试点校${owner.pilots.counted}所（应有${rule.ownerPilots}所）`);
  const counties = rows.filter((row) => row.pilots?.askedAs === 'county');
  const short = counties.filter((row) => row.pilots?.short);
  if (counties.length > 0 && short.length === 0) {
    parts.push(`${counties.length}个县（市、区）试点校均达到${rule.perCounty}所以上`);
  } else if (short.length > 0) {
    const list = named(short, (row) => `${row.name}（${row.pilots?.counted ?? 0}所）`);
    parts.push(`${short.length}个县（市、区）试点校不足${rule.perCounty}所：${list}`);
  }
  const late = rows
    .filter((row) => row.kind === 'school' && row.pilots?.finishBy && row.pilots.late > 0)
    .sort((a, b) => {
      const [x, y] = [a.pilots?.finishBy ?? '', b.pilots?.finishBy ?? ''];
      return x < y ? -1 : x > y ? 1 : 0;
    });
  if (late.length === 0) {
    parts.push('试点校均未逾期');
  } else {
    const list = named(late, (row) => `${row.name}（应于${chineseDate(row.pilots?.finishBy ?? '')}前完成）`);
    parts.push(`${late.length}所试点校逾期：${list}`);
  }
  return `试点学校（${chineseDate(rule.dueBy)}前完成）：${parts.join('；')}。`;
}

function mostImproved(children: readonly NoticeRow[]): string {
  const improved = children
    .filter((row) => (row.change.completionPercent ?? 0) > 0)
    .sort((a, b) => (b.change.completionPercent ?? 0) - (a.change.completionPercent ?? 0) || a.rank - b.rank);
  if (improved.length === 0) return '本周各直属单位完成率均无提高。';
  const best = improved[0].change.completionPercent ?? 0;
  const leaders = improved.filter((row) => row.change.completionPercent === best).map((row) => row.name);
  return `本周完成率提高最快的是${leaders.join('、')}（提高${points(best)}）。`;
}
