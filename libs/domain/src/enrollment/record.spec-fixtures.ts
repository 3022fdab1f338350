/**
 * For specs only (not exported): one teacher's record in one batch, as the events its stream
 * holds, and a Decider over that one stream that calls a real decision with the batch as its
 * lookup — so given/when/then drives exactly the function production runs.
 */
import { Decider } from '../shared/decider';
import { Actor } from '../shared/messages';
import { BatchState } from '../programme/batch';
import { Command } from '../shared/messages';
import { EnrollmentContext } from './enrollment.context';
import { ActorRef, EnrollmentEvent } from './enrollment.events';
import { Grade } from './enrollment.commands';
import { enrollmentRulesOf } from './enrollment.rules';
import { EnrollmentState, evolveEnrollment, initialEnrollment } from './enrollment.state';

export const actors = {
  teacher: (teacherId = 'T1', schoolId = 'S1'): Actor => ({ sub: teacherId, role: 'teacher', unitId: schoolId }),
  school: (schoolId = 'S1'): Actor => ({ sub: `admin-${schoolId}`, role: 'school-admin', unitId: schoolId }),
  leader: { sub: 'leader-1', role: 'group-leader', unitId: 'S1' } as Actor,
  county: (unitId = 'C1'): Actor => ({ sub: `admin-${unitId}`, role: 'county-admin', unitId }),
  city: (unitId: string): Actor => ({ sub: `admin-${unitId}`, role: 'city-admin', unitId }),
  province: (unitId: string): Actor => ({ sub: `admin-${unitId}`, role: 'province-admin', unitId }),
  platform: { sub: 'course-platform', role: 'system' } as Actor,
};

export const refOf = (actor: Actor): ActorRef => ({ sub: actor.sub, role: actor.role });

/** A Decider over one enrollment stream: the real decision, the batch as its lookup, the school open. */
export function recordDecider<C extends Command>(
  batch: BatchState,
  decide: (command: C, context: EnrollmentContext) => EnrollmentEvent[],
): Decider<C, EnrollmentEvent, EnrollmentState> {
  return {
    decide: (command, enrollment) => decide(command, { enrollment, batch, schoolClosed: false }),
    evolve: evolveEnrollment,
    initialState: initialEnrollment,
  };
}

export function foldRecord(events: EnrollmentEvent[]): EnrollmentState {
  return events.reduce(evolveEnrollment, initialEnrollment());
}

/** The events of teacher `teacherId` at school `schoolId` in the batch. */
export function recordOf(batch: BatchState, teacherId = 'T1', schoolId = 'S1') {
  if (batch.status !== 'scheduled') throw new Error('A record needs a scheduled batch');
  const { batchId, rulebook } = batch;
  const periodId = batch.periods[0].periodId;
  return {
    batchId,
    periodId,
    enrolled: (at: string, options: { voluntary?: boolean } = {}): EnrollmentEvent => ({
      type: 'TeacherEnrolled',
      data: {
        batchId,
        periodId,
        teacherId,
        schoolId,
        fullTime: true,
        enrolledAt: at,
        rules: enrollmentRulesOf(rulebook),
        voluntary: options.voluntary ?? false,
      },
    }),
    selected: (points: string[], at: string): EnrollmentEvent => ({
      type: 'AbilityPointsSelected',
      data: { batchId, teacherId, points, selectedBy: refOf(actors.teacher(teacherId, schoolId)), selectedAt: at },
    }),
    online: (recordId: string, hours: number, at: string): EnrollmentEvent => ({
      type: 'OnlineHoursRecorded',
      data: {
        batchId,
        teacherId,
        recordId,
        courseId: 'C-1',
        category: rulebook.onlineStudy?.categoryId ?? 'online',
        hours,
        recordedAt: at,
      },
    }),
    submitted: (abilityPoint: string, evidenceRef: string, at: string): EnrollmentEvent => ({
      type: 'PracticeEvidenceSubmitted',
      data: { batchId, teacherId, abilityPoint, evidenceRef, submittedAt: at },
    }),
    reviewed: (videoId: string, at: string): EnrollmentEvent => ({
      type: 'PeerReviewRecorded',
      data: { batchId, teacherId, videoId, comment: '受益匪浅', reviewedAt: at },
    }),
    assessed: (
      abilityPoint: string,
      evidenceRefs: string[],
      grades: { grade: Grade; attempt: number; pointGrade: Grade | null; overallGrade: Grade | null },
      at: string,
      by: Actor = actors.leader,
    ): EnrollmentEvent => ({
      type: 'PracticeAssessed',
      data: { batchId, teacherId, abilityPoint, evidenceRefs, ...grades, assessedBy: refOf(by), assessedAt: at },
    }),
    offline: (category: string, hours: number, at: string, by: Actor = actors.school(schoolId)): EnrollmentEvent => ({
      type: 'OfflineHoursRecorded',
      data: { batchId, teacherId, category, hours, recordedBy: refOf(by), recordedAt: at },
    }),
  };
}
