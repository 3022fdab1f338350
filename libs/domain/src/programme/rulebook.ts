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
  /** Share of all teachers per batch, in batch order (Jiangsu: 20, 40, 40). */
  batchSharesPercent: number[] | null;
  /** Share of all teachers trained by a date. */
  coverageTargets: CoverageTarget[];
  notes: string[];
}

export interface RulebookSource {
  /** File name in shared/seeds/, or null for a rulebook not taken from a seed. */
  seed: string | null;
  title: string;
  issuer: string;
  documentNumber: string | null;
  /** YYYY-MM-DD, or null when the source shows none. */
  issuedOn: string | null;
}

export const HOURS_MODES = ['online', 'offline', 'blended'] as const;
export type HoursMode = (typeof HOURS_MODES)[number];

export interface HoursCategory {
  id: string;
  /** The notice's own words. */
  label: string;
  mode: HoursMode;
  minimumHours: number;
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

export interface CoverageTarget {
  /** YYYY-MM-DD */
  by: string;
  minPercent: number;
  aimPercent: number | null;
}
