import type { Rulebook } from '../rulebook';
import { MOE_2_0_A13_B10_C7 } from '../ability-point-catalogues';
import { deepFreeze } from '../plain-data';

/**
 * Yueyang city (Hunan), 提升工程2.0 (2021–2023). Seed 003_672f569689167dd6.txt: 岳教体办通〔2021〕8号.
 */
export const YUEYANG_2_0: Rulebook = deepFreeze({
  id: 'yueyang-2.0',
  name: '岳阳市中小学(幼儿园)教师信息技术应用能力提升工程2.0培训',
  version: '2.0',
  source: {
    seed: '003_672f569689167dd6.txt',
    title: '岳阳市教育体育局办公室关于组织开展2021年岳阳市中小学(幼儿园)教师信息技术应用能力提升工程2.0培训的通知',
    issuer: '岳阳市教育体育局办公室',
    documentNumber: '岳教体办通〔2021〕8号',
    issuedOn: '2021-05-18',
  },
  hours: {
    // 总学时为80学时…即工作坊混合式研修60学时、校本研修10学时、校本应用考核10学时
    categories: [
      // 各县市教师进修学校(教师培训机构)负责承担各县市培训; 市中小学教师发展中心…具体承担市直、六区培训
      {
        id: 'workshop',
        label: '工作坊混合式研修',
        mode: 'blended',
        minimumHours: 60,
        recordedBy: ['platform', 'county', 'city'],
      },
      { id: 'school-based', label: '校本研修', mode: 'offline', minimumHours: 10, recordedBy: ['school'] },
      {
        id: 'school-based-assessment',
        label: '校本应用考核',
        mode: 'offline',
        minimumHours: 10,
        recordedBy: ['school'],
      },
    ],
    minimumTotal: 80,
  },
  onlineStudy: { categoryId: 'workshop', withinPeriod: false, limit: null, passBeforeOfflineAssessment: false },
  abilityPoints: {
    catalogue: MOE_2_0_A13_B10_C7,
    choice: { minPoints: 1, maxPoints: null, minDimensions: 0 },
    deadlineDays: null,
    afterDeadlinePickedBy: null,
  },
  offlinePractice: {
    evidenceRequired: false,
    peerReviewRequired: false,
    groupSessionVideo: false,
    hoursEntryDeadlineDays: null,
  },
  planThresholdPercent: null,
  closureThresholdPercent: null,
  excellentVideos: null,
  inspectionMinSamplePercent: null,
  exemption: null,
  funding: null,
  batchSharesPercent: null,
  // 2023年底，完成全市中小学(幼儿园)教师信息技术应用能力提升工程2.0全员培训
  coverageTargets: [{ by: '2023-12-31', minPercent: 100, aimPercent: null }],
  // 培训经费由学校及所属县市区教育行政部门…统筹安排: no seats are handed out
  quotas: false,
  // 校本应用考核: graded by the school, without evidence the seed asks for
  assessment: { evidenceRequired: false, maxAttemptsPerPoint: null },
  // 试点学校整校推进方案, 整校推进考核方案
  closure: { allAssessedFirst: true },
  certificates: [
    {
      kind: 'credits',
      // 总学时为80学时,计80学分
      name: '信息技术应用能力提升工程2.0培训学时（学分）',
      issuer: '市中小学教师发展中心、各县市教师进修学校（教师培训机构）',
      issuedBy: ['county', 'city'],
      categories: ['workshop', 'school-based', 'school-based-assessment'],
    },
  ],
  creditsPerHour: 1,
  // 市十二中、洞氮小学等2所试点校…每个县市区还需完成2所以上中小学校培训试点 (2021年12月底)
  pilotSchools: { ownerPilots: 2, perCounty: 2, dueBy: '2021-12-31' },
  notes: [
    '80 hours count as 80 credits (计80学分), in the "三阶交融" OMO model.',
    "The seed does not split the 60 workshop hours into online and offline; the course-platform feed (RecordOnlineHours) is credited to the workshop category. This mapping is a reading, not the seed's words.",
    'Each pilot school\'s teacher plan has a "能力点选择" column, so teachers pick ability points; the seed says neither how many, which dimensions, by when, nor who picks for late teachers: no deadline is encoded.',
    'Pilot schools (≥2 per county in 2021, plus 市十二中 and 洞氮小学) report a school summary, a whole-school plan (整校推进方案) and a participant sheet (name, sex, ID number, county, school, stage, subject, phone); no plan threshold is given.',
    "No closure threshold, excellent-video rule, sampling rate, exemption or per-hour rate: funds come from schools' and counties' continuing-education and ICT budgets.",
    'The county (its 教师进修学校, the training institution) and the city centre record workshop hours from offline sessions beside the platform feed; they add up.',
    'The hours are recognised (as credits, 1 学分 per 学时) by the county or the city centre for teachers graded pass or better.',
  ],
});
