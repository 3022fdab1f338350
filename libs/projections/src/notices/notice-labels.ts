import type { NoticeFigures, RequiredSource, UnitKind } from './weekly-notice';

/** Column headers of the figures, as the programme offices word them in their notices. */
export const FIGURE_LABELS: Readonly<Record<keyof NoticeFigures, string>> = {
  required: '应训人数',
  enrolled: '参训人数',
  confirmed: '确认人数',
  pointsSelected: '已选能力点',
  onlinePassed: '线上合格',
  assessed: '已考核',
  passed: '合格(含优秀)',
  excellent: '优秀',
  trained: '完成人数',
  certified: '已发证书',
  othersEnrolled: '其他参训人数',
  othersTrained: '其他完成人数',
  hoursCredited: '已计学时',
  hoursRecognised: '认定学时',
  seatsReceived: '分配名额',
  excellentVideos: '优秀视频',
  schoolsTotal: '参训学校',
  schoolsClosed: '已结项学校',
  participationPercent: '参训率',
  passPercent: '合格率',
  completionPercent: '完成率',
};

export const KIND_LABELS: Readonly<Record<UnitKind, string>> = {
  province: '省',
  city: '市',
  county: '县(市、区)',
  school: '学校',
};

export const SOURCE_LABELS: Readonly<Record<RequiredSource, string>> = {
  registered: '登记',
  declared: '申报',
  mixed: '登记+申报',
  none: '无',
};

export const COLUMN_LABELS = {
  level: '层级',
  rank: '排名',
  unitId: '单位代码',
  name: '单位名称',
  requiredSource: '应训人数来源',
  thisWeek: '本周',
  lastWeek: '上周',
  change: '变化',
  target: '目标进度',
  behindBy: '落后(百分点)',
  behind: '滞后',
  counts: '培训人数',
  rates: '比率与学时',
  pilots: '试点学校',
  pilotsCounted: '试点校(所)',
  pilotsRequired: '应有试点校(所)',
  pilotsShort: '试点不足',
  pilotsLate: '逾期试点校(所)',
  pilotFinishBy: '试点完成期限',
} as const;

export const BEHIND_MARK = { yes: '是', no: '' } as const;

/** Section numbers of a Chinese document: 一、二、… */
export const CHINESE_ORDINALS = ['一', '二', '三', '四', '五', '六', '七', '八', '九', '十'];

export interface NoticePeriod {
  weekStartsOn: string;
  weekEndsOn: string;
  week: string;
  /** Local (北京时间) date and time, already formatted. */
  asOf: string;
  /** Already formatted, without the % sign. */
  pace: string;
  target: string;
  /** The batch's last day in force, and the day it was scheduled to end when it has been extended since. */
  batchEndsOn?: string;
  extendedFrom?: string;
}

export function noticePeriodLine(p: NoticePeriod): string {
  return [
    `统计周期：${p.weekStartsOn} 至 ${p.weekEndsOn}（${p.week}）`,
    `数据截至：${p.asOf}（北京时间）`,
    ...(p.batchEndsOn
      ? [`批次结束：${p.batchEndsOn}${p.extendedFrom ? `（原定${p.extendedFrom}，已延期）` : ''}`]
      : []),
    `时间进度：${p.pace}%`,
    `目标进度：${p.target}%`,
  ].join('\u3000'); // ideographic space, as in printed notices
}

/** 2016-12-12 → 2016年12月12日, as a document's date of issue is written. */
export function chineseDate(date: string): string {
  const [year, month, day] = date.split('-').map(Number);
  return `${year}年${month}月${day}日`;
}

/** The line that names the signed history a notice's figures came from. */
export function noticeSourceLine(
  source: { position: number; treeSize: number; rootHash: string; signedAt: string; keyId: string },
  signedAtLocal: string,
): string {
  return (
    `数据来源：事件日志前 ${source.treeSize} 条（至位置 ${source.position}），` +
    `签名树头根哈希 ${source.rootHash}，${signedAtLocal}（北京时间）由密钥 ${source.keyId.slice(0, 16)} 签名`
  );
}
