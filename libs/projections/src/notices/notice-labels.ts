import type { NoticeFigures, UnitKind } from './weekly-notice';

/** Column headers of the figures, as the programme office words them in its notices. */
export const FIGURE_LABELS: Readonly<Record<keyof NoticeFigures, string>> = {
  seatsReceived: '分配名额',
  enrolled: '报名人数',
  confirmed: '确认人数',
  pointsSelected: '已选能力点',
  onlinePassed: '线上合格',
  assessed: '已考核',
  passed: '合格(含优秀)',
  excellent: '优秀',
  certified: '已发证书',
  hoursCredited: '认定学时',
  excellentVideos: '优秀视频',
  schoolsTotal: '参训学校',
  schoolsClosed: '已结项学校',
};

export const KIND_LABELS: Readonly<Record<UnitKind, string>> = {
  province: '省',
  city: '市',
  county: '县(市、区)',
  school: '学校',
};

export const COLUMN_LABELS = {
  level: '层级',
  rank: '排名',
  unitId: '单位代码',
  name: '单位名称',
  thisWeek: '本周',
  lastWeek: '上周',
  change: '变化',
  progress: '完成率%',
  pace: '时间进度%',
  behind: '滞后',
} as const;

export const BEHIND_MARK = { yes: '是', no: '' } as const;

/** "2021-W03" reads as 第3周; anything else is shown as given rather than guessed at. */
export function noticeTitle(batchName: string, isoWeek: string): string {
  const match = /-W(\d{1,2})$/.exec(isoWeek);
  const week = match ? Number(match[1]) : isoWeek;
  return `${batchName} 第${week}周 培训进度周通报`;
}

export interface NoticePeriod {
  weekStartsOn: string;
  weekEndsOn: string;
  week: string;
  /** Local (北京时间) date and time, already formatted. */
  asOf: string;
  /** Already formatted, without the % sign. */
  pace: string;
}

export function noticePeriodLine(p: NoticePeriod): string {
  return [
    `统计周期：${p.weekStartsOn} 至 ${p.weekEndsOn}（${p.week}）`,
    `数据截至：${p.asOf}（北京时间）`,
    `时间进度：${p.pace}%`,
  ].join('\u3000'); // ideographic space, as in printed notices
}
