import { Decider } from '../shared/decider';
import { assertNever } from '../shared/rule-violation';
import { BatchState } from '../programme/batch';
import { Rulebook } from '../programme/rulebook';
import { excellentVideosRequired, meetsClosureThreshold, meetsPlanThreshold } from '../programme/rulebook-queries';
import {
  ApplyForClosure,
  ApproveClosure,
  CloseSchool,
  ClosureDecisionData,
  RejectClosure,
  SchoolClosureCommand,
  SchoolClosureTarget,
  SubmitGroupVideo,
  UploadExcellentVideo,
  UploadSchoolPlan,
} from './school-closure.commands';
import {
  closureThresholdNotMet,
  excellentVideosShort,
  notApplied,
  notApproved,
  notExcellent,
  planNotUploaded,
  planThresholdNotMet,
  schoolClosedViolation,
  teacherNotInSchool,
  unknownBatch,
  videoAlreadyUsed,
} from './school-closure.errors';
import {
  ClosureApplied,
  ClosureApproved,
  ClosureRejected,
  ExcellentVideoReplaced,
  ExcellentVideoUploaded,
  GroupVideoReplaced,
  GroupVideoSubmitted,
  SchoolClosed,
  SchoolClosureEvent,
  SchoolPlanReplaced,
  SchoolPlanUploaded,
} from './school-closure.events';
import {
  byCodeUnits,
  evolveSchoolClosure,
  excellentSubjects,
  excellentVideoOf,
  groupVideoOf,
  initialSchoolClosureState,
  isSchoolClosed,
  SchoolClosureState,
} from './school-closure.state';

/**
 * Facts about the school's teachers that the handler computes from their enrollment streams in
 * this batch, so the decision stays pure. For UploadSchoolPlan:
 */
export interface SchoolPlanFacts {
  /** Teachers enrolled at the school in this batch and not withdrawn. */
  enrolled: number;
  /** Of those, teachers whose ability points are chosen (by themselves or, late, by the school admin). */
  pointsChosen: number;
}

/** For UploadExcellentVideo: the named teacher's enrollment in this batch. */
export interface ExcellentVideoFacts {
  /** undefined: the teacher is not enrolled in this batch. */
  teacher: { schoolId: string; grade: 'fail' | 'pass' | 'excellent' | null } | undefined;
}

/** For ApplyForClosure. The excellent videos are not a fact: this stream itself holds them. */
export interface ClosureApplicationFacts {
  /** 参考教师: enrolled teachers with a grade (fail, pass or excellent). */
  assessed: number;
  /** 考核合格（含优秀）: of those, pass or excellent. */
  passed: number;
  /** 专任教师: the school's registered fullTimeTeachers, or else its teachers registered fullTime. */
  fullTimeTeachers: number;
  /** 每门学科: the distinct subjects of the school's teachers. */
  subjectsTaught: readonly string[];
}

/**
 * What the handler loads besides the closure stream: the batch stream (`batch-{batchId}`, folded
 * with batchEvolver) for UploadSchoolPlan and ApplyForClosure, and the facts each command needs.
 * A missing lookup is the handler's bug, not the caller's: it throws a plain Error.
 */
export interface SchoolClosureLookups {
  batch?: BatchState;
  plan?: SchoolPlanFacts;
  excellentVideo?: ExcellentVideoFacts;
  application?: ClosureApplicationFacts;
}

/** `schoolClosureDecider()` (no lookups) is enough to fold a closure stream. */
export function schoolClosureDecider(
  lookups: SchoolClosureLookups = {},
): Decider<SchoolClosureCommand, SchoolClosureEvent, SchoolClosureState> {
  return {
    decide: (command, state) => {
      switch (command.type) {
        case 'UploadSchoolPlan':
          return decideUploadSchoolPlan(
            command,
            state,
            required(lookups.batch, 'batch'),
            required(lookups.plan, 'plan'),
          );
        case 'SubmitGroupVideo':
          return decideSubmitGroupVideo(command, state);
        case 'UploadExcellentVideo':
          return decideUploadExcellentVideo(command, state, required(lookups.excellentVideo, 'excellentVideo'));
        case 'ApplyForClosure':
          return decideApplyForClosure(
            command,
            state,
            required(lookups.batch, 'batch'),
            required(lookups.application, 'application'),
          );
        case 'ApproveClosure':
          return decideApproveClosure(command, state);
        case 'RejectClosure':
          return decideRejectClosure(command, state);
        case 'CloseSchool':
          return decideCloseSchool(command, state);
        default:
          return assertNever(command);
      }
    },
    evolve: evolveSchoolClosure,
    initialState: initialSchoolClosureState,
  };
}

/**
 * Refuses SCHOOL_CLOSED, UNKNOWN_BATCH, then PLAN_THRESHOLD_NOT_MET (Jiangsu: ≥90% of enrolled
 * teachers have chosen points; none enrolled never meets it; a rulebook without the rule lets the
 * plan in at any time). The plan already on record appends nothing; another document replaces it.
 */
export function decideUploadSchoolPlan(
  command: UploadSchoolPlan,
  state: SchoolClosureState,
  batch: BatchState,
  facts: SchoolPlanFacts,
): (SchoolPlanUploaded | SchoolPlanReplaced)[] {
  const { batchId, schoolId, documentRef } = command.data;
  refuseIfClosed(state, command.data);
  if (state.planDocumentRef === documentRef) return [];
  const rulebook = rulebookOf(batch, batchId);
  if (!meetsPlanThreshold(rulebook, { picked: facts.pointsChosen, enrolled: facts.enrolled })) {
    throw planThresholdNotMet(facts.pointsChosen, facts.enrolled, rulebook.planThresholdPercent);
  }
  const data = { batchId, schoolId, documentRef };
  return state.planDocumentRef === null
    ? [{ type: 'SchoolPlanUploaded', data }]
    : [{ type: 'SchoolPlanReplaced', data: { ...data, previousDocumentRef: state.planDocumentRef } }];
}

/**
 * 提交其中1份视频: a group has one video. The same video again appends nothing; another one
 * replaces it (the leader corrects a wrong upload) until the school closes. Group videos are not
 * a closure condition: the seed ties no threshold to them and the school's groups are not known here.
 */
export function decideSubmitGroupVideo(
  command: SubmitGroupVideo,
  state: SchoolClosureState,
): (GroupVideoSubmitted | GroupVideoReplaced)[] {
  const { batchId, schoolId, groupId, videoRef } = command.data;
  refuseIfClosed(state, command.data);
  const current = groupVideoOf(state, groupId);
  if (current?.videoRef === videoRef) return [];
  const data = { batchId, schoolId, groupId, videoRef };
  return current === undefined
    ? [{ type: 'GroupVideoSubmitted', data }]
    : [{ type: 'GroupVideoReplaced', data: { ...data, previousVideoRef: current.videoRef } }];
}

/**
 * Refuses SCHOOL_CLOSED, TEACHER_NOT_IN_SCHOOL, NOT_EXCELLENT (only 考核为优秀 work is uploaded),
 * then VIDEO_ALREADY_USED. One video per teacher and subject: the same one again appends nothing,
 * another replaces it. The subject is the admin's word (a teacher may teach more than the subject
 * registered), compared exactly as written.
 */
export function decideUploadExcellentVideo(
  command: UploadExcellentVideo,
  state: SchoolClosureState,
  facts: ExcellentVideoFacts,
): (ExcellentVideoUploaded | ExcellentVideoReplaced)[] {
  const { batchId, schoolId, teacherId, subject, videoRef } = command.data;
  refuseIfClosed(state, command.data);
  const current = excellentVideoOf(state, teacherId, subject);
  if (current?.videoRef === videoRef) return [];
  if (facts.teacher === undefined || facts.teacher.schoolId !== schoolId) {
    throw teacherNotInSchool(teacherId, schoolId, facts.teacher?.schoolId ?? null);
  }
  if (facts.teacher.grade !== 'excellent') throw notExcellent(teacherId, facts.teacher.grade);
  const elsewhere = state.excellentVideos.find((video) => video.videoRef === videoRef);
  if (elsewhere !== undefined) throw videoAlreadyUsed(videoRef, elsewhere.teacherId, elsewhere.subject);
  const data = { batchId, schoolId, teacherId, subject, videoRef };
  return current === undefined
    ? [{ type: 'ExcellentVideoUploaded', data }]
    : [{ type: 'ExcellentVideoReplaced', data: { ...data, previousVideoRef: current.videoRef } }];
}

/**
 * Refuses SCHOOL_CLOSED, PLAN_NOT_UPLOADED, UNKNOWN_BATCH, CLOSURE_THRESHOLD_NOT_MET (pass +
 * excellent ≥ the rulebook's share of those assessed; none assessed never meets a threshold; a
 * rulebook without one sets no pass condition), then EXCELLENT_VIDEOS_SHORT (videos ≥ ⌈share ×
 * full-time teachers⌉ and, where the rulebook says so, every subject taught covered; no rule, no
 * condition). An application pending or approved appends nothing; after a rejection the school
 * applies again and is checked afresh.
 */
export function decideApplyForClosure(
  command: ApplyForClosure,
  state: SchoolClosureState,
  batch: BatchState,
  facts: ClosureApplicationFacts,
): ClosureApplied[] {
  const { batchId, schoolId } = command.data;
  refuseIfClosed(state, command.data);
  if (state.status === 'applied' || state.status === 'approved') return [];
  if (state.planDocumentRef === null) throw planNotUploaded(schoolId);
  const rulebook = rulebookOf(batch, batchId);
  if (!meetsClosureThreshold(rulebook, facts)) {
    throw closureThresholdNotMet(facts.passed, facts.assessed, rulebook.closureThresholdPercent);
  }
  const videosRequired = excellentVideosRequired(rulebook, facts.fullTimeTeachers);
  const covered = excellentSubjects(state);
  const subjectsTaught = [...new Set(facts.subjectsTaught)].sort(byCodeUnits);
  checkExcellentVideos(rulebook, state, facts.fullTimeTeachers, videosRequired, subjectsTaught, covered);
  return [
    {
      type: 'ClosureApplied',
      data: {
        batchId,
        schoolId,
        rulebookId: rulebook.id,
        assessed: facts.assessed,
        passed: facts.passed,
        closureThresholdPercent: rulebook.closureThresholdPercent,
        fullTimeTeachers: facts.fullTimeTeachers,
        subjectsTaught,
        excellentVideos: state.excellentVideos.length,
        excellentVideosRequired: videosRequired,
        excellentSubjects: covered,
      },
    },
  ];
}

/** Refuses SCHOOL_CLOSED, then NOT_APPLIED unless an application awaits; approving twice appends nothing. */
export function decideApproveClosure(command: ApproveClosure, state: SchoolClosureState): ClosureApproved[] {
  refuseIfClosed(state, command.data);
  if (state.status === 'approved') return [];
  if (state.status !== 'applied') throw notApplied(command.data.schoolId, state.status);
  return [{ type: 'ClosureApproved', data: decisionData(command.data) }];
}

/**
 * Refuses SCHOOL_CLOSED, then NOT_APPLIED unless an application awaits (an approval is final:
 * the county cannot reject what it accepted); rejecting twice appends nothing.
 */
export function decideRejectClosure(command: RejectClosure, state: SchoolClosureState): ClosureRejected[] {
  refuseIfClosed(state, command.data);
  if (state.status === 'rejected') return [];
  if (state.status !== 'applied') throw notApplied(command.data.schoolId, state.status);
  return [{ type: 'ClosureRejected', data: decisionData(command.data) }];
}

/** Refuses SCHOOL_CLOSED (also for a retry: the school is frozen), then NOT_APPROVED. */
export function decideCloseSchool(command: CloseSchool, state: SchoolClosureState): SchoolClosed[] {
  const { batchId, schoolId, signedDocumentRef } = command.data;
  refuseIfClosed(state, command.data);
  if (state.status !== 'approved') throw notApproved(schoolId, state.status);
  return [{ type: 'SchoolClosed', data: { batchId, schoolId, signedDocumentRef } }];
}

function checkExcellentVideos(
  rulebook: Rulebook,
  state: SchoolClosureState,
  fullTimeTeachers: number,
  videosRequired: number,
  subjectsTaught: string[],
  covered: string[],
): void {
  const rule = rulebook.excellentVideos;
  if (rule === null) return;
  const uploaded = state.excellentVideos.length;
  const short = Math.max(videosRequired - uploaded, 0);
  const missingSubjects = rule.everySubject ? subjectsTaught.filter((subject) => !covered.includes(subject)) : [];
  if (short > 0 || missingSubjects.length > 0) {
    throw excellentVideosShort({
      required: videosRequired,
      uploaded,
      short,
      missingSubjects,
      fullTimeTeachers,
      requiredPercent: rule.minPercentOfFullTimeTeachers,
    });
  }
}

function refuseIfClosed(state: SchoolClosureState, target: SchoolClosureTarget): void {
  if (isSchoolClosed(state)) throw schoolClosedViolation(target.batchId, target.schoolId);
}

function rulebookOf(batch: BatchState, batchId: string): Rulebook {
  if (batch.status !== 'scheduled') throw unknownBatch(batchId);
  return batch.rulebook;
}

/** Copies only the known fields; an absent reason stays absent, so events survive a JSON round trip. */
function decisionData(data: ClosureDecisionData): ClosureDecisionData {
  return {
    batchId: data.batchId,
    schoolId: data.schoolId,
    ...(data.reason !== undefined ? { reason: data.reason } : {}),
  };
}

function required<T>(value: T | undefined, name: keyof SchoolClosureLookups): T {
  if (value === undefined) throw new Error(`The handler must supply the ${name} lookup for this command`);
  return value;
}
