import { Decider } from '../shared/decider';
import { assertNever } from '../shared/rule-violation';
import { BatchState, requireBatchRunning, requireInsideProgramme, ScheduledBatchState } from '../programme/batch';
import { Rulebook } from '../programme/rulebook';
import { isCalendarDate } from '../shared/calendar';
import { Actor } from '../shared/messages';
import { NotPermitted } from '../shared/rule-violation';
import { excellentVideosRequired, meetsClosureThreshold, meetsPlanThreshold } from '../programme/rulebook-queries';
import {
  ApplyForClosure,
  ApproveClosure,
  CloseSchool,
  ClosureDecisionData,
  DesignatePilotSchool,
  RejectClosure,
  SchoolClosureCommand,
  SchoolClosureTarget,
  SubmitGroupVideo,
  UploadExcellentVideo,
  UploadSchoolPlan,
} from './school-closure.commands';
import {
  assessmentIncomplete,
  badDate,
  closureThresholdNotMet,
  excellentVideosShort,
  noClosure,
  unknownSchool,
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
  PilotSchoolDesignated,
  PilotScope,
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
  /**
   * 参考教师 (整校推进): every active enrolled teacher of the school, withdrawn teachers and exempt
   * volunteers aside — not only those graded so far.
   */
  candidates: number;
  /** Of those, teachers with a grade (fail, pass or excellent). */
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
  /** For DesignatePilotSchool: the school's org-unit stream, folded (a folded OrgUnitState fits). */
  school?: PilotSchoolLookup;
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
        case 'DesignatePilotSchool':
          return decideDesignatePilotSchool(
            command,
            state,
            required(lookups.batch, 'batch'),
            required(lookups.school, 'school'),
          );
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
 * Refuses SCHOOL_CLOSED, PLAN_NOT_UPLOADED, UNKNOWN_BATCH, NO_CLOSURE (the rulebook has no 结项),
 * BATCH_ENDED, ASSESSMENT_INCOMPLETE (整校推进, where the rulebook asks every 参考教师 graded
 * first), CLOSURE_THRESHOLD_NOT_MET (pass + excellent ≥ the rulebook's share of the 参考教师 —
 * every active enrolled teacher, not only those graded; none never meets a threshold; a rulebook
 * without one sets no pass condition), then EXCELLENT_VIDEOS_SHORT (videos ≥ ⌈share × full-time
 * teachers⌉ and, where the rulebook says so, every subject taught covered; no rule, no condition).
 * An application pending or approved appends nothing; after a rejection the school applies again
 * and is checked afresh.
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
  if (rulebook.closure === null) throw noClosure(rulebook.id);
  requireBatchRunning(scheduled(batch, batchId), command.metadata.now);
  if (rulebook.closure.allAssessedFirst && facts.assessed < facts.candidates) {
    throw assessmentIncomplete(facts.candidates, facts.assessed);
  }
  if (!meetsClosureThreshold(rulebook, facts)) {
    throw closureThresholdNotMet(facts.passed, facts.candidates, facts.assessed, rulebook.closureThresholdPercent);
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
        candidates: facts.candidates,
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
  return [{ type: 'SchoolClosed', data: { batchId, schoolId, signedDocumentRef, closedAt: command.metadata.now } }];
}

/** A school as the organisation context tells it; a folded OrgUnitState fits as it is. */
export type PilotSchoolLookup =
  { status: 'unregistered' } | { status: 'registered'; unitId: string; kind: string; ancestry: string[] };

/**
 * Makes the school a pilot of the batch, due by `finishBy`. The admin of the programme's owner
 * designates the owner's own pilots (scope 'programme'); a city or county admin beneath it
 * designates its county's (scope 'county'); a province admin may act only as the owner.
 * Refuses SCHOOL_CLOSED, UNKNOWN_BATCH, UNKNOWN_SCHOOL, OUTSIDE_PROGRAMME, BAD_DATE, and
 * NotPermitted (403) for a province admin of a city's programme. The same designation again
 * appends nothing; another finishBy re-dates the pilot.
 */
export function decideDesignatePilotSchool(
  command: DesignatePilotSchool,
  state: SchoolClosureState,
  batch: BatchState,
  school: PilotSchoolLookup,
): PilotSchoolDesignated[] {
  const { batchId, schoolId, finishBy } = command.data;
  refuseIfClosed(state, command.data);
  const running = scheduled(batch, batchId);
  if (school.status !== 'registered' || school.kind !== 'school') throw unknownSchool(schoolId);
  if (school.unitId !== schoolId) throw new Error(`Loaded school ${school.unitId} but the command names ${schoolId}`);
  requireInsideProgramme(running, schoolId, [...school.ancestry, schoolId]);
  if (!isCalendarDate(finishBy)) throw badDate('finishBy', finishBy);
  const scope = pilotScopeOf(running, command.metadata.actor);
  const current = state.pilot ?? null;
  if (current !== null && current.finishBy === finishBy && current.scope === scope) return [];
  return [
    {
      type: 'PilotSchoolDesignated',
      data: { batchId, schoolId, finishBy, scope, designatedAt: command.metadata.now },
    },
  ];
}

function pilotScopeOf(batch: ScheduledBatchState, actor: Actor): PilotScope {
  const owner = batch.ownerUnitId;
  const isOwner = owner === null ? actor.role === 'province-admin' || actor.role === 'system' : actor.unitId === owner;
  if (actor.role === 'system') return isOwner || actor.unitId === undefined ? 'programme' : 'county';
  if (isOwner) return 'programme';
  if (actor.role === 'province-admin') {
    throw new NotPermitted(
      `Pilots of batch ${batch.batchId} are designated by ${owner}, which runs it, or beneath it`,
      {
        ownerUnitId: owner,
      },
    );
  }
  return 'county';
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
  return scheduled(batch, batchId).rulebook;
}

function scheduled(batch: BatchState, batchId: string): ScheduledBatchState {
  if (batch.status !== 'scheduled') throw unknownBatch(batchId);
  return batch;
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
