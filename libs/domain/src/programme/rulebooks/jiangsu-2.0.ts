import type { Rulebook } from '../rulebook';
import { MOE_2_0_A13_B10_C7 } from '../ability-point-catalogues';
import { deepFreeze } from '../plain-data';

/**
 * Jiangsu province, 提升工程2.0 (2020–2022). Seed 004_11342351f18261dc.txt: 苏教办师函〔2020〕14号
 * and its 附件1 培训实施细则, which hold every number below.
 */
export const JIANGSU_2_0: Rulebook = deepFreeze({
  id: 'jiangsu-2.0',
  name: '江苏省中小学教师信息技术应用能力提升工程2.0专项培训',
  version: '2.0',
  source: {
    seed: '004_11342351f18261dc.txt',
    title: '省教育厅办公室关于开展全省中小学教师信息技术应用能力提升工程2.0专项培训的通知（附件1 培训实施细则）',
    issuer: '江苏省教育厅办公室',
    documentNumber: '苏教办师函〔2020〕14号',
    issuedOn: null,
  },
  hours: {
    // 每位教师培训不少于50学时…不少于25学时的线上课程学习；线下实践应用不少于25学时
    categories: [
      { id: 'online', label: '线上课程学习', mode: 'online', minimumHours: 25, recordedBy: ['platform'] },
      // 线下实践应用学时由校级管理员…统一录入管理系统
      { id: 'offline', label: '线下实践应用', mode: 'offline', minimumHours: 25, recordedBy: ['school'] },
    ],
    minimumTotal: 50,
  },
  onlineStudy: {
    categoryId: 'online',
    // 培训名额每期同步下发，教师参加其中一期即可；每位学员须在一个月内完成在线学习
    withinPeriod: true,
    limit: { amount: 1, unit: 'months', from: 'enrollment' },
    // 在线学习合格后方可参加线下实践应用考核
    passBeforeOfflineAssessment: true,
  },
  abilityPoints: {
    catalogue: MOE_2_0_A13_B10_C7,
    choice: { minPoints: 1, maxPoints: null, minDimensions: 0 },
    // 在一周内完成能力点的选择。未在规定时间内完成能力点选择的学员将默认由校级管理员代为选择
    deadlineDays: 7,
    afterDeadlinePickedBy: 'school-admin',
  },
  offlinePractice: {
    // 线下实践应用成果提交与学习点评都完成后方可获取线下实践应用学时
    evidenceRequired: true,
    peerReviewRequired: true,
    // 采用视频形式记录活动现场…提交其中1份视频资料给校级管理员
    groupSessionVideo: true,
    // 线下实践应用学时由校级管理员在全校培训完成后一周内统一录入
    hoursEntryDeadlineDays: 7,
  },
  // 完成能力点选择的教师数比例到达90%后即可上传…规划书
  planThresholdPercent: 90,
  // 考核合格（含优秀）占该校参考教师总数90%以上视为整校达标
  closureThresholdPercent: 90,
  // 优秀视频资源需普及到每门学科，视频总数为该校专任教师数30%以上
  excellentVideos: { minPercentOfFullTimeTeachers: 30, everySubject: true },
  // 抽检率不低于10%
  inspectionMinSamplePercent: 10,
  exemption: null,
  funding: null,
  // 每批分别完成全省中小学教师总数的20%、40%、40%
  batchSharesPercent: [20, 40, 40],
  coverageTargets: [
    // 截至今年年底全省需要完成教师20%的培训任务 (the notice is of 2020)
    { by: '2020-12-31', minPercent: 20, aimPercent: null },
    // 到2022年，以整校推进的形式完成全省中小学教师能力提升工程2.0培训
    { by: '2022-12-31', minPercent: 100, aimPercent: null },
  ],
  // 培训名额由省教育厅…下发到各设区市，再由各设区市教育局统筹分配安排至各县（市、区）
  quotas: true,
  // 教研组长负责审核本组教师提交的个人线下实践应用成果，并给出考核结果
  assessment: { evidenceRequired: true, maxAttemptsPerPoint: null },
  // 考核合格（含优秀）占该校参考教师总数90%以上视为整校达标; 整校推进, 全校培训完成
  closure: { allAssessedFirst: true },
  certificates: [
    {
      kind: 'hours',
      // 达到合格以上成绩的教师，将认定获得能力提升工程2.0项目培训相应学时
      name: '能力提升工程2.0项目培训学时认定',
      // 学员考核为合格的由校级管理员在系统内记录
      issuer: '校级管理员（江苏省中小学教师培训学时认定和管理系统）',
      issuedBy: ['school'],
      categories: ['online', 'offline'],
    },
  ],
  creditsPerHour: null,
  pilotSchools: null,
  notes: [
    '"每位学员须在一个月内完成在线学习" does not say from when; the month is counted from enrollment (as TIP reads the notice throughout) and stays inside the teacher\'s period.',
    '"在一周内完成能力点的选择" follows "学员及时登录系统确认"; the week is counted from enrollment, not from confirmation.',
    'The seed does not say how many ability points a teacher picks nor which dimensions they must cover: minPoints 1 only says a choice names at least one point; no dimension rule is encoded.',
    'The seed names no ability points; the catalogue is the Ministry framework as numbered A1–A13, B1–B10, C1–C7 (see its source).',
    '"90%以上", "30%以上" and "不低于10%" are read as "at least" (以上 includes the number itself in Chinese regulatory usage).',
    'Batch 1 runs online study 2020-11-01 – 2021-01-30 in three periods whose dates the platform publishes ("具体以平台公布为准"); period dates belong to ScheduleBatch, not to the rulebook. The seed gives no period structure for batches 2 and 3.',
    'The seed shows no issue date.',
    'No exemptions and no per-hour funding rate: the seed has neither (经费纳入年度预算).',
    'Grades are 不合格 / 合格 / 优秀; teachers passing within the time are credited the hours (达到合格以上成绩的教师，将认定获得…相应学时).',
    'The seed says nothing of retakes: a failed point may be retaken with new evidence, the last grade counts, and no cap is encoded.',
    '参考教师 are every active enrolled teacher of the school; 整校推进 and "全校培训完成" are read as: all of them graded before the school applies for closure.',
  ],
});
