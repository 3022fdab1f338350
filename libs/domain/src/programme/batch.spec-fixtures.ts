/**
 * For specs only (not exported): the batches of the four notices, as their BatchScheduled events,
 * with each notice's own dates. Plain events: specs fold them with the real evolvers.
 */
import { fold } from '../shared/decider';
import { batchEvolver, BatchState } from './batch';
import { Period } from './programme.commands';
import { BatchExtended, BatchScheduled } from './programme.events';
import { Rulebook } from './rulebook';
import { presetRulebook } from './rulebook-presets';

export type PresetName = 'jiangsu-2.0' | 'lianyungang-1.0' | 'ningde-1.0' | 'yueyang-2.0';

interface BatchPlan {
  programmeId: string;
  batchId: string;
  name: string;
  startsOn: string;
  endsOn: string;
  sharePercent: number;
  periods: Period[];
  /** The unit that runs the programme: Jiangsu's province, or the city of the three city notices. */
  ownerUnitId: string;
}

export const NOTICE_BATCHES: Record<PresetName, BatchPlan> = {
  // 第一批次培训时间为2020年11月1日至2021年10月31日; 在线学习…2020年11月1日至2021年1月30日, 分三期
  'jiangsu-2.0': {
    programmeId: 'JS-2.0',
    batchId: 'JS-2020-1',
    name: '第一批次',
    startsOn: '2020-11-01',
    endsOn: '2021-10-31',
    sharePercent: 20,
    periods: [
      { periodId: 'P1', startsOn: '2020-11-01', endsOn: '2020-11-30' },
      { periodId: 'P2', startsOn: '2020-12-01', endsOn: '2020-12-31' },
      { periodId: 'P3', startsOn: '2021-01-01', endsOn: '2021-01-30' },
    ],
    ownerUnitId: '320000',
  },
  // 2016年3月开始，2018年12月底结束; 第一期 2016年3月10日-2016年4月18日
  'lianyungang-1.0': {
    programmeId: 'LYG-1.0',
    batchId: 'LYG-2016',
    name: '教育技术能力（高级）全员培训',
    startsOn: '2016-03-10',
    endsOn: '2018-12-31',
    sharePercent: 100,
    periods: [
      { periodId: '1', startsOn: '2016-03-10', endsOn: '2016-04-18' },
      { periodId: '2', startsOn: '2016-04-24', endsOn: '2016-06-02' },
    ],
    ownerUnitId: '320700',
  },
  // 2016年…启动培训; 2017年底基本完成
  'ningde-1.0': {
    programmeId: 'ND-1.0',
    batchId: 'ND-2016',
    name: '全员培训',
    startsOn: '2016-04-01',
    endsOn: '2017-12-31',
    sharePercent: 100,
    periods: [{ periodId: 'P1', startsOn: '2016-04-01', endsOn: '2017-12-31' }],
    ownerUnitId: '350900',
  },
  // 2021年12月底…试点校的培训; 2023年底，完成…全员培训
  'yueyang-2.0': {
    programmeId: 'YY-2.0',
    batchId: 'YY-2021',
    name: '2021年试点',
    startsOn: '2021-06-01',
    endsOn: '2023-12-31',
    sharePercent: 100,
    periods: [{ periodId: 'P1', startsOn: '2021-06-01', endsOn: '2023-12-31' }],
    ownerUnitId: '430600',
  },
};

export function batchScheduledOf(preset: PresetName, rulebook: Rulebook = presetRulebook(preset)): BatchScheduled {
  return { type: 'BatchScheduled', data: { ...NOTICE_BATCHES[preset], rulebook } };
}

export function batchExtendedOf(preset: PresetName, endsOn: string, reason: string): BatchExtended {
  const { programmeId, batchId, endsOn: previousEndsOn } = NOTICE_BATCHES[preset];
  return { type: 'BatchExtended', data: { programmeId, batchId, endsOn, previousEndsOn, reason } };
}

/** The notice's batch, folded with the real evolver; a changed rulebook or an extension may be given. */
export function noticeBatch(
  preset: PresetName,
  options: { rulebook?: Rulebook; extendedTo?: string } = {},
): BatchState {
  const extension = options.extendedTo ? [batchExtendedOf(preset, options.extendedTo, '延期')] : [];
  return fold(batchEvolver, [batchScheduledOf(preset, options.rulebook), ...extension]);
}

/** A preset with some rules changed, under its own id (a caller's own rulebook). */
export function rulebookLike(preset: PresetName, changes: Partial<Rulebook>): Rulebook {
  return { ...(JSON.parse(JSON.stringify(presetRulebook(preset))) as Rulebook), id: `${preset}-custom`, ...changes };
}
