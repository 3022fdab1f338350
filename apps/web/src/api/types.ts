/** The API's answers as the web app reads them (the routes are in the API's OpenAPI document at /api/docs). */

export type Role =
  | 'system'
  | 'province-admin'
  | 'city-admin'
  | 'county-admin'
  | 'school-admin'
  | 'group-leader'
  | 'teacher'
  | 'inspector'
  | 'auditor';

export type UnitKind = 'province' | 'city' | 'county' | 'school';

export interface SessionUser {
  sub: string;
  role: Role;
  unitId?: string;
  name?: string;
}

export interface Positioned {
  /** The read model's position the answer was read at. */
  position: number;
}

export interface TeacherCounts {
  /** 应训: the teachers required (exempt aside), from the registered teachers or a declared total. */
  required: number;
  enrolled: number;
  confirmed: number;
  pointsSelected: number;
  onlinePassed: number;
  assessed: number;
  passed: number;
  excellent: number;
  /** Finished as the rulebook says (passed where it grades). */
  trained: number;
  certified: number;
}

export interface Rates {
  /** 参训率: enrolled ÷ required */
  participationPercent: number | null;
  /** 合格率: passed ÷ assessed */
  passPercent: number | null;
  /** 完成率: trained ÷ required */
  completionPercent: number | null;
}

export interface ProgressFigures {
  teachers: TeacherCounts;
  requiredSource: 'registered' | 'declared' | 'mixed' | 'none';
  rates: Rates;
  /** The batch's coverage target now, in percent of the teachers required. */
  target: { percent: number; aimPercent: number | null; asOf: string };
  /** 完成率 under the target, and by how many points. */
  behind: boolean;
  behindByPoints: number;
  hoursCredited: { total: number; byCategory: Record<string, number> };
  excellentVideos: { total: number; bySubject: Record<string, number> };
  schools: { total: number; closed: number };
  seatTotals: { received: number; handedOn: number; used: number; left: number | null };
}

export interface SeatsOfPeriod {
  periodId: string;
  received: number;
  handedOn: number;
  used: number;
  left: number | null;
}

export type ClosureStatus =
  'not-taking-part' | 'open' | 'plan-uploaded' | 'applied' | 'approved' | 'rejected' | 'closed';

export interface SchoolClosure {
  status: ClosureStatus | string;
  dates: Record<string, string>;
  planDocumentRef?: string | null;
  groupVideos?: number;
  application?: unknown;
  rejectionReason?: string | null;
  signedDocumentRef?: string | null;
}

export interface UnitProgress extends ProgressFigures, Positioned {
  unitId: string;
  name: string;
  kind: UnitKind;
  batchId: string;
  seats: SeatsOfPeriod[];
  closure?: SchoolClosure;
}

export interface ChildProgress extends ProgressFigures {
  unitId: string;
  name: string;
  kind: UnitKind;
}

export interface UnitChildren extends Positioned {
  unitId: string;
  name: string;
  kind: UnitKind;
  batchId: string;
  /** From the caller's own unit down to this one. */
  path: UnitRef[];
  /** The batch's coverage target now: what every unit is held to today. */
  targetPercent: number;
  children: ChildProgress[];
}

export interface TrendWeek {
  week: string;
  endsOn: string;
  required: number;
  enrolled: number;
  passed: number;
  trained: number;
  certified: number;
  completionPercent: number | null;
  targetPercent: number;
}

export interface UnitTrend extends Positioned {
  unitId: string;
  name: string;
  kind: UnitKind;
  batchId: string;
  weeks: TrendWeek[];
}

export interface PilotSchool {
  schoolId: string;
  name: string;
  parentId: string | null;
  parentName: string | null;
  /** 'programme': the programme owner's own pilot; 'county': its county's. */
  scope: 'programme' | 'county';
  finishBy: string;
  designatedAt: string;
  closureStatus: string;
  closedAt: string | null;
  late: boolean;
}

export interface UnitPilotSchools extends Positioned {
  unitId: string;
  name: string;
  kind: UnitKind;
  batchId: string;
  rule: { ownerPilots: number; perCounty: number; dueBy: string } | null;
  countiesShort: { unitId: string; name: string; pilots: number; required: number }[];
  total: number;
  closed: number;
  late: number;
  pilots: PilotSchool[];
}

export interface BatchPeriod {
  periodId: string;
  startsOn: string;
  endsOn: string;
}

export interface BatchSummary {
  batchId: string;
  name: string;
  programmeId: string;
  programmeName: string | null;
  provinceId: string;
  rulebookId: string;
  startsOn: string;
  endsOn: string;
  sharePercent: number;
  periods: BatchPeriod[];
}

export interface QuotaPeriod extends BatchPeriod {
  received: number;
  handedOn: number;
  handedOnTo: { unitId: string; name: string | null; seats: number }[];
  used: number;
  left: number | null;
}

export interface UnitQuota extends Positioned {
  unitId: string;
  name: string;
  kind: UnitKind;
  batchId: string;
  periods: QuotaPeriod[];
}

export type Grade = 'fail' | 'pass' | 'excellent';

export interface HourSource {
  category: string;
  hours: number;
  source: 'course-platform' | 'school' | string;
  recordId?: string;
  courseId?: string;
  recordedBy?: string;
  at: string;
}

export interface TranscriptBatch {
  batchId: string;
  periodId: string;
  schoolId: string;
  status: string;
  enrolledAt: string;
  confirmedAt: string | null;
  hours: {
    total: number;
    byCategory: Record<string, number>;
    online: { credited: number; passed: boolean; category: string };
    sources: HourSource[];
  };
  abilityPoints: {
    points: string[];
    selectedBy: string;
    selectedAt: string;
    grades: Record<string, Grade | null> | unknown;
  } | null;
  grade: Grade | null;
  certificate: {
    code: string;
    status: 'valid' | 'revoked';
    issuedAt: string;
    totalHours: number;
    grade: Grade | null;
  } | null;
}

export interface Transcript extends Positioned {
  teacherId: string;
  name: string;
  idNumberMasked: string;
  gender: string;
  stage: string;
  subject: string;
  fullTime: boolean;
  schoolId: string;
  batches: TranscriptBatch[];
}

export interface CertificateCheck {
  code: string;
  status: 'valid' | 'revoked';
  revokedAt?: string;
  holder: string;
  batchId: string;
  hours: Record<string, number>;
  totalHours: number;
  grade: Grade | null;
  issuedAt: string;
}

export interface CommandResult {
  commandId: string;
  streamId: string;
  version: number;
  position: number;
  events: ({ type: string } & Record<string, unknown>)[];
}

export interface UnitRef {
  unitId: string;
  name: string;
  kind: UnitKind;
}

/** Where a teacher stands in a batch, as the teachers view names it. */
export type TeacherStatus =
  'not-enrolled' | 'not-confirmed' | 'no-points' | 'online-not-passed' | 'awaiting-grade' | 'failed' | 'trained';

export const TEACHER_STATUSES: readonly TeacherStatus[] = [
  'not-enrolled',
  'not-confirmed',
  'no-points',
  'online-not-passed',
  'awaiting-grade',
  'failed',
  'trained',
];

export interface TeacherListRow {
  teacherId: string;
  name: string;
  schoolId: string;
  schoolName?: string | null;
  subject?: string;
  stage?: string;
  idNumberMasked?: string;
  status: TeacherStatus;
  /** When the teacher's own choice of ability points closes (null: no deadline, or chosen). */
  abilityPointDeadline?: string | null;
}

export interface TeacherList extends Positioned {
  unitId: string;
  name: string;
  kind: UnitKind;
  batchId: string;
  /** Teachers in each status over the whole unit, whatever the filter. */
  counts: Record<TeacherStatus, number>;
  total: number;
  page: number;
  pageSize: number;
  teachers: TeacherListRow[];
}

export interface InspectionSample extends Positioned {
  sampleId: string;
  batchId: string;
  scopeUnitId: string;
  seed: string | number;
  ratePercent: number;
  rule: unknown;
  algorithm: string;
  candidatesTotal: number;
  size: number;
  drawnAt: string;
  schools: { schoolId: string; name?: string; finding: { outcome: string; notes: string } | null }[];
  findings: { schoolId: string; outcome: string; notes: string }[];
}

export interface AuditEvent {
  streamId?: string;
  revision: number;
  position: number;
  type: string;
  data: unknown;
  metadata: Record<string, unknown> & { businessTime?: string; actor?: { sub?: string; role?: string } };
}
