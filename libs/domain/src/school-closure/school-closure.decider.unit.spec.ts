import { fold } from '../shared/decider';
import { specFor } from '../shared/given-when-then';
import { CommandMetadata } from '../shared/messages';
import { RuleViolation } from '../shared/rule-violation';
import { batchEvolver, BatchState } from '../programme/batch';
import { BatchScheduled } from '../programme/programme.events';
import { Rulebook } from '../programme/rulebook';
import { presetRulebook } from '../programme/rulebook-presets';
import {
  ApplyForClosure,
  ApproveClosure,
  CloseSchool,
  RejectClosure,
  SchoolClosureCommand,
  SubmitGroupVideo,
  UploadExcellentVideo,
  UploadSchoolPlan,
} from './school-closure.commands';
import {
  ClosureApplicationFacts,
  ExcellentVideoFacts,
  SchoolClosureLookups,
  schoolClosureDecider,
} from './school-closure.decider';
import { ClosureAppliedData, SchoolClosureEvent } from './school-closure.events';
import { isSchoolClosed, schoolClosureStreamId } from './school-closure.state';

const BATCH = 'JS-B1';
const SCHOOL = 'XW-01';

const metadata: CommandMetadata = {
  now: '2021-06-01T09:00:00+08:00',
  actor: { sub: 'admin-xw01', role: 'school-admin', unitId: SCHOOL },
};

function scheduled(rulebook: Rulebook): BatchState {
  const event: BatchScheduled = {
    type: 'BatchScheduled',
    data: {
      programmeId: 'PG',
      batchId: BATCH,
      name: '第一批次',
      startsOn: '2020-11-01',
      endsOn: '2021-10-31',
      sharePercent: 20,
      periods: [{ periodId: 'P1', startsOn: '2020-11-01', endsOn: '2020-11-30' }],
      rulebook,
    },
  };
  return fold(batchEvolver, [event]);
}

const jiangsu = scheduled(presetRulebook('jiangsu-2.0'));
const unscheduled: BatchState = { status: 'unscheduled' };

// A Jiangsu school of 10 full-time teachers in three subjects: ⌈30% × 10⌉ = 3 videos, one per subject.
const SUBJECTS = ['数学', '英语', '语文'];
const excellentTeacher: ExcellentVideoFacts = { teacher: { schoolId: SCHOOL, grade: 'excellent' } };
const readyToClose: ClosureApplicationFacts = {
  candidates: 20,
  assessed: 20,
  passed: 18,
  fullTimeTeachers: 10,
  subjectsTaught: SUBJECTS,
};

const lookups: SchoolClosureLookups = {
  batch: jiangsu,
  plan: { enrolled: 10, pointsChosen: 9 },
  excellentVideo: excellentTeacher,
  application: readyToClose,
};
const given = (...events: SchoolClosureEvent[]) => specFor(schoolClosureDecider(lookups))(...events);
const givenWith =
  (overrides: SchoolClosureLookups) =>
  (...events: SchoolClosureEvent[]) =>
    specFor(schoolClosureDecider({ ...lookups, ...overrides }))(...events);

const target = { batchId: BATCH, schoolId: SCHOOL };

// Commands
const uploadPlan = (documentRef: string): UploadSchoolPlan => ({
  type: 'UploadSchoolPlan',
  data: { ...target, documentRef },
  metadata,
});
const submitGroupVideo = (groupId: string, videoRef: string): SubmitGroupVideo => ({
  type: 'SubmitGroupVideo',
  data: { ...target, groupId, videoRef },
  metadata: { ...metadata, actor: { sub: 'leader-1', role: 'group-leader', unitId: SCHOOL } },
});
const uploadExcellentVideo = (teacherId: string, subject: string, videoRef: string): UploadExcellentVideo => ({
  type: 'UploadExcellentVideo',
  data: { ...target, teacherId, subject, videoRef },
  metadata,
});
const applyForClosure = (): ApplyForClosure => ({ type: 'ApplyForClosure', data: { ...target }, metadata });
const county = { ...metadata, actor: { sub: 'admin-xw', role: 'county-admin' as const, unitId: 'xuanwu' } };
const approveClosure = (reason?: string): ApproveClosure => ({
  type: 'ApproveClosure',
  data: { ...target, ...(reason ? { reason } : {}) },
  metadata: county,
});
const rejectClosure = (reason?: string): RejectClosure => ({
  type: 'RejectClosure',
  data: { ...target, ...(reason ? { reason } : {}) },
  metadata: county,
});
const closeSchool = (signedDocumentRef: string): CloseSchool => ({
  type: 'CloseSchool',
  data: { ...target, signedDocumentRef },
  metadata,
});

// Events
const planUploaded = (documentRef: string): SchoolClosureEvent => ({
  type: 'SchoolPlanUploaded',
  data: { ...target, documentRef },
});
const groupVideoSubmitted = (groupId: string, videoRef: string): SchoolClosureEvent => ({
  type: 'GroupVideoSubmitted',
  data: { ...target, groupId, videoRef },
});
const excellentVideoUploaded = (teacherId: string, subject: string, videoRef: string): SchoolClosureEvent => ({
  type: 'ExcellentVideoUploaded',
  data: { ...target, teacherId, subject, videoRef },
});
const closureApplied = (overrides: Partial<ClosureAppliedData> = {}): SchoolClosureEvent => ({
  type: 'ClosureApplied',
  data: {
    ...target,
    rulebookId: 'jiangsu-2.0',
    candidates: 20,
    assessed: 20,
    passed: 18,
    closureThresholdPercent: 90,
    fullTimeTeachers: 10,
    subjectsTaught: SUBJECTS,
    excellentVideos: 3,
    excellentVideosRequired: 3,
    excellentSubjects: SUBJECTS,
    ...overrides,
  },
});
const closureApproved = (reason?: string): SchoolClosureEvent => ({
  type: 'ClosureApproved',
  data: { ...target, ...(reason ? { reason } : {}) },
});
const closureRejected = (reason?: string): SchoolClosureEvent => ({
  type: 'ClosureRejected',
  data: { ...target, ...(reason ? { reason } : {}) },
});
const schoolClosed = (signedDocumentRef: string): SchoolClosureEvent => ({
  type: 'SchoolClosed',
  data: { ...target, signedDocumentRef, closedAt: metadata.now },
});

/** The histories the state machine passes through. */
const threeVideos = [
  excellentVideoUploaded('T-01', '语文', 'v-yw'),
  excellentVideoUploaded('T-02', '数学', 'v-sx'),
  excellentVideoUploaded('T-03', '英语', 'v-yy'),
];
const withPlan = [planUploaded('plan-v1'), ...threeVideos];
const applied = [...withPlan, closureApplied()];
const approved = [...applied, closureApproved()];
const rejected = [...applied, closureRejected('视频未覆盖全部学科')];
const closed = [...approved, schoolClosed('signed-1.jpg')];

describe('School closure', () => {
  it('lives on one stream per school per batch', () => {
    expect(schoolClosureStreamId('JS-B1', 'XW-01')).toBe('school-closure-JS-B1:XW-01');
  });

  describe('when open', () => {
    it('uploads the plan once 90% of the enrolled teachers have chosen points', () => {
      given().when(uploadPlan('plan-v1')).then(planUploaded('plan-v1'));
    });

    it('uploads the plan when every enrolled teacher has chosen', () => {
      givenWith({ plan: { enrolled: 10, pointsChosen: 10 } })()
        .when(uploadPlan('plan-v1'))
        .then(planUploaded('plan-v1'));
    });

    it('refuses the plan while fewer than 90% have chosen, naming the counts', () => {
      givenWith({ plan: { enrolled: 10, pointsChosen: 8 } })()
        .when(uploadPlan('plan-v1'))
        .thenRefuses('PLAN_THRESHOLD_NOT_MET', { chosen: 8, enrolled: 10, requiredPercent: 90 });
    });

    it('refuses the plan just under 90% (89 of 100)', () => {
      givenWith({ plan: { enrolled: 100, pointsChosen: 89 } })()
        .when(uploadPlan('plan-v1'))
        .thenRefuses('PLAN_THRESHOLD_NOT_MET');
    });

    it('refuses the plan of a school with nobody enrolled', () => {
      givenWith({ plan: { enrolled: 0, pointsChosen: 0 } })()
        .when(uploadPlan('plan-v1'))
        .thenRefuses('PLAN_THRESHOLD_NOT_MET', { chosen: 0, enrolled: 0, requiredPercent: 90 });
    });

    it('refuses the plan in a batch that is not scheduled', () => {
      givenWith({ batch: unscheduled })().when(uploadPlan('plan-v1')).thenRefuses('UNKNOWN_BATCH', { batchId: BATCH });
    });

    it('refuses to apply for closure before any plan', () => {
      given(...threeVideos)
        .when(applyForClosure())
        .thenRefuses('PLAN_NOT_UPLOADED', { schoolId: SCHOOL });
    });

    it('refuses to approve or reject what nobody applied for', () => {
      given().when(approveClosure()).thenRefuses('NOT_APPLIED', { schoolId: SCHOOL, status: 'open' });
      given().when(rejectClosure()).thenRefuses('NOT_APPLIED', { status: 'open' });
    });

    it('refuses to close without the county’s approval', () => {
      given().when(closeSchool('signed-1.jpg')).thenRefuses('NOT_APPROVED', { schoolId: SCHOOL, status: 'open' });
    });
  });

  describe('group videos', () => {
    it('takes a group’s video', () => {
      given().when(submitGroupVideo('数学组', 'gv-1')).then(groupVideoSubmitted('数学组', 'gv-1'));
    });

    it('appends nothing for the same video again', () => {
      given(groupVideoSubmitted('数学组', 'gv-1')).when(submitGroupVideo('数学组', 'gv-1')).thenNothingHappens();
    });

    it('keeps one video per group: another one replaces it', () => {
      given(groupVideoSubmitted('数学组', 'gv-1'))
        .when(submitGroupVideo('数学组', 'gv-2'))
        .then({
          type: 'GroupVideoReplaced',
          data: { ...target, groupId: '数学组', videoRef: 'gv-2', previousVideoRef: 'gv-1' },
        });
    });

    it('keeps each group’s video apart', () => {
      given(groupVideoSubmitted('数学组', 'gv-1'))
        .when(submitGroupVideo('语文组', 'gv-9'))
        .then(groupVideoSubmitted('语文组', 'gv-9'));
    });

    it('folds to one video per group', () => {
      const state = fold(schoolClosureDecider(), [
        groupVideoSubmitted('数学组', 'gv-1'),
        groupVideoSubmitted('语文组', 'gv-9'),
        {
          type: 'GroupVideoReplaced',
          data: { ...target, groupId: '数学组', videoRef: 'gv-2', previousVideoRef: 'gv-1' },
        },
      ]);
      expect(state.groupVideos).toEqual([
        { groupId: '数学组', videoRef: 'gv-2' },
        { groupId: '语文组', videoRef: 'gv-9' },
      ]);
    });
  });

  describe('excellent videos', () => {
    it('takes an excellent teacher’s video', () => {
      given()
        .when(uploadExcellentVideo('T-01', '语文', 'v-yw'))
        .then(excellentVideoUploaded('T-01', '语文', 'v-yw'));
    });

    it.each(['pass', 'fail'] as const)('refuses the video of a teacher graded %s', (grade) => {
      givenWith({ excellentVideo: { teacher: { schoolId: SCHOOL, grade } } })()
        .when(uploadExcellentVideo('T-01', '语文', 'v-yw'))
        .thenRefuses('NOT_EXCELLENT', { teacherId: 'T-01', grade });
    });

    it('refuses the video of a teacher not yet assessed', () => {
      givenWith({ excellentVideo: { teacher: { schoolId: SCHOOL, grade: null } } })()
        .when(uploadExcellentVideo('T-01', '语文', 'v-yw'))
        .thenRefuses('NOT_EXCELLENT', { teacherId: 'T-01', grade: null });
    });

    it('refuses the video of another school’s teacher', () => {
      givenWith({ excellentVideo: { teacher: { schoolId: 'XW-02', grade: 'excellent' } } })()
        .when(uploadExcellentVideo('T-01', '语文', 'v-yw'))
        .thenRefuses('TEACHER_NOT_IN_SCHOOL', { teacherId: 'T-01', schoolId: SCHOOL, teacherSchoolId: 'XW-02' });
    });

    it('refuses the video of a teacher not enrolled in the batch', () => {
      givenWith({ excellentVideo: { teacher: undefined } })()
        .when(uploadExcellentVideo('T-01', '语文', 'v-yw'))
        .thenRefuses('TEACHER_NOT_IN_SCHOOL', { teacherId: 'T-01', schoolId: SCHOOL });
    });

    it('appends nothing for the same video again', () => {
      given(excellentVideoUploaded('T-01', '语文', 'v-yw'))
        .when(uploadExcellentVideo('T-01', '语文', 'v-yw'))
        .thenNothingHappens();
    });

    it('replaces a teacher’s video for the same subject', () => {
      given(excellentVideoUploaded('T-01', '语文', 'v-yw'))
        .when(uploadExcellentVideo('T-01', '语文', 'v-yw-2'))
        .then({
          type: 'ExcellentVideoReplaced',
          data: { ...target, teacherId: 'T-01', subject: '语文', videoRef: 'v-yw-2', previousVideoRef: 'v-yw' },
        });
    });

    it('adds a second video for a teacher who also teaches another subject', () => {
      given(excellentVideoUploaded('T-01', '语文', 'v-yw'))
        .when(uploadExcellentVideo('T-01', '书法', 'v-sf'))
        .then(excellentVideoUploaded('T-01', '书法', 'v-sf'));
    });

    it('refuses to count one video for two teachers', () => {
      given(excellentVideoUploaded('T-01', '语文', 'v-yw'))
        .when(uploadExcellentVideo('T-02', '语文', 'v-yw'))
        .thenRefuses('VIDEO_ALREADY_USED', { videoRef: 'v-yw', teacherId: 'T-01', subject: '语文' });
    });
  });

  describe('when the plan is uploaded', () => {
    it('appends nothing for the same plan again, even if fewer have chosen since', () => {
      givenWith({ plan: { enrolled: 12, pointsChosen: 9 } })(planUploaded('plan-v1'))
        .when(uploadPlan('plan-v1'))
        .thenNothingHappens();
    });

    it('takes a revised plan in place of the first', () => {
      given(planUploaded('plan-v1'))
        .when(uploadPlan('plan-v2'))
        .then({
          type: 'SchoolPlanReplaced',
          data: { ...target, documentRef: 'plan-v2', previousDocumentRef: 'plan-v1' },
        });
    });

    it('checks a revised plan against the threshold again', () => {
      givenWith({ plan: { enrolled: 12, pointsChosen: 9 } })(planUploaded('plan-v1'))
        .when(uploadPlan('plan-v2'))
        .thenRefuses('PLAN_THRESHOLD_NOT_MET', { chosen: 9, enrolled: 12 });
    });

    it('applies for closure when 90% of the assessed pass and the videos cover every subject', () => {
      given(...withPlan)
        .when(applyForClosure())
        .then(closureApplied());
    });

    it('counts excellent teachers as passed: exactly 90% is enough', () => {
      givenWith({ application: { ...readyToClose, candidates: 10, assessed: 10, passed: 9 } })(...withPlan)
        .when(applyForClosure())
        .then(closureApplied({ candidates: 10, assessed: 10, passed: 9 }));
    });

    it('refuses closure below 90% of the 参考教师, naming the counts', () => {
      givenWith({ application: { ...readyToClose, candidates: 19, assessed: 19, passed: 17 } })(...withPlan)
        .when(applyForClosure())
        .thenRefuses('CLOSURE_THRESHOLD_NOT_MET', { passed: 17, candidates: 19, requiredPercent: 90 });
    });

    it('refuses closure when the school has no 参考教师', () => {
      givenWith({ application: { ...readyToClose, candidates: 0, assessed: 0, passed: 0 } })(...withPlan)
        .when(applyForClosure())
        .thenRefuses('CLOSURE_THRESHOLD_NOT_MET', { passed: 0, candidates: 0 });
    });

    it('refuses closure with fewer videos than 30% of the full-time teachers (⌈3.3⌉ = 4 for 11)', () => {
      givenWith({ application: { ...readyToClose, fullTimeTeachers: 11 } })(...withPlan)
        .when(applyForClosure())
        .thenRefuses('EXCELLENT_VIDEOS_SHORT', {
          required: 4,
          uploaded: 3,
          short: 1,
          missingSubjects: [],
          fullTimeTeachers: 11,
          requiredPercent: 30,
        });
    });

    it('refuses closure while a subject has no video, naming it, though the count is met', () => {
      givenWith({
        application: { ...readyToClose, fullTimeTeachers: 5, subjectsTaught: [...SUBJECTS, '美术', '体育'] },
      })(...withPlan)
        .when(applyForClosure())
        .thenRefuses('EXCELLENT_VIDEOS_SHORT', {
          required: 2,
          uploaded: 3,
          short: 0,
          missingSubjects: ['体育', '美术'],
        });
    });

    it('names both the count and the subjects short', () => {
      givenWith({ application: { ...readyToClose, subjectsTaught: [...SUBJECTS, '美术'] } })(
        planUploaded('plan-v1'),
        excellentVideoUploaded('T-01', '语文', 'v-yw'),
      )
        .when(applyForClosure())
        .thenRefuses('EXCELLENT_VIDEOS_SHORT', {
          required: 3,
          uploaded: 1,
          short: 2,
          missingSubjects: ['数学', '美术', '英语'],
        });
    });

    it('checks the pass threshold before the videos', () => {
      givenWith({ application: { ...readyToClose, passed: 1 } })(planUploaded('plan-v1'))
        .when(applyForClosure())
        .thenRefuses('CLOSURE_THRESHOLD_NOT_MET');
    });

    it('counts a subject named twice among those taught once', () => {
      givenWith({ application: { ...readyToClose, subjectsTaught: ['语文', '数学', '英语', '语文'] } })(...withPlan)
        .when(applyForClosure())
        .then(closureApplied());
    });

    it('refuses closure in a batch that is not scheduled', () => {
      givenWith({ batch: unscheduled })(...withPlan)
        .when(applyForClosure())
        .thenRefuses('UNKNOWN_BATCH');
    });
  });

  describe('when applied', () => {
    it('appends nothing when the school applies again', () => {
      given(...applied)
        .when(applyForClosure())
        .thenNothingHappens();
    });

    it('is approved by the county', () => {
      given(...applied)
        .when(approveClosure())
        .then(closureApproved());
    });

    it('is approved with the county’s remark', () => {
      given(...applied)
        .when(approveClosure('验收通过'))
        .then(closureApproved('验收通过'));
    });

    it('is rejected by the county with a reason', () => {
      given(...applied)
        .when(rejectClosure('视频未覆盖全部学科'))
        .then(closureRejected('视频未覆盖全部学科'));
    });

    it('refuses to close before the county approves', () => {
      given(...applied)
        .when(closeSchool('signed-1.jpg'))
        .thenRefuses('NOT_APPROVED', { status: 'applied' });
    });

    it('still takes videos and a revised plan: only closure freezes the school', () => {
      given(...applied)
        .when(submitGroupVideo('数学组', 'gv-1'))
        .then(groupVideoSubmitted('数学组', 'gv-1'));
      given(...applied)
        .when(uploadExcellentVideo('T-04', '语文', 'v-4'))
        .then(excellentVideoUploaded('T-04', '语文', 'v-4'));
      given(...applied)
        .when(uploadPlan('plan-v2'))
        .then({
          type: 'SchoolPlanReplaced',
          data: { ...target, documentRef: 'plan-v2', previousDocumentRef: 'plan-v1' },
        });
    });

    it('stays applied after a revised plan', () => {
      const state = fold(schoolClosureDecider(), [
        ...applied,
        { type: 'SchoolPlanReplaced', data: { ...target, documentRef: 'plan-v2', previousDocumentRef: 'plan-v1' } },
      ]);
      expect(state).toMatchObject({ status: 'applied', planDocumentRef: 'plan-v2' });
    });
  });

  describe('when rejected', () => {
    it('applies again and is checked afresh', () => {
      givenWith({ application: { ...readyToClose, candidates: 21, assessed: 21, passed: 19 } })(...rejected)
        .when(applyForClosure())
        .then(closureApplied({ candidates: 21, assessed: 21, passed: 19 }));
    });

    it('refuses the new application if the school now falls short', () => {
      givenWith({ application: { ...readyToClose, fullTimeTeachers: 20 } })(...rejected)
        .when(applyForClosure())
        .thenRefuses('EXCELLENT_VIDEOS_SHORT', { required: 6, uploaded: 3, short: 3 });
    });

    it('appends nothing when rejected again', () => {
      given(...rejected)
        .when(rejectClosure('视频未覆盖全部学科'))
        .thenNothingHappens();
    });

    it('refuses approval until the school applies again', () => {
      given(...rejected)
        .when(approveClosure())
        .thenRefuses('NOT_APPLIED', { status: 'rejected' });
    });

    it('refuses to close', () => {
      given(...rejected)
        .when(closeSchool('signed-1.jpg'))
        .thenRefuses('NOT_APPROVED', { status: 'rejected' });
    });

    it('keeps the reason until the next application', () => {
      expect(fold(schoolClosureDecider(), rejected)).toMatchObject({
        status: 'rejected',
        rejectionReason: '视频未覆盖全部学科',
      });
      expect(fold(schoolClosureDecider(), [...rejected, closureApplied()])).toMatchObject({
        status: 'applied',
        rejectionReason: null,
      });
    });
  });

  describe('when approved', () => {
    it('appends nothing when approved again or applied again', () => {
      given(...approved)
        .when(approveClosure())
        .thenNothingHappens();
      given(...approved)
        .when(applyForClosure())
        .thenNothingHappens();
    });

    it('refuses a rejection: the county’s acceptance is final', () => {
      given(...approved)
        .when(rejectClosure('改主意'))
        .thenRefuses('NOT_APPLIED', { status: 'approved' });
    });

    it('closes with the signed paper', () => {
      given(...approved)
        .when(closeSchool('signed-1.jpg'))
        .then(schoolClosed('signed-1.jpg'));
    });
  });

  describe('when closed', () => {
    const everyCommand: [string, SchoolClosureCommand][] = [
      ['UploadSchoolPlan', uploadPlan('plan-v3')],
      ['UploadSchoolPlan (the same plan)', uploadPlan('plan-v1')],
      ['SubmitGroupVideo', submitGroupVideo('数学组', 'gv-1')],
      ['UploadExcellentVideo', uploadExcellentVideo('T-09', '语文', 'v-9')],
      ['UploadExcellentVideo (the same video)', uploadExcellentVideo('T-01', '语文', 'v-yw')],
      ['ApplyForClosure', applyForClosure()],
      ['ApproveClosure', approveClosure()],
      ['RejectClosure', rejectClosure()],
      ['CloseSchool', closeSchool('signed-2.jpg')],
      ['CloseSchool (the same paper)', closeSchool('signed-1.jpg')],
    ];

    it.each(everyCommand)('refuses %s', (_name, command) => {
      given(...closed)
        .when(command)
        .thenRefuses('SCHOOL_CLOSED', { batchId: BATCH, schoolId: SCHOOL });
    });

    it('tells other contexts the school is closed', () => {
      expect(isSchoolClosed(fold(schoolClosureDecider(), closed))).toBe(true);
    });

    it('is the only state that counts as closed', () => {
      for (const history of [[], withPlan, applied, approved, rejected]) {
        expect(isSchoolClosed(fold(schoolClosureDecider(), history))).toBe(false);
      }
    });

    it('folds the whole history', () => {
      expect(fold(schoolClosureDecider(), closed)).toEqual({
        status: 'closed',
        planDocumentRef: 'plan-v1',
        groupVideos: [],
        excellentVideos: [
          { teacherId: 'T-01', subject: '语文', videoRef: 'v-yw' },
          { teacherId: 'T-02', subject: '数学', videoRef: 'v-sx' },
          { teacherId: 'T-03', subject: '英语', videoRef: 'v-yy' },
        ],
        application: closureApplied().data,
        rejectionReason: null,
        signedDocumentRef: 'signed-1.jpg',
        closedAt: metadata.now,
        pilot: null,
      });
    });
  });

  describe('under yueyang-2.0 (整校推进 without a pass threshold; no plan or excellent-video rule)', () => {
    const yueyang = scheduled(presetRulebook('yueyang-2.0'));
    const allGraded: SchoolClosureLookups = {
      batch: yueyang,
      plan: { enrolled: 0, pointsChosen: 0 },
      application: { candidates: 12, assessed: 12, passed: 3, fullTimeTeachers: 40, subjectsTaught: SUBJECTS },
    };

    it('takes the plan whatever share has chosen points', () => {
      givenWith(allGraded)().when(uploadPlan('plan-v1')).then(planUploaded('plan-v1'));
      givenWith({ ...allGraded, plan: { enrolled: 10, pointsChosen: 1 } })()
        .when(uploadPlan('plan-v1'))
        .then(planUploaded('plan-v1'));
    });

    it('still wants the plan before an application', () => {
      givenWith(allGraded)().when(applyForClosure()).thenRefuses('PLAN_NOT_UPLOADED');
    });

    it('applies once every 参考教师 is graded, with no pass threshold and no excellent videos', () => {
      givenWith(allGraded)(planUploaded('plan-v1'))
        .when(applyForClosure())
        .then(
          closureApplied({
            rulebookId: 'yueyang-2.0',
            candidates: 12,
            assessed: 12,
            passed: 3,
            closureThresholdPercent: null,
            fullTimeTeachers: 40,
            excellentVideos: 0,
            excellentVideosRequired: 0,
            excellentSubjects: [],
          }),
        );
    });

    it('goes through the county and closes as in Jiangsu', () => {
      givenWith(allGraded)(planUploaded('plan-v1'), closureApplied({ rulebookId: 'yueyang-2.0' }))
        .when(closeSchool('signed.jpg'))
        .thenRefuses('NOT_APPROVED');
      givenWith(allGraded)(planUploaded('plan-v1'), closureApplied({ rulebookId: 'yueyang-2.0' }), closureApproved())
        .when(closeSchool('signed.jpg'))
        .then(schoolClosed('signed.jpg'));
    });
  });

  describe.each(['lianyungang-1.0', 'ningde-1.0'])('under %s (no 结项 in the notice)', (preset) => {
    const noClosure = scheduled(presetRulebook(preset));
    const nothingKnown: SchoolClosureLookups = {
      batch: noClosure,
      plan: { enrolled: 0, pointsChosen: 0 },
      application: { candidates: 0, assessed: 0, passed: 0, fullTimeTeachers: 40, subjectsTaught: SUBJECTS },
    };

    it('takes the plan whatever share has chosen points', () => {
      givenWith(nothingKnown)().when(uploadPlan('plan-v1')).then(planUploaded('plan-v1'));
    });

    it('refuses an application: the rulebook has no closure (NO_CLOSURE)', () => {
      givenWith(nothingKnown)(planUploaded('plan-v1'))
        .when(applyForClosure())
        .thenRefuses('NO_CLOSURE', { rulebook: preset });
    });
  });

  describe('under a rulebook counting videos but not subjects', () => {
    const base = presetRulebook('jiangsu-2.0');
    const countOnly = scheduled({
      ...base,
      id: 'count-only',
      excellentVideos: { minPercentOfFullTimeTeachers: 30, everySubject: false },
    });

    it('applies though a subject has no video', () => {
      givenWith({ batch: countOnly, application: { ...readyToClose, subjectsTaught: [...SUBJECTS, '美术'] } })(
        ...withPlan,
      )
        .when(applyForClosure())
        .then(closureApplied({ rulebookId: 'count-only', subjectsTaught: ['数学', '美术', '英语', '语文'] }));
    });

    it('still counts the videos', () => {
      givenWith({ batch: countOnly, application: { ...readyToClose, fullTimeTeachers: 14 } })(...withPlan)
        .when(applyForClosure())
        .thenRefuses('EXCELLENT_VIDEOS_SHORT', { required: 5, uploaded: 3, short: 2, missingSubjects: [] });
    });
  });

  describe('a handler that forgets a lookup', () => {
    it('fails loudly, not as a business rule', () => {
      let error: unknown;
      try {
        schoolClosureDecider({}).decide(applyForClosure(), fold(schoolClosureDecider(), withPlan));
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(Error);
      expect(error).not.toBeInstanceOf(RuleViolation);
      expect((error as Error).message).toMatch('must supply the batch lookup');
    });
  });
});
