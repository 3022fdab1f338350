import { Actor } from '@tip/domain';
import { ApiUnderTest, startApiUnderTest } from './support/api-under-test';
import { Body, idNumberFor, importer, scenarioOver } from './support/scenario';

/**
 * Yueyang 2.0 (岳教体办通〔2021〕8号): the city's own programme, from an empty system to a closed
 * pilot school. 80 学时 = 80 学分: a 60-hour blended workshop (工作坊混合式研修) whose offline
 * sessions the county's training institution records beside the platform feed, 10 hours of
 * school-based study and 10 of school-based application assessment; no seats; 市十二中 and 洞氮小学
 * as the city's own pilots and at least two per county (2021年12月底); a participant sheet with
 * each teacher's phone.
 */

const BATCH = 'YY-2021';
const SCHOOL = 'HR-01';
const provinceAdmin: Actor = { sub: 'hn-admin', role: 'province-admin', unitId: '430000' };
const cityAdmin: Actor = { sub: 'yy-admin', role: 'city-admin', unitId: '430600' };
const huarongAdmin: Actor = { sub: 'hr-admin', role: 'county-admin', unitId: '430623' };
const schoolAdmin: Actor = { sub: 'hr01-admin', role: 'school-admin', unitId: SCHOOL };
const platform: Actor = { sub: 'yy-omo-platform', role: 'system' };

// 附件3 参培教师信息表: name, sex, ID number, county, school, stage, subject, phone.
const teachers = [
  {
    teacherId: 'YY-T-1',
    name: '刘芳',
    gender: 'female',
    birthDate: '1987-02-14',
    phone: '13873012345',
    points: ['A1'],
  },
  { teacherId: 'YY-T-2', name: '彭军', gender: 'male', birthDate: '1979-10-03', phone: '0730-8963658', points: ['B2'] },
] as const;

describe('Yueyang 2.0, as the city runs it', () => {
  let api: ApiUnderTest;
  const { act, expectEvents, expectRefused, expectForbidden, view, verify } = scenarioOver(() => api);

  beforeAll(async () => {
    api = await startApiUnderTest();
  });
  afterAll(async () => api?.stop());

  it('goes from an empty system to a closed pilot school: pilots, workshop hours recorded by the county, credits', async () => {
    // ── The city, two counties, its direct schools and the pilots' schools (2021-05) ──
    for (const [actor, body] of [
      [importer, { unitId: '430000', kind: 'province', name: '湖南省' }],
      [provinceAdmin, { unitId: '430600', kind: 'city', name: '岳阳市', parentId: '430000' }],
      [cityAdmin, { unitId: '430623', kind: 'county', name: '华容县', parentId: '430600' }],
      [cityAdmin, { unitId: '430621', kind: 'county', name: '岳阳县', parentId: '430600' }],
      [cityAdmin, { unitId: 'YY-SZ12', kind: 'school', name: '岳阳市第十二中学', parentId: '430600' }],
      [cityAdmin, { unitId: 'YY-DD', kind: 'school', name: '洞氮小学', parentId: '430600' }],
      [huarongAdmin, { unitId: SCHOOL, kind: 'school', name: '华容县第一中学', parentId: '430623' }],
      [huarongAdmin, { unitId: 'HR-02', kind: 'school', name: '华容县实验小学', parentId: '430623' }],
    ] as const) {
      expectEvents(await act(actor, '2021-05-10T09:00:00', 'RegisterOrgUnit', body), ['OrgUnitRegistered']);
    }
    expectEvents(
      await act(cityAdmin, '2021-05-18T09:00:00', 'LaunchProgramme', {
        programmeId: 'YY-2.0',
        name: '岳阳市中小学(幼儿园)教师信息技术应用能力提升工程2.0培训',
        provinceId: '430000',
        rulebook: 'yueyang-2.0',
        ownerUnitId: '430600',
      }),
      ['ProgrammeLaunched'],
    );
    expectEvents(
      await act(cityAdmin, '2021-05-20T09:00:00', 'ScheduleBatch', {
        programmeId: 'YY-2.0',
        batchId: BATCH,
        name: '2021年试点',
        startsOn: '2021-06-01',
        endsOn: '2023-12-31',
        sharePercent: 10,
        periods: [{ periodId: '1', startsOn: '2021-06-01', endsOn: '2023-12-31' }],
      }),
      ['BatchScheduled'],
    );

    // ── Pilots: the city's two, and 华容县's (每个县市区还需完成2所以上中小学校培训试点) ──
    const designate = (actor: Actor, schoolId: string) =>
      act(actor, '2021-05-25T09:00:00', 'DesignatePilotSchool', { batchId: BATCH, schoolId, finishBy: '2021-12-31' });
    for (const schoolId of ['YY-SZ12', 'YY-DD']) {
      const [pilot] = expectEvents(await designate(cityAdmin, schoolId), ['PilotSchoolDesignated']);
      expect(pilot).toMatchObject({ schoolId, finishBy: '2021-12-31', scope: 'programme' });
    }
    for (const schoolId of [SCHOOL, 'HR-02']) {
      const [pilot] = expectEvents(await designate(huarongAdmin, schoolId), ['PilotSchoolDesignated']);
      expect(pilot).toMatchObject({ schoolId, scope: 'county' });
    }
    // The province does not run the city's programme; 岳阳县's admin has no say over 华容县's school.
    expectForbidden(await designate(provinceAdmin, 'HR-02'));
    expectForbidden(await designate({ sub: 'yx-admin', role: 'county-admin', unitId: '430621' }, 'HR-02'));

    // ── The participant sheet, enrollment without seats, points (2021-06) ──
    for (const [index, each] of teachers.entries()) {
      expectEvents(
        await act(schoolAdmin, '2021-05-28T09:00:00', 'RegisterTeacher', {
          teacherId: each.teacherId,
          schoolId: SCHOOL,
          name: each.name,
          idNumber: idNumberFor('430623', each.birthDate, each.gender, 30 + index),
          gender: each.gender,
          stage: '高中',
          subject: '英语',
          fullTime: true,
          birthDate: each.birthDate,
          phone: each.phone,
        }),
        ['TeacherRegistered'],
      );
      const onRecord = { batchId: BATCH, teacherId: each.teacherId };
      expectEvents(await act(schoolAdmin, '2021-06-02T09:00:00', 'EnrollTeacher', { ...onRecord, periodId: '1' }), [
        'TeacherEnrolled',
        'SeatTaken',
        'TeacherJoinedBatch',
      ]);
      expectEvents(
        await act(
          { sub: each.teacherId, role: 'teacher', unitId: SCHOOL },
          '2021-06-03T20:00:00',
          'SelectAbilityPoints',
          {
            ...onRecord,
            points: each.points,
          },
        ),
        ['AbilityPointsSelected'],
      );
    }
    // The phone is in no event in plain: masked, and encrypted with the teacher's key.
    const teacherStream = await api.get<{ events: { data: Body }[] }>(importer, '/audit/streams/teacher-YY-T-1');
    expect(teacherStream.body.events[0].data).toMatchObject({ phoneMasked: '138****2345' });
    expect(JSON.stringify(teacherStream.body)).not.toContain('13873012345');
    const landline = await api.get<{ events: { data: Body }[] }>(importer, '/audit/streams/teacher-YY-T-2');
    expect(landline.body.events[0].data).toMatchObject({ phoneMasked: '0730-***3658' });

    // ── The workshop: 40 hours from the platform, 20 offline hours from the county's 进修学校 ──
    for (const each of teachers) {
      const onRecord = { batchId: BATCH, teacherId: each.teacherId };
      expectEvents(
        await act(platform, '2021-07-15T12:00:00', 'RecordOnlineHours', {
          ...onRecord,
          recordId: `OMO-${each.teacherId}`,
          courseId: 'YY-WORKSHOP',
          hours: 40,
        }),
        ['OnlineHoursRecorded'],
      );
      // The school does not record workshop hours; the county does.
      expectForbidden(
        await act(schoolAdmin, '2021-09-10T09:00:00', 'RecordOfflineHours', {
          ...onRecord,
          hours: 20,
          category: 'workshop',
        }),
      );
      const [workshop] = expectEvents(
        await act(huarongAdmin, '2021-09-10T09:00:00', 'RecordOfflineHours', {
          ...onRecord,
          hours: 20,
          category: 'workshop',
        }),
        ['OfflineHoursRecorded'],
      );
      expect(workshop).toMatchObject({ category: 'workshop', hours: 20, recordedBy: { role: 'county-admin' } });
      // 校本研修 and 校本应用考核: the school's.
      for (const category of ['school-based', 'school-based-assessment']) {
        expectEvents(
          await act(schoolAdmin, '2021-10-20T09:00:00', 'RecordOfflineHours', { ...onRecord, hours: 10, category }),
          ['OfflineHoursRecorded'],
        );
      }
      // 校本应用考核: graded without evidence handed in.
      const [graded] = expectEvents(
        await act(schoolAdmin, '2021-11-01T09:00:00', 'AssessPractice', { ...onRecord, grade: 'pass' }),
        ['PracticeAssessed'],
      );
      expect(graded).toMatchObject({ evidenceRefs: [], grade: 'pass', attempt: 1, overallGrade: 'pass' });
    }

    // ── 80 学时 计 80 学分, recognised by the county's training institution ──
    const issue = (actor: Actor, teacherId: string) =>
      act(actor, '2021-11-10T09:00:00', 'IssueCertificate', { batchId: BATCH, teacherId });
    expectForbidden(await issue(schoolAdmin, 'YY-T-1'));
    for (const each of teachers) {
      const [issued] = expectEvents(await issue(huarongAdmin, each.teacherId), ['CertificateIssued']);
      expect(issued).toMatchObject({
        kind: 'credits',
        hours: { workshop: 60, 'school-based': 10, 'school-based-assessment': 10 },
        totalHours: 80,
        credits: 80,
        grade: 'pass',
      });
      expect(await verify(issued.certificateCode as string)).toMatchObject({ status: 'valid', totalHours: 80 });
    }
    const transcript = await view<{ batches: Body[] }>(
      huarongAdmin,
      `/views/teachers/YY-T-1/transcript?batchId=${BATCH}`,
    );
    expect(transcript.status).toBe(200);
    expect(transcript.body.batches[0]).toMatchObject({
      credits: 80,
      hours: {
        total: 80,
        byCategory: { workshop: 60, 'school-based': 10, 'school-based-assessment': 10 },
        sources: expect.arrayContaining([
          expect.objectContaining({ category: 'workshop', hours: 40, source: 'course-platform' }),
          expect.objectContaining({ category: 'workshop', hours: 20, source: 'county' }),
        ]),
      },
      certificate: { kind: 'credits', credits: 80, totalHours: 80 },
    });

    // ── The pilot school closes as a whole school, before its finishBy (2021-12-31) ──
    const target = { batchId: BATCH, schoolId: SCHOOL };
    expectEvents(
      await act(schoolAdmin, '2021-06-10T09:00:00', 'UploadSchoolPlan', {
        ...target,
        documentRef: 'plan/HR-01/整校推进方案.docx',
      }),
      ['SchoolPlanUploaded'],
    );
    const [applied] = expectEvents(await act(schoolAdmin, '2021-11-20T09:00:00', 'ApplyForClosure', target), [
      'ClosureApplied',
    ]);
    expect(applied).toMatchObject({ candidates: 2, assessed: 2, passed: 2, closureThresholdPercent: null });
    expectEvents(await act(huarongAdmin, '2021-11-25T09:00:00', 'ApproveClosure', target), ['ClosureApproved']);
    expectEvents(
      await act(schoolAdmin, '2021-12-20T09:00:00', 'CloseSchool', {
        ...target,
        signedDocumentRef: 'closure/HR-01/验收表.pdf',
      }),
      ['SchoolClosed'],
    );
    // The pilot closed on time: its closure stream holds the designation and the day it closed.
    const state = await api.get<{ state: Body }>(
      importer,
      `/audit/streams/${encodeURIComponent(`school-closure-${BATCH}:${SCHOOL}`)}/state`,
    );
    expect(state.status).toBe(200);
    expect(state.body.state).toMatchObject({
      status: 'closed',
      closedAt: '2021-12-20T01:00:00.000Z',
      pilot: { finishBy: '2021-12-31', scope: 'county' },
    });
    expectRefused(
      await act(huarongAdmin, '2021-12-21T09:00:00', 'DesignatePilotSchool', { ...target, finishBy: '2022-06-30' }),
      'SCHOOL_CLOSED',
    );
  }, 180_000);
});
