import { Actor } from '@tip/domain';
import { ApiUnderTest, startApiUnderTest } from './support/api-under-test';
import { Body, idNumberFor, importer, scenarioOver } from './support/scenario';

/**
 * Jiangsu 2.0, batch 1 (苏教办师函〔2020〕14号): from an empty system to a closed school, over HTTP,
 * with the notice's own dates and numbers — three batches of 20%, 40%, 40%; batch 1 from
 * 2020-11-01 to 2021-10-31 (所有考核 end then); 25 online + 25 offline hours; 90% of the
 * 参考教师 passed before a school closes (整校推进). On the way: a failed point retaken, closure
 * refused while the school is not wholly assessed and while it falls short, the batch's end
 * biting, and the province extending it.
 */

const BATCH = 'JS-2020-1';
const SCHOOL = 'S-XW-02';
const provinceAdmin: Actor = { sub: 'p-admin', role: 'province-admin', unitId: '320000' };
const cityAdmin: Actor = { sub: 'c-admin', role: 'city-admin', unitId: '320100' };
const countyAdmin: Actor = { sub: 'x-admin', role: 'county-admin', unitId: '320102' };
const schoolAdmin: Actor = { sub: 's-admin', role: 'school-admin', unitId: SCHOOL };
const leader: Actor = { sub: 'gl-sx', role: 'group-leader', unitId: SCHOOL };
const platform: Actor = { sub: 'course-platform', role: 'system' };
const teacher = (teacherId: string): Actor => ({ sub: teacherId, role: 'teacher', unitId: SCHOOL });

const teachers = [
  { teacherId: 'JT-1', name: '周敏', gender: 'female', birthDate: '1986-04-02', point: 'A1' },
  { teacherId: 'JT-2', name: '吴刚', gender: 'male', birthDate: '1981-09-17', point: 'B2' },
  { teacherId: 'JT-3', name: '郑洁', gender: 'female', birthDate: '1990-12-08', point: 'C3' },
] as const;

describe('Jiangsu 2.0 batch 1, as the province runs it', () => {
  let api: ApiUnderTest;
  const { act, expectEvents, expectRefused, expectForbidden, view, verify } = scenarioOver(() => api);

  beforeAll(async () => {
    api = await startApiUnderTest();
  });
  afterAll(async () => api?.stop());

  it('goes from an empty system to a closed school: batch plan, retake, whole-school closure, the end and its extension', async () => {
    // ── The hierarchy and the programme (2020-10) ──
    for (const [actor, body] of [
      [importer, { unitId: '320000', kind: 'province', name: '江苏省' }],
      [provinceAdmin, { unitId: '320100', kind: 'city', name: '南京市', parentId: '320000' }],
      [cityAdmin, { unitId: '320102', kind: 'county', name: '玄武区', parentId: '320100' }],
      [
        countyAdmin,
        { unitId: SCHOOL, kind: 'school', name: '玄武区第二中学', parentId: '320102', fullTimeTeachers: 3 },
      ],
    ] as const) {
      expectEvents(await act(actor, '2020-10-08T09:00:00', 'RegisterOrgUnit', body), ['OrgUnitRegistered']);
    }
    expectEvents(
      await act(provinceAdmin, '2020-10-10T09:00:00', 'LaunchProgramme', {
        programmeId: 'JS-2.0',
        name: '江苏省中小学教师信息技术应用能力提升工程2.0专项培训',
        provinceId: '320000',
        rulebook: 'jiangsu-2.0',
      }),
      ['ProgrammeLaunched'],
    );
    const batch1 = {
      programmeId: 'JS-2.0',
      batchId: BATCH,
      name: '第一批次',
      startsOn: '2020-11-01',
      endsOn: '2021-10-31',
      periods: [{ periodId: '1', startsOn: '2020-11-01', endsOn: '2020-11-30' }],
    };
    // 每批分别完成…20%、40%、40%: a 60% first batch does not fit the plan.
    expectRefused(
      await act(provinceAdmin, '2020-10-20T09:00:00', 'ScheduleBatch', { ...batch1, sharePercent: 60 }),
      'BATCH_SHARE_MISMATCH',
      { batchNumber: 1, sharePercent: 60, plannedPercent: 20, plan: [20, 40, 40] },
    );
    // A city admin does not schedule the province's batches.
    expectForbidden(await act(cityAdmin, '2020-10-20T09:00:00', 'ScheduleBatch', { ...batch1, sharePercent: 20 }));
    expectEvents(await act(provinceAdmin, '2020-10-20T09:00:00', 'ScheduleBatch', { ...batch1, sharePercent: 20 }), [
      'BatchScheduled',
    ]);

    // ── Seats down the cascade, teachers, enrollment (2020-11) ──
    const seats = (fromUnitId: string, toUnitId: string) => ({
      batchId: BATCH,
      periodId: '1',
      fromUnitId,
      toUnitId,
      seats: 3,
    });
    for (const [actor, from, to] of [
      [provinceAdmin, '320000', '320100'],
      [cityAdmin, '320100', '320102'],
      [countyAdmin, '320102', SCHOOL],
    ] as const) {
      expectEvents(await act(actor, '2020-11-01T09:00:00', 'AllocateQuota', seats(from, to)), [
        'QuotaAllocated',
        'QuotaReceived',
      ]);
    }
    for (const [index, each] of teachers.entries()) {
      expectEvents(
        await act(schoolAdmin, '2020-10-25T09:00:00', 'RegisterTeacher', {
          teacherId: each.teacherId,
          schoolId: SCHOOL,
          name: each.name,
          idNumber: idNumberFor('320102', each.birthDate, each.gender, 10 + index),
          gender: each.gender,
          stage: '初中',
          subject: '数学',
          fullTime: true,
          birthDate: each.birthDate,
        }),
        ['TeacherRegistered'],
      );
      const onRecord = { batchId: BATCH, teacherId: each.teacherId };
      expectEvents(await act(schoolAdmin, '2020-11-02T09:00:00', 'EnrollTeacher', { ...onRecord, periodId: '1' }), [
        'TeacherEnrolled',
        'SeatTaken',
        'TeacherJoinedBatch',
      ]);
      expectEvents(await act(teacher(each.teacherId), '2020-11-02T20:00:00', 'ConfirmEnrollment', onRecord), [
        'EnrollmentConfirmed',
      ]);
      expectEvents(
        await act(teacher(each.teacherId), '2020-11-03T20:00:00', 'SelectAbilityPoints', {
          ...onRecord,
          points: [each.point],
        }),
        ['AbilityPointsSelected'],
      );
      // 每位学员须在一个月内完成在线学习: 25 hours from the course platform.
      expectEvents(
        await act(platform, '2020-11-20T12:00:00', 'RecordOnlineHours', {
          ...onRecord,
          recordId: `JS-ONLINE-${each.teacherId}`,
          courseId: 'JS-2.0-ONLINE',
          hours: 25,
        }),
        ['OnlineHoursRecorded'],
      );
    }
    expectEvents(
      await act(schoolAdmin, '2020-11-10T09:00:00', 'UploadSchoolPlan', {
        batchId: BATCH,
        schoolId: SCHOOL,
        documentRef: 'plan/S-XW-02/规划书.pdf',
      }),
      ['SchoolPlanUploaded'],
    );

    // ── Offline practice and grades (2021-03) ──
    for (const each of teachers) {
      const onRecord = { batchId: BATCH, teacherId: each.teacherId };
      expectEvents(
        await act(teacher(each.teacherId), '2021-03-01T20:00:00', 'SubmitPracticeEvidence', {
          ...onRecord,
          abilityPoint: each.point,
          evidenceRef: `evidence/${each.teacherId}/${each.point}-v1.zip`,
        }),
        ['PracticeEvidenceSubmitted'],
      );
      expectEvents(
        await act(teacher(each.teacherId), '2021-03-02T20:00:00', 'RecordPeerReview', {
          ...onRecord,
          videoId: 'V-JS-001',
          comment: '课堂互动设计值得借鉴',
        }),
        ['PeerReviewRecorded'],
      );
    }
    const grade = (teacherId: string, value: string, when: string) =>
      act(leader, when, 'AssessPractice', { batchId: BATCH, teacherId, grade: value });
    expectEvents(await grade('JT-1', 'excellent', '2021-03-10T10:00:00'), ['PracticeAssessed']);
    expectEvents(await grade('JT-2', 'pass', '2021-03-10T10:05:00'), ['PracticeAssessed']);

    // 整校推进: with JT-3 not yet graded, the school cannot apply — 2 of 2 graded passing is not 90% of the school.
    const apply = (when: string) => act(schoolAdmin, when, 'ApplyForClosure', { batchId: BATCH, schoolId: SCHOOL });
    expectRefused(await apply('2021-03-11T09:00:00'), 'ASSESSMENT_INCOMPLETE', {
      candidates: 3,
      assessed: 2,
      ungraded: 1,
    });
    const [failed] = expectEvents(await grade('JT-3', 'fail', '2021-03-12T10:00:00'), ['PracticeAssessed']);
    expect(failed).toMatchObject({ abilityPoint: 'C3', grade: 'fail', attempt: 1, overallGrade: 'fail' });
    // Everyone graded now, but 2 of 3 passed: short of 90%.
    expectRefused(await apply('2021-03-13T09:00:00'), 'CLOSURE_THRESHOLD_NOT_MET', {
      passed: 2,
      candidates: 3,
      requiredPercent: 90,
    });

    // ── The retake: new evidence, graded again; the last grade counts ──
    expectEvents(
      await act(teacher('JT-3'), '2021-04-01T20:00:00', 'SubmitPracticeEvidence', {
        batchId: BATCH,
        teacherId: 'JT-3',
        abilityPoint: 'C3',
        evidenceRef: 'evidence/JT-3/C3-v2.zip',
      }),
      ['PracticeEvidenceSubmitted'],
    );
    const [retaken] = expectEvents(await grade('JT-3', 'pass', '2021-04-10T10:00:00'), ['PracticeAssessed']);
    expect(retaken).toMatchObject({
      abilityPoint: 'C3',
      evidenceRefs: ['evidence/JT-3/C3-v2.zip'],
      grade: 'pass',
      attempt: 2,
      pointGrade: 'pass',
      overallGrade: 'pass',
    });
    // 线下实践应用学时…全校培训完成后一周内统一录入: the school finished with the retake.
    for (const each of teachers) {
      expectEvents(
        await act(schoolAdmin, '2021-04-12T09:00:00', 'RecordOfflineHours', {
          batchId: BATCH,
          teacherId: each.teacherId,
          hours: 25,
        }),
        ['OfflineHoursRecorded'],
      );
    }
    const transcript = await view<{ batches: Body[] }>(schoolAdmin, `/views/teachers/JT-3/transcript?batchId=${BATCH}`);
    expect(transcript.status).toBe(200);
    expect(transcript.body.batches[0]).toMatchObject({
      grade: 'pass',
      credits: null,
      attempts: [
        { abilityPoint: 'C3', attempt: 1, grade: 'fail', evidenceRefs: ['evidence/JT-3/C3-v1.zip'] },
        { abilityPoint: 'C3', attempt: 2, grade: 'pass', evidenceRefs: ['evidence/JT-3/C3-v2.zip'] },
      ],
    });

    // ── 2021年10月31日结束第一批次所有考核: after that day nothing more is certified or applied for ──
    const issue = (actor: Actor, teacherId: string, when: string) =>
      act(actor, when, 'IssueCertificate', { batchId: BATCH, teacherId });
    expectRefused(await issue(schoolAdmin, 'JT-1', '2021-11-02T09:00:00'), 'BATCH_ENDED', {
      batchId: BATCH,
      endsOn: '2021-10-31',
    });
    expectRefused(await apply('2021-11-02T09:00:00'), 'BATCH_ENDED', { endsOn: '2021-10-31' });
    expectRefused(await grade('JT-1', 'pass', '2021-11-02T09:00:00'), 'BATCH_ENDED');

    // The province, which runs the programme, extends batch 1 to the year's end; the city cannot.
    const extension = { batchId: BATCH, endsOn: '2021-12-31', reason: '受疫情影响，第一批次考核延至2021年底' };
    expectForbidden(await act(cityAdmin, '2021-11-03T09:00:00', 'ExtendBatch', extension));
    expectRefused(
      await act(provinceAdmin, '2021-11-03T09:00:00', 'ExtendBatch', { ...extension, endsOn: '2021-10-31' }),
      'NOT_LATER',
      { currentEndsOn: '2021-10-31' },
    );
    const [extended] = expectEvents(await act(provinceAdmin, '2021-11-03T09:00:00', 'ExtendBatch', extension), [
      'BatchExtended',
    ]);
    expect(extended).toMatchObject({ endsOn: '2021-12-31', previousEndsOn: '2021-10-31', reason: extension.reason });

    // ── Certificates: the hours recognised for teachers graded pass or better, recorded by the school ──
    expectForbidden(await issue(countyAdmin, 'JT-1', '2021-11-05T09:00:00'));
    const codes: string[] = [];
    for (const each of teachers) {
      const [issued] = expectEvents(await issue(schoolAdmin, each.teacherId, '2021-11-05T09:00:00'), [
        'CertificateIssued',
      ]);
      expect(issued).toMatchObject({ kind: 'hours', hours: { online: 25, offline: 25 }, totalHours: 50 });
      codes.push(issued.certificateCode as string);
    }
    expect(await verify(codes[2])).toMatchObject({ status: 'valid', totalHours: 50, grade: 'pass' });

    // ── Closure: every 参考教师 graded, 3 of 3 passed, one excellent video for ⌈30% × 3⌉ ──
    expectRefused(await apply('2021-11-06T09:00:00'), 'EXCELLENT_VIDEOS_SHORT', { required: 1, uploaded: 0 });
    expectEvents(
      await act(schoolAdmin, '2021-11-06T10:00:00', 'UploadExcellentVideo', {
        batchId: BATCH,
        schoolId: SCHOOL,
        teacherId: 'JT-1',
        subject: '数学',
        videoRef: 'excellent/JT-1/A1.mp4',
      }),
      ['ExcellentVideoUploaded'],
    );
    const [applied] = expectEvents(await apply('2021-11-08T09:00:00'), ['ClosureApplied']);
    expect(applied).toMatchObject({ candidates: 3, assessed: 3, passed: 3, closureThresholdPercent: 90 });
    expectEvents(
      await act(countyAdmin, '2021-11-15T09:00:00', 'ApproveClosure', { batchId: BATCH, schoolId: SCHOOL }),
      ['ClosureApproved'],
    );
    expectEvents(
      await act(schoolAdmin, '2021-11-20T09:00:00', 'CloseSchool', {
        batchId: BATCH,
        schoolId: SCHOOL,
        signedDocumentRef: 'closure/S-XW-02/结项验收表-盖章.pdf',
      }),
      ['SchoolClosed'],
    );
    expectRefused(await grade('JT-2', 'excellent', '2021-11-21T09:00:00'), 'SCHOOL_CLOSED');

    const progress = await view<{ closure?: { status?: string } }>(
      countyAdmin,
      `/views/units/${SCHOOL}/progress?batchId=${BATCH}`,
    );
    expect(progress.status).toBe(200);
    expect(progress.body.closure).toMatchObject({ status: 'closed' });

    // Jiangsu pays no rate per hour (经费纳入年度预算): there is no funding view, and the answer says why.
    const funding = await view<{ error?: { code: string; message: string } }>(
      cityAdmin,
      `/views/units/320100/funding?batchId=${BATCH}`,
    );
    expect(funding.status).toBe(404);
    expect(funding.body.error).toMatchObject({ code: 'NOT_FOUND', message: expect.stringMatching(/no funding rate/) });
  }, 180_000);
});
