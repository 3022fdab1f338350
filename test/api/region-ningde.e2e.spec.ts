import { Actor } from '@tip/domain';
import { ApiUnderTest, startApiUnderTest } from './support/api-under-test';
import { Body, idNumberFor, importer, scenarioOver } from './support/scenario';

/**
 * Ningde (宁德市教育局, 2016-03-15): the city's own programme, from an empty system to the last
 * certificate (the notice has no 结项). 80 hours = 50 online + 30 school-based practice; no seats
 * (由市级统筹); teachers fewer than five years from retirement are not required (距退休不满五年的教师
 * 不作培训要求) but may take part; after the city project office's review each teacher gets the
 * institution's 50-hour 网络培训合格证明 and the jointly issued 30-hour 网络研修与教学实践合格证明;
 * training is funded at 3 yuan per hour per teacher (3元/学时•人).
 */

const BATCH = 'ND-2016';
const FUAN_SCHOOL = 'FA-01';
const cityAdmin: Actor = { sub: 'nd-admin', role: 'city-admin', unitId: '350900' };
const provinceAdmin: Actor = { sub: 'fj-admin', role: 'province-admin', unitId: '350000' };
const fuanAdmin: Actor = { sub: 'fa-admin', role: 'county-admin', unitId: '350981' };
const schoolAdmin: Actor = { sub: 'fa01-admin', role: 'school-admin', unitId: FUAN_SCHOOL };
const platform: Actor = { sub: 'fjteacheredu', role: 'system' };

// 福安市 (the first county to start, 首批先行县), one of its schools, and two of its teachers: a young
// one, and a woman born 1962-05-01 who retires at 55 on 2017-05-01 — within five years in 2016.
const teachers = [
  { teacherId: 'ND-T-1', name: '林晓', gender: 'female', birthDate: '1984-08-20', voluntary: false },
  { teacherId: 'ND-T-2', name: '陈秀英', gender: 'female', birthDate: '1962-05-01', voluntary: true },
] as const;

describe('Ningde 1.0, as the city runs it', () => {
  let api: ApiUnderTest;
  const { act, expectEvents, expectRefused, expectForbidden, view, verify } = scenarioOver(() => api);

  beforeAll(async () => {
    api = await startApiUnderTest();
  });
  afterAll(async () => api?.stop());

  it('goes from an empty system to the last certificate: city-run, no quotas, a voluntary exempt teacher, the two proofs, funding', async () => {
    // ── The city, its counties and its programme (2016-03) ──
    for (const [actor, body] of [
      [importer, { unitId: '350000', kind: 'province', name: '福建省' }],
      [provinceAdmin, { unitId: '350900', kind: 'city', name: '宁德市', parentId: '350000' }],
      [cityAdmin, { unitId: '350981', kind: 'county', name: '福安市', parentId: '350900' }],
      [cityAdmin, { unitId: '350902', kind: 'county', name: '蕉城区', parentId: '350900' }],
      [fuanAdmin, { unitId: FUAN_SCHOOL, kind: 'school', name: '福安市第一中学', parentId: '350981' }],
    ] as const) {
      expectEvents(await act(actor, '2016-03-10T09:00:00', 'RegisterOrgUnit', body), ['OrgUnitRegistered']);
    }
    const launch = {
      programmeId: 'ND-1.0',
      name: '宁德市中小学教师信息技术应用能力提升工程培训',
      provinceId: '350000',
      rulebook: 'ningde-1.0',
      ownerUnitId: '350900',
    };
    // A county admin does not launch the city's programme.
    expectForbidden(await act(fuanAdmin, '2016-03-15T09:00:00', 'LaunchProgramme', launch));
    const [launched] = expectEvents(await act(cityAdmin, '2016-03-15T09:00:00', 'LaunchProgramme', launch), [
      'ProgrammeLaunched',
    ]);
    expect(launched).toMatchObject({ ownerUnitId: '350900', provinceId: '350000' });
    // 2016年培训完成人数原则上应不少于…30%: the city schedules its 2016–2017 batch; no plan of shares binds it.
    expectEvents(
      await act(cityAdmin, '2016-03-20T09:00:00', 'ScheduleBatch', {
        programmeId: 'ND-1.0',
        batchId: BATCH,
        name: '2016—2017年全员培训',
        startsOn: '2016-04-01',
        endsOn: '2017-12-31',
        sharePercent: 30,
        periods: [{ periodId: 'P1', startsOn: '2016-04-01', endsOn: '2017-12-31' }],
      }),
      ['BatchScheduled'],
    );
    // No seats are handed out in Ningde.
    expectRefused(
      await act(cityAdmin, '2016-04-01T09:00:00', 'AllocateQuota', {
        batchId: BATCH,
        periodId: 'P1',
        fromUnitId: '350900',
        toUnitId: '350981',
        seats: 100,
      }),
      'NO_QUOTAS',
    );

    // ── Teachers enroll without seats; the exempt one only voluntarily (2016-04) ──
    for (const [index, each] of teachers.entries()) {
      expectEvents(
        await act(schoolAdmin, '2016-03-25T09:00:00', 'RegisterTeacher', {
          teacherId: each.teacherId,
          schoolId: FUAN_SCHOOL,
          name: each.name,
          idNumber: idNumberFor('350981', each.birthDate, each.gender, 20 + index),
          gender: each.gender,
          stage: '高中',
          subject: '语文',
          fullTime: true,
          birthDate: each.birthDate,
        }),
        ['TeacherRegistered'],
      );
    }
    const enroll = (teacherId: string, extra: Body = {}) =>
      act(schoolAdmin, '2016-04-05T09:00:00', 'EnrollTeacher', { batchId: BATCH, periodId: 'P1', teacherId, ...extra });
    expectEvents(await enroll('ND-T-1'), ['TeacherEnrolled', 'SeatTaken', 'TeacherJoinedBatch']);
    expectRefused(await enroll('ND-T-2'), 'EXEMPT_TEACHER', { yearsBeforeRetirement: 5, voluntaryAllowed: true });
    const [volunteer] = expectEvents(await enroll('ND-T-2', { voluntary: true }), [
      'TeacherEnrolled',
      'SeatTaken',
      'TeacherJoinedBatch',
    ]);
    expect(volunteer).toMatchObject({ voluntary: true });

    // ── 50 online hours, evidence, the assessment, 30 practice hours (2016) ──
    for (const each of teachers) {
      const onRecord = { batchId: BATCH, teacherId: each.teacherId };
      expectEvents(
        await act(platform, '2016-06-01T12:00:00', 'RecordOnlineHours', {
          ...onRecord,
          recordId: `FJ-${each.teacherId}-1`,
          courseId: 'FJ-NET-50',
          hours: 50,
        }),
        ['OnlineHoursRecorded'],
      );
      expectEvents(
        await act(
          { sub: each.teacherId, role: 'teacher', unitId: FUAN_SCHOOL },
          '2016-09-01T20:00:00',
          'SubmitPracticeEvidence',
          {
            ...onRecord,
            abilityPoint: '教学实践',
            evidenceRef: `evidence/${each.teacherId}/实践成果.zip`,
          },
        ),
        ['PracticeEvidenceSubmitted'],
      );
      expectEvents(await act(schoolAdmin, '2016-10-10T09:00:00', 'AssessPractice', { ...onRecord, grade: 'pass' }), [
        'PracticeAssessed',
      ]);
      expectEvents(await act(schoolAdmin, '2016-10-20T09:00:00', 'RecordOfflineHours', { ...onRecord, hours: 30 }), [
        'OfflineHoursRecorded',
      ]);
    }

    // ── The two proofs, after the city project office's review ──
    const issue = (actor: Actor, teacherId: string, kind?: string) =>
      act(actor, '2016-11-15T09:00:00', 'IssueCertificate', {
        batchId: BATCH,
        teacherId,
        ...(kind === undefined ? {} : { kind }),
      });
    expectRefused(await issue(cityAdmin, 'ND-T-1'), 'UNKNOWN_CERTIFICATE_KIND', {
      kinds: ['online-proof', 'practice-proof'],
    });
    expectRefused(await issue(cityAdmin, 'ND-T-1', '结业证书'), 'UNKNOWN_CERTIFICATE_KIND');
    expectForbidden(await issue(schoolAdmin, 'ND-T-1', 'online-proof'));
    expectForbidden(await issue(fuanAdmin, 'ND-T-1', 'practice-proof'));
    const codes: string[] = [];
    for (const each of teachers) {
      const [online] = expectEvents(await issue(cityAdmin, each.teacherId, 'online-proof'), ['CertificateIssued']);
      expect(online).toMatchObject({
        kind: 'online-proof',
        name: '网络培训合格证明',
        issuer: '福建教育学院（培训机构）',
        hours: { online: 50 },
        totalHours: 50,
      });
      const [practice] = expectEvents(await issue(cityAdmin, each.teacherId, 'practice-proof'), ['CertificateIssued']);
      expect(practice).toMatchObject({
        kind: 'practice-proof',
        name: '网络研修与教学实践合格证明',
        hours: { practice: 30 },
        totalHours: 30,
      });
      codes.push(online.certificateCode as string, practice.certificateCode as string);
      // The same proof again appends nothing.
      expectEvents(await issue(cityAdmin, each.teacherId, 'online-proof'), []);
    }
    expect(await verify(codes[3])).toMatchObject({ status: 'valid', totalHours: 30 });

    // No 结项 in Ningde's notice.
    expectEvents(
      await act(schoolAdmin, '2016-11-20T09:00:00', 'UploadSchoolPlan', {
        batchId: BATCH,
        schoolId: FUAN_SCHOOL,
        documentRef: 'plan/FA-01.pdf',
      }),
      ['SchoolPlanUploaded'],
    );
    expectRefused(
      await act(schoolAdmin, '2016-11-21T09:00:00', 'ApplyForClosure', { batchId: BATCH, schoolId: FUAN_SCHOOL }),
      'NO_CLOSURE',
    );

    // ── The transcript of the volunteer: not required, trained all the same ──
    const transcript = await view<{ batches: Body[] }>(cityAdmin, `/views/teachers/ND-T-2/transcript?batchId=${BATCH}`);
    expect(transcript.status).toBe(200);
    expect(transcript.body.batches[0]).toMatchObject({
      voluntary: true,
      grade: 'pass',
      hours: { total: 80 },
      certificates: [
        { kind: 'online-proof', totalHours: 50, status: 'valid' },
        { kind: 'practice-proof', totalHours: 30, status: 'valid' },
      ],
    });

    // ── Funding: 3 yuan per hour per teacher, per county ──
    const funding = await view<Body>(cityAdmin, `/views/units/350900/funding?batchId=${BATCH}`);
    expect(funding.status).toBe(200);
    expect(funding.body).toMatchObject({
      unitId: '350900',
      batchId: BATCH,
      yuanPerHourPerTeacher: 3,
      hoursCredited: 160,
      yuan: 480,
      children: [
        { unitId: '350902', name: '蕉城区', hoursCredited: 0, yuan: 0 },
        { unitId: '350981', name: '福安市', hoursCredited: 160, yuan: 480 },
      ],
    });
  }, 180_000);
});
