import type { PilotSchoolRule } from '@tip/domain';
import type { PilotStanding } from './pilot-measures';

/** An extension of the batch (ExtendBatch): the new last day, the one before, why, and when. */
export interface BatchExtension {
  endsOn: string;
  previousEndsOn: string;
  reason: string;
  /** Business time of the extension. */
  at: string;
}

/** The counts a weekly notice (周通报) reports for one unit as of the end of a week; they add up the tree. */
export interface NoticeCounts {
  /** 应训人数: teachers required (see `requiredSource`); exempt teachers are not among them. */
  required: number;
  /** 参训人数: active enrollments of required teachers (so are the figures below, to trained). */
  enrolled: number;
  confirmed: number;
  pointsSelected: number;
  onlinePassed: number;
  /** 已考核: teachers with an overall grade. */
  assessed: number;
  /** 合格(含优秀): graded pass or excellent. */
  passed: number;
  excellent: number;
  /** 完成人数: finished as the rulebook has it (passed where it grades; hours and certificate where it does not). */
  trained: number;
  certified: number;
  /** Taking part though not required (part-time, or exempt of their own will): in no rate. */
  othersEnrolled: number;
  othersTrained: number;
  hoursCredited: number;
  /** 认定学时: hours of trained teachers only. */
  hoursRecognised: number;
  seatsReceived: number;
  excellentVideos: number;
  /** Schools below the unit taking part in the batch (1 for a school that does). */
  schoolsTotal: number;
  schoolsClosed: number;
}

/** The rates, in percent rounded to one decimal; null where the denominator is 0. */
export interface NoticeRates {
  /** 参训率: enrolled ÷ required. */
  participationPercent: number | null;
  /** 合格率: passed ÷ assessed. */
  passPercent: number | null;
  /** 完成率: trained ÷ required. */
  completionPercent: number | null;
}

export type NoticeFigures = NoticeCounts & NoticeRates;

export const NOTICE_COUNTS: readonly (keyof NoticeCounts)[] = [
  'required',
  'enrolled',
  'confirmed',
  'pointsSelected',
  'onlinePassed',
  'assessed',
  'passed',
  'excellent',
  'trained',
  'certified',
  'othersEnrolled',
  'othersTrained',
  'hoursCredited',
  'hoursRecognised',
  'seatsReceived',
  'excellentVideos',
  'schoolsTotal',
  'schoolsClosed',
];

export const NOTICE_RATES: readonly (keyof NoticeRates)[] = [
  'participationPercent',
  'passPercent',
  'completionPercent',
];

export const NOTICE_FIGURES: readonly (keyof NoticeFigures)[] = [...NOTICE_COUNTS, ...NOTICE_RATES];

export type UnitKind = 'province' | 'city' | 'county' | 'school';

/**
 * Where a unit's `required` comes from: its schools' registered full-time teachers, a declared
 * total (`fullTimeTeachers`) where no teacher is registered yet, both (children differ), or
 * neither (0).
 */
export type RequiredSource = 'registered' | 'declared' | 'mixed' | 'none';

export interface NoticeRow {
  unitId: string;
  name: string;
  kind: UnitKind;
  /** The unit above it (null for a province). */
  parentId: string | null;
  /** By 完成率 within its level, best first; equal rates share a rank and the next rank skips (1, 1, 3). */
  rank: number;
  requiredSource: RequiredSource;
  thisWeek: NoticeFigures;
  lastWeek: NoticeFigures;
  /** thisWeek − lastWeek; rates in percentage points (null where either week has none). */
  change: NoticeFigures;
  /** The share of all teachers the batch must have trained by the end of the week (the same for every unit). */
  targetPercent: number;
  /** 完成率 is under the target (both as shown, to one decimal). */
  behind: boolean;
  /** target − 完成率 in percentage points when behind, else 0. */
  behindByPoints: number;
  /** 完成率 (0 where nothing is required); kept under its earlier name for callers that read it. */
  progressPercent: number;
  /**
   * Pilot schools at the end of the week, where the rulebook designates pilots (else null): the
   * unit is `short` of the pilots asked of it (the owner's own, a county's), `late` counts pilots
   * past their finishBy without closing.
   */
  pilots: PilotStanding | null;
}

export interface NoticeLevel {
  kind: UnitKind;
  rows: NoticeRow[];
}

/** How the notice is headed, as a bureau heads what it sends. */
export interface NoticeHeading {
  /** The issuing office (项目办), as configured for the unit at the end of the week, else the unit's name + 项目办. */
  issuingOffice: string;
  /** 文号, when the caller gives one. */
  documentNumber: string | null;
  /** Date of issue (YYYY-MM-DD): the caller's, else the Monday after the week. */
  issuedOn: string;
  title: string;
}

export interface WeeklyNotice {
  batchId: string;
  batchName: string;
  programmeId: string;
  programmeName: string;
  heading: NoticeHeading;
  /** ISO week, e.g. 2021-W03, in Asia/Shanghai. */
  week: string;
  previousWeek: string;
  /** Local dates (Asia/Shanghai), Monday and Sunday. */
  weekStartsOn: string;
  weekEndsOn: string;
  /** The instant the figures are taken at: the end of the week (exclusive), ISO-8601. */
  asOf: string;
  timeZone: 'Asia/Shanghai';
  /** The batch's first day, and its last as in force at the end of the week (extensions made by then included). */
  batchStartsOn: string;
  batchEndsOn: string;
  /** The last day as the batch was scheduled. */
  batchScheduledEndsOn: string;
  /** Every ExtendBatch made by the end of the week, oldest first, with its reason and time (business time). */
  extensions: BatchExtension[];
  /** Share of the batch's time gone by at the end of the week, in percent (时间进度), up to the end in force then. */
  pacePercent: number;
  /** The batch's coverage target at the end of the week and of the week before (the rulebook's milestones). */
  targetPercent: number;
  lastWeekTargetPercent: number;
  /** What the rulebook asks units to aim for (争取达到), where it names an aim. */
  aimPercent: number | null;
  /** Does the batch hand out seats? (a programme without quotas shows none) */
  quotas: boolean;
  /** Does the rulebook grade practice? (Lianyungang grades nothing: no 合格率 to speak of) */
  graded: boolean;
  /** What the rulebook asks of pilot schools (Yueyang: 2 of the owner's own, 2 per county, by a date); null: none. */
  pilotSchools: PilotSchoolRule | null;
  /** The summary paragraph, in Chinese, from the figures below. */
  summary: string;
  /** The unit the notice is for. */
  unit: NoticeRow;
  /** The history the figures were computed from, under a signed tree head (set where the log is signed). */
  source?: NoticeSource;
  /** Every kind of unit below the unit, down to the schools, each ranked (a city-direct school is with the schools). */
  levels: NoticeLevel[];
}

/**
 * Which history a notice came from: every event of the log up to `position` (the read model had
 * taken in exactly those), which are the first `treeSize` leaves of the Merkle tree whose signed
 * head has `rootHash`. An auditor checks the signature, then recomputes the figures from them.
 */
export interface NoticeSource {
  position: number;
  treeSize: number;
  rootHash: string;
  /** When the head was signed, ISO-8601. */
  signedAt: string;
  /** The signing key (SHA-256 of its public key). */
  keyId: string;
}
