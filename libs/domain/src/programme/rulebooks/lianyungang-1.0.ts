import type { Rulebook } from '../rulebook';
import { deepFreeze } from '../plain-data';

/**
 * Lianyungang city, 教育技术能力（高级）全员培训 under 提升工程1.0 (2016–2018). Seed
 * 000_4d09a489b45b9510.txt: 连教办师〔2016〕9号 and its period and quota table.
 */
export const LIANYUNGANG_1_0: Rulebook = deepFreeze({
  id: 'lianyungang-1.0',
  name: '连云港市中小学教师教育技术能力（高级）全员培训',
  version: '1.0',
  source: {
    seed: '000_4d09a489b45b9510.txt',
    title: '关于开展全市中小学教师教育技术能力（高级）全员培训的通知',
    issuer: '连云港市教育局办公室',
    documentNumber: '连教办师〔2016〕9号',
    issuedOn: '2016-03-02',
  },
  hours: {
    categories: [
      // "江苏教师教育"平台…信息技术应用能力30学时在线学习
      { id: 'online', label: '信息技术应用能力在线学习', mode: 'online', minimumHours: 30, recordedBy: ['platform'] },
      // 信息技术硬件、实用教学软件应用与测评，以及信息技术与学科教学深度融合90学时
      {
        id: 'application-integration',
        label: '信息技术硬件、实用教学软件应用与测评，以及信息技术与学科教学深度融合',
        mode: 'blended',
        minimumHours: 90,
        // 信息技术硬件应用培训与测评由各县区教育局电教中心在市局指导下自主进行
        recordedBy: ['school', 'county'],
      },
      // 信息技术研修、实践20学时
      { id: 'practice', label: '信息技术研修、实践', mode: 'blended', minimumHours: 20, recordedBy: ['school'] },
    ],
    minimumTotal: 140,
  },
  onlineStudy: {
    categoryId: 'online',
    // 每期学习时间40天; each county's and city-direct school's seats are issued per period
    withinPeriod: true,
    limit: { amount: 40, unit: 'days', from: 'period-start' },
    passBeforeOfflineAssessment: false,
  },
  abilityPoints: null,
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
  // 全市中小学、幼儿园教师…2016年3月开始，2018年12月底结束
  coverageTargets: [{ by: '2018-12-31', minPercent: 100, aimPercent: null }],
  // 采用全市统一分配名额、市县（区）分级管理模式 (the quota table of the notice)
  quotas: true,
  assessment: null,
  closure: null,
  certificates: [
    {
      kind: 'certificate',
      // 省市两级培训均合格，获相应学时，发"全市中小学教师教育技术能力（高级）培训合格证书"
      name: '全市中小学教师教育技术能力（高级）培训合格证书',
      issuer: '连云港市教育局',
      issuedBy: ['city'],
      categories: ['online', 'application-integration', 'practice'],
    },
  ],
  creditsPerHour: null,
  pilotSchools: null,
  notes: [
    'A 1.0 programme: no ability points.',
    "The 30 online hours run 2016-03 – 2017-12 on the provincial platform in 14 periods of 40 days with a fixed quota per county and per city-direct school each period (fixtures/lianyungang-2016-quotas.csv, 3,600 seats a period); the 110 city-platform hours run 2016-07 – 2018-12. Those dates are the programme's batches and periods, not rulebook data.",
    'The seed states hours as amounts ("30学时", "90学时", "20学时"); they are taken as minimums.',
    'The 90 and 20 city-platform hours mix 集中面授、线上学习、线下实践、测评, so both are "blended"; the seed does not split them further.',
    'A certificate needs both the provincial and the city level passed (省市两级培训均合格); the seed names no grades, thresholds, closure, excellent videos or sampling.',
    "Hardware application training and assessment are run by each county's 电教中心 on its own; not modelled.",
    'Costs are borne by the city education bureau (培训资料、耗材、平台租用等相关费用按实收取); no per-hour rate.',
    'The seed does not say online hours must pass before the city-platform part; passBeforeOfflineAssessment is false.',
    "The certificate is issued by the city (市教育局主办) once both levels' hours are met; nothing is graded, so AssessPractice is refused PRACTICE_NOT_GRADED.",
    'No 结项: the notice has no school closure.',
  ],
});
