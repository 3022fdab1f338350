import type { Rulebook } from '../rulebook';
import { deepFreeze } from '../plain-data';

/**
 * Ningde city (Fujian), 提升工程1.0 (2016–2017). Seed 002_a970310a57472395.txt: 宁德市中小学教师
 * 信息技术应用能力提升工程培训实施方案, issued by 宁德市教育局 on 2016-03-15.
 */
export const NINGDE_1_0: Rulebook = deepFreeze({
  id: 'ningde-1.0',
  name: '宁德市中小学教师信息技术应用能力提升工程培训',
  version: '1.0',
  source: {
    seed: '002_a970310a57472395.txt',
    title: '宁德市教育局关于印发《宁德市中小学教师信息技术应用能力提升工程培训实施方案》的通知',
    issuer: '宁德市教育局',
    documentNumber: null,
    issuedOn: '2016-03-15',
  },
  hours: {
    // 全员培训的内容由网络培训学习(50学时)和以网络与校本研修为主的教学实践(30学时)两部分组成
    categories: [
      { id: 'online', label: '网络培训学习', mode: 'online', minimumHours: 50, recordedBy: ['platform'] },
      {
        id: 'practice',
        label: '以网络与校本研修为主的教学实践',
        mode: 'blended',
        minimumHours: 30,
        recordedBy: ['school'],
      },
    ],
    minimumTotal: 80,
  },
  onlineStudy: { categoryId: 'online', withinPeriod: false, limit: null, passBeforeOfflineAssessment: false },
  abilityPoints: null,
  // 学员完成…网络研修及提交应用实践成果,并通过相应的测评后
  offlinePractice: {
    evidenceRequired: true,
    peerReviewRequired: false,
    groupSessionVideo: false,
    hoursEntryDeadlineDays: null,
  },
  planThresholdPercent: null,
  closureThresholdPercent: null,
  excellentVideos: null,
  inspectionMinSamplePercent: null,
  exemption: {
    // 距退休不满五年的教师不作培训要求
    yearsBeforeRetirement: 5,
    retirementAge: { male: 60, female: 55 },
    retirementAgeSource:
      'Not in the seed. Statutory ages in force in 2016 (国发〔1978〕104号): men 60, women cadres (teachers included) 55.',
  },
  // 教师全员培训经费(3元/学时•人)
  funding: { yuanPerHourPerTeacher: 3 },
  batchSharesPercent: null,
  coverageTargets: [
    // 2016年培训完成人数原则上应不少于本地中小学教师总数的30%,争取达到40%
    { by: '2016-12-31', minPercent: 30, aimPercent: 40 },
    // 2017年底基本完成全市中小学…教师每人80学时的提升工程专题培训
    { by: '2017-12-31', minPercent: 100, aimPercent: null },
  ],
  // 由市级统筹, 县(市、区)、市直中小学校…组织实施全员培训: no seats are handed out
  quotas: false,
  // 提交应用实践成果,并通过相应的测评
  assessment: { evidenceRequired: true, maxAttemptsPerPoint: null },
  closure: null,
  // 经"市工程办"审核,可获得培训机构出具的网络培训合格证明(50学时),及培训机构与各级教师进修院校联合出具的
  // 网络研修与教学实践合格证明(30学时)
  certificates: [
    {
      kind: 'online-proof',
      name: '网络培训合格证明',
      issuer: '福建教育学院（培训机构）',
      issuedBy: ['city'],
      categories: ['online'],
    },
    {
      kind: 'practice-proof',
      name: '网络研修与教学实践合格证明',
      issuer: '培训机构与各级教师进修院校联合出具',
      issuedBy: ['city'],
      categories: ['practice'],
    },
  ],
  creditsPerHour: null,
  pilotSchools: null,
  notes: [
    'A 1.0 programme: no ability points. Teachers take a pre-training diagnostic test (训前诊断测评) and choose courses by its result; the test is not modelled.',
    'The seed gives no online window, period length, plan, closure, excellent-video or sampling rule.',
    '"距退休不满五年" gives no reference date; the helpers count from the business time of the check (e.g. enrollment). The seed names no retirement ages (see exemption.retirementAgeSource); women with senior titles who retire at 60 are not distinguished.',
    'The 30%/40% target for 2016 is for localities starting in the second half-year; the first movers (福安市, 市直 schools, 福鼎一中, 宁德师院附小) aim to finish within 2016. "2017年底基本完成" is encoded as 100% by 2017-12-31.',
    "Certificates: the institution's 50-hour online proof and the jointly issued 30-hour practice proof together ground the provincial 结业证书.",
    'The per-hour rate funds the whole-staff training from continuing-education budgets: 3 yuan × 80 hours = 240 yuan per teacher.',
    'Both proofs follow the whole 80 hours and the assessment (学员完成全部80学时…并通过相应的测评后); the city (市工程办, which reviews) records their issue, naming the institution that issues each.',
    'An exempt teacher (距退休不满五年) is not required, not forbidden: they may enroll voluntarily and are left out of every target.',
    'No 结项 and no seats: the notice has neither.',
  ],
});
