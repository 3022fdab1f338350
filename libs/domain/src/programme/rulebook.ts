/**
 * A rulebook: every rule that differs between regions, as data. A programme fixes its rulebook
 * when launched; a batch copies it when scheduled. Every field is present: `null` says "this
 * rulebook has no such rule" (usually: its seed says nothing), and `notes` says where a seed was
 * silent or read one way rather than another.
 */
export interface Rulebook {
  /** Unique name; a preset's id is its preset name. */
  id: string;
  name: string;
  /** The 提升工程 version it implements: '1.0' (2014–2018) or '2.0' (2019–2023). */
  version: string;
  source: RulebookSource;
  hours: HoursRule;
  /** Hours fed by the course platform (RecordOnlineHours) and when they count. */
  onlineStudy: OnlineStudyRule | null;
  /** 能力点; null for 1.0 rulebooks, which have none. */
  abilityPoints: AbilityPointRule | null;
  offlinePractice: OfflinePracticeRule;
  /** 规划书: share of enrolled teachers who must have picked points before the school plan uploads. */
  planThresholdPercent: number | null;
  /** 结项: share of assessed teachers who must pass (pass or excellent) before a school applies. */
  closureThresholdPercent: number | null;
  excellentVideos: ExcellentVideoRule | null;
  /** 抽检率不低于: the lowest sampling rate an inspector may draw. */
  inspectionMinSamplePercent: number | null;
  /** Teachers the programme does not require to train. */
  exemption: ExemptionRule | null;
  funding: FundingRule | null;
  /** Share of all teachers per batch, in batch order (Jiangsu: 20, 40, 40); null leaves each batch's share free. */
  batchSharesPercent: number[] | null;
  /** Share of all teachers trained by a date. */
  coverageTargets: CoverageTarget[];
  /** 配额: seats handed down to the schools; false: schools enroll without seats (Ningde, Yueyang). */
  quotas: boolean;
  /** How practice is graded; null: the rulebook grades nothing and certifies on hours alone (Lianyungang). */
  assessment: AssessmentRule | null;
  /** 结项 (整校推进); null: the programme has no school closure (Lianyungang, Ningde). */
  closure: ClosureRule | null;
  /** The certificates the programme issues and who issues each; at least one. */
  certificates: CertificateKindRule[];
  /** 学分 per 学时 where the rulebook converts hours to credits (Yueyang: 80学时 计80学分); null: no credits. */
  creditsPerHour: number | null;
  /** 试点学校; null: the rulebook names no pilots. */
  pilotSchools: PilotSchoolRule | null;
  notes: string[];
}

export interface RulebookSource {
  /** The file of the policy notice the preset was read from (in the collection its authors used), or null for a rulebook not taken from one. */
  seed: string | null;
  title: string;
  issuer: string;
  documentNumber: string | null;
  /** YYYY-MM-DD, or null when the source shows none. */
  issuedOn: string | null;
}

export const HOURS_MODES = ['online', 'offline', 'blended'] as const;
export type HoursMode = (typeof HOURS_MODES)[number];

/** The admin levels of the hierarchy, as the org-unit kinds spell them. */
export const ADMIN_LEVELS = ['school', 'county', 'city', 'province'] as const;
export type AdminLevel = (typeof ADMIN_LEVELS)[number];

/** Who credits a category's hours: the course-platform feed (RecordOnlineHours), or an admin level (RecordOfflineHours). */
export const HOURS_RECORDERS = ['platform', ...ADMIN_LEVELS] as const;
export type HoursRecorder = (typeof HOURS_RECORDERS)[number];

export interface HoursCategory {
  id: string;
  /** The notice's own words. */
  label: string;
  mode: HoursMode;
  minimumHours: number;
  /**
   * Who credits these hours. 'platform' only on the online category; several recorders add up
   * (Yueyang's blended workshop: the platform feed plus the offline sessions its county records).
   */
  recordedBy: HoursRecorder[];
}

export interface HoursRule {
  categories: HoursCategory[];
  /** At least the sum of the categories' minimums. */
  minimumTotal: number;
}

export const STUDY_LIMIT_UNITS = ['days', 'months'] as const;
export const STUDY_LIMIT_ANCHORS = ['enrollment', 'period-start'] as const;

/** "Within N days/months of X": the window is [X, X + N). */
export interface StudyLimit {
  amount: number;
  unit: (typeof STUDY_LIMIT_UNITS)[number];
  from: (typeof STUDY_LIMIT_ANCHORS)[number];
}

export interface OnlineStudyRule {
  /** The hours category the course-platform feed credits. */
  categoryId: string;
  /** Online hours count only inside the teacher's period (期); otherwise inside the batch. */
  withinPeriod: boolean;
  limit: StudyLimit | null;
  /** 在线学习合格后方可参加线下实践应用考核. */
  passBeforeOfflineAssessment: boolean;
}

export interface AbilityPointCatalogue {
  id: string;
  /** Catalogues of the same framework differ in numbering; the version names which one. */
  version: string;
  source: string;
  environments: CatalogueTerm[];
  dimensions: CatalogueTerm[];
  points: AbilityPoint[];
}

export interface CatalogueTerm {
  code: string;
  name: string;
}

export interface AbilityPoint {
  code: string;
  /** A catalogue environment code. */
  environment: string;
  /** null where the source gives no name. */
  name: string | null;
  /** A catalogue dimension code, or null where the source does not say. */
  dimension: string | null;
}

export interface AbilityPointChoiceRule {
  minPoints: number;
  maxPoints: number | null;
  /** How many distinct dimensions the chosen points must cover (0: no such rule). */
  minDimensions: number;
}

export interface AbilityPointRule {
  catalogue: AbilityPointCatalogue;
  choice: AbilityPointChoiceRule;
  /** The teacher picks within this many days of enrollment; null: no deadline. */
  deadlineDays: number | null;
  /** Who picks once the deadline has passed. */
  afterDeadlinePickedBy: 'school-admin' | null;
}

export interface OfflinePracticeRule {
  /** Offline hours need submitted practice evidence (线下实践应用成果). */
  evidenceRequired: boolean;
  /** Offline hours need the peer videos pushed to the teacher watched and commented. */
  peerReviewRequired: boolean;
  /** Each teaching group submits one video of a group session. */
  groupSessionVideo: boolean;
  /** The school admin enters offline hours within this many days after the whole school finishes. */
  hoursEntryDeadlineDays: number | null;
}

export interface ExcellentVideoRule {
  /** Videos ≥ this share of the school's full-time teachers (专任教师). */
  minPercentOfFullTimeTeachers: number;
  /** The videos cover every subject the school teaches. */
  everySubject: boolean;
}

export interface ExemptionRule {
  /** Exempt when fewer than this many years remain before retirement. */
  yearsBeforeRetirement: number;
  retirementAge: { male: number; female: number };
  /** Where the ages come from (the seeds name none). */
  retirementAgeSource: string;
}

export interface FundingRule {
  yuanPerHourPerTeacher: number;
}

export interface AssessmentRule {
  /** Grading needs practice evidence awaiting assessment (Jiangsu, Ningde); false: graded without (Yueyang). */
  evidenceRequired: boolean;
  /**
   * Gradings a point may have in all, the first included (a failed point is retaken with new
   * evidence, and the last grade counts); null: no cap. RETAKES_EXHAUSTED beyond it.
   */
  maxAttemptsPerPoint: number | null;
}

export interface ClosureRule {
  /**
   * 整校推进: every 参考教师 (active enrolled teacher, exempt volunteers aside) must be graded before
   * the school applies (ASSESSMENT_INCOMPLETE); otherwise ungraded teachers count as not passed.
   */
  allAssessedFirst: boolean;
}

export interface CertificateKindRule {
  /** Stable id, named by IssueCertificate's `kind`. */
  kind: string;
  /** The notice's name for it. */
  name: string;
  /** Who issues it, in the notice's words. */
  issuer: string;
  /** The admin levels that issue it in the system (system always may); another level is refused (403). */
  issuedBy: AdminLevel[];
  /** The hours categories it certifies: the hours it states. Every kind needs the whole rulebook met. */
  categories: string[];
}

export interface PilotSchoolRule {
  /** Pilots directly under the programme's owner (Yueyang: 市十二中、洞氮小学 of the city). */
  ownerPilots: number;
  /** Pilots each county (县市区) must have at least (Yueyang: 2所以上). */
  perCounty: number;
  /** YYYY-MM-DD: by when the pilots are due (Yueyang: 2021年12月底). */
  dueBy: string;
}

export interface CoverageTarget {
  /** YYYY-MM-DD */
  by: string;
  minPercent: number;
  aimPercent: number | null;
}
