import { RecordedEvent } from '@tip/event-store';
import { projectInMemory } from '../engine/in-memory';
import { progressReadModel } from '../read-models';
import { BATCH, enrolled, event, online, onRecord, world } from './progress.test-events';

/**
 * Given these events, then these rows: the progress projector with nothing but memory. Events
 * are written as the deciders append them (see libs/domain), on the streams they live on.
 */
function rowsOf(events: RecordedEvent[]) {
  const tables = projectInMemory(progressReadModel, events);
  const progress = (unitId: string) => tables.get('unit_progress')?.find((row) => row.unitId === unitId);
  const weekly = (unitId: string, week: string) =>
    tables.get('unit_weekly_changes')?.find((row) => row.unitId === unitId && row.week === week);
  return { tables, progress, weekly };
}

describe('the progress projector', () => {
  it("records a school taking part from the first seats it receives, and seats on each unit's own ledger", () => {
    const { progress, tables } = rowsOf(world());
    for (const unitId of ['P', 'C', 'X']) expect(progress(unitId)).toMatchObject({ schoolsClosed: 0 });
    expect(progress('S1')).toMatchObject({ seatsReceived: 10, seatsHandedOn: 0 });
    expect(progress('X')).toMatchObject({ seatsReceived: 20, seatsHandedOn: 20 });
    expect(progress('P')).toMatchObject({ seatsReceived: 0, seatsHandedOn: 20 });
    expect(tables.get('school_participation')).toEqual([
      { batchId: BATCH, schoolId: 'S1', joinedAt: '2021-01-12T01:00:00.000Z' },
      { batchId: BATCH, schoolId: 'S2', joinedAt: '2021-01-12T01:00:00.000Z' },
    ]);
  });

  it('credits online hours once per platform record, and online passed when the category minimum is reached', () => {
    const given = [...world(), ...enrolled('T1', 'S1'), online('T1', 'R1', 15)];
    expect(rowsOf(given).progress('C')).toMatchObject({
      enrolled: 1,
      onlinePassed: 0,
      hoursCredited: 15,
      hoursByCategory: { online: 15 },
    });
    const then = rowsOf([...given, online('T1', 'R1', 15), online('T1', 'R2', 10.5)]);
    expect(then.progress('C')).toMatchObject({
      enrolled: 1,
      onlinePassed: 1,
      hoursCredited: 25.5,
      hoursByCategory: { online: 25.5 },
    });
    expect(then.progress('S1')).toMatchObject({ seatsUsed: 1 });
  });

  it('puts each change in the ISO week (Asia/Shanghai) its business time falls in', () => {
    const given = [
      ...world(),
      ...enrolled('T1', 'S1', '2021-01-17T23:30:00+08:00'),
      online('T1', 'R1', 30, '2021-01-17T16:30:00Z'),
    ];
    const { weekly } = rowsOf(given);
    expect(weekly('X', '2021-W02')).toMatchObject({ enrolled: 1, hoursCredited: 0 });
    // 16:30 UTC on Sunday is 00:30 on Monday in Shanghai: the next week.
    expect(weekly('X', '2021-W03')).toMatchObject({ enrolled: 0, onlinePassed: 1, hoursCredited: 30 });
  });

  it("moves a transferred teacher's figures from the old school to the new one, leaving the county whole", () => {
    const given = [...world(), ...enrolled('T1', 'S1'), online('T1', 'R1', 30)];
    const then = rowsOf([
      ...given,
      onRecord('T1', 'TeacherTransferred', {
        periodId: '1',
        fromSchoolId: 'S1',
        toSchoolId: 'S2',
        transferredAt: '2021-02-01T01:00:00.000Z',
      }),
    ]);
    expect(then.progress('S1')).toMatchObject({ enrolled: 0, onlinePassed: 0, hoursCredited: 0 });
    expect(then.progress('S2')).toMatchObject({ enrolled: 1, onlinePassed: 1, hoursCredited: 30 });
    expect(then.progress('X')).toMatchObject({ enrolled: 1, onlinePassed: 1, hoursCredited: 30 });
    expect(then.tables.get('teacher_records')).toMatchObject([{ teacherId: 'T1', schoolId: 'S2' }]);
  });

  it('takes a withdrawn teacher out of every count', () => {
    const then = rowsOf([
      ...world(),
      ...enrolled('T1', 'S1'),
      onRecord('T1', 'EnrollmentConfirmed', { confirmedAt: '2021-01-12T02:00:00.000Z' }),
      onRecord('T1', 'TeacherWithdrawn', {
        periodId: '1',
        schoolId: 'S1',
        reason: '调离',
        withdrawnAt: '2021-01-20T01:00:00.000Z',
      }),
      event(`quota-${BATCH}:1:S1`, 'SeatReleased', { batchId: BATCH, periodId: '1', schoolId: 'S1', teacherId: 'T1' }),
    ]);
    expect(then.progress('P')).toMatchObject({ enrolled: 0, confirmed: 0 });
    expect(then.progress('S1')).toMatchObject({ seatsUsed: 0 });
  });

  it('counts grades as the domain does: assessed once every chosen point is graded, passed for pass or excellent', () => {
    const base = [
      ...world(),
      ...enrolled('T1', 'S1'),
      online('T1', 'R1', 25),
      onRecord('T1', 'AbilityPointsSelected', {
        points: ['A1', 'B2'],
        selectedBy: { sub: 'T1', role: 'teacher' },
        selectedAt: '2021-01-13T01:00:00.000Z',
      }),
      onRecord('T1', 'PracticeEvidenceSubmitted', {
        abilityPoint: 'A1',
        evidenceRef: 'a1',
        submittedAt: '2021-03-01T01:00:00.000Z',
      }),
      onRecord('T1', 'PracticeEvidenceSubmitted', {
        abilityPoint: 'B2',
        evidenceRef: 'b2',
        submittedAt: '2021-03-01T01:00:00.000Z',
      }),
    ];
    const assessed = (abilityPoint: string, grade: string, overallGrade: string | null) =>
      onRecord('T1', 'PracticeAssessed', {
        abilityPoint,
        evidenceRefs: [abilityPoint.toLowerCase()],
        grade,
        pointGrade: grade,
        overallGrade,
        assessedBy: { sub: 'gl', role: 'group-leader' },
        assessedAt: '2021-04-01T01:00:00.000Z',
      });
    expect(rowsOf([...base, assessed('A1', 'excellent', null)]).progress('S1')).toMatchObject({
      pointsSelected: 1,
      assessed: 0,
      passed: 0,
    });
    expect(
      rowsOf([...base, assessed('A1', 'excellent', null), assessed('B2', 'excellent', 'excellent')]).progress('S1'),
    ).toMatchObject({ assessed: 1, passed: 1, excellent: 1 });
    expect(
      rowsOf([...base, assessed('A1', 'excellent', null), assessed('B2', 'fail', 'fail')]).progress('S1'),
    ).toMatchObject({ assessed: 1, passed: 0, excellent: 0 });
  });

  it('counts excellent videos by subject and a closed school up the ancestry', () => {
    const closure = (type: string, data: Record<string, unknown> = {}) =>
      event(
        `school-closure-${BATCH}:S1`,
        type,
        { batchId: BATCH, schoolId: 'S1', ...data },
        '2021-06-20T09:00:00+08:00',
      );
    const then = rowsOf([
      ...world(),
      closure('ExcellentVideoUploaded', { teacherId: 'T1', subject: '语文', videoRef: 'v1' }),
      closure('ExcellentVideoUploaded', { teacherId: 'T2', subject: '数学', videoRef: 'v2' }),
      closure('ExcellentVideoReplaced', { teacherId: 'T2', subject: '数学', videoRef: 'v3', previousVideoRef: 'v2' }),
      closure('SchoolClosed', { signedDocumentRef: 'signed.pdf' }),
    ]);
    expect(then.progress('C')).toMatchObject({
      excellentVideos: 2,
      excellentVideosBySubject: { 语文: 1, 数学: 1 },
      schoolsClosed: 1,
    });
    expect(then.tables.get('school_closures')?.find((row) => row.schoolId === 'S1')).toMatchObject({
      closureStatus: 'closed',
      dates: { closed: '2021-06-20T01:00:00.000Z' },
    });
  });

  it("ignores copies: a certificate's own stream and a batch's own stream repeat events counted elsewhere", () => {
    const given = [...world(), ...enrolled('T1', 'S1')];
    const certificate = {
      certificateCode: 'TIP-X',
      batchId: BATCH,
      periodId: '1',
      teacherId: 'T1',
      schoolId: 'S1',
      hours: { online: 25, offline: 25 },
      totalHours: 50,
      grade: 'pass',
      issuedAt: '2021-06-01T01:00:00.000Z',
    };
    const then = rowsOf([
      ...given,
      event('certificate-TIP-X', 'CertificateIssued', certificate),
      event(`batch-${BATCH}`, 'BatchScheduled', { programmeId: 'NOPE', batchId: BATCH }),
    ]);
    expect(then.progress('S1')).toMatchObject({ certified: 0 });
    expect(then.tables.get('batches')?.map((batch) => batch.programmeId)).toEqual(['PG']);
  });

  it("keeps the earliest time a school took part, whichever period's seats arrive first", () => {
    const later = event(
      `quota-${BATCH}:2:S1`,
      'QuotaReceived',
      { batchId: BATCH, periodId: '2', fromUnitId: 'X', toUnitId: 'S1', seats: 5 },
      '2021-03-01T09:00:00+08:00',
    );
    const earlier = event(
      `quota-${BATCH}:1:S1`,
      'QuotaReceived',
      { batchId: BATCH, periodId: '1', fromUnitId: 'X', toUnitId: 'S1', seats: 5 },
      '2021-01-04T09:00:00+08:00',
    );
    const base = world().filter((each) => !each.streamId.includes(':S'));
    expect(rowsOf([...base, later, earlier]).tables.get('school_participation')).toEqual([
      { batchId: BATCH, schoolId: 'S1', joinedAt: '2021-01-04T01:00:00.000Z' },
    ]);
    expect(rowsOf([...base, earlier, later]).tables.get('school_participation')).toEqual([
      { batchId: BATCH, schoolId: 'S1', joinedAt: '2021-01-04T01:00:00.000Z' },
    ]);
  });

  it("waits for a school's registration it has not seen yet, rather than count in the wrong place", () => {
    const [, enrollment] = enrolled('T9', 'S9');
    expect(() => rowsOf([...world(), enrollment])).toThrow(/org unit S9 is not registered/);
  });

  describe('progress against the targets', () => {
    const teacher = (teacherId: string, schoolId: string, fullTime: boolean, at?: string) =>
      event(
        `teacher-${teacherId}`,
        'TeacherRegistered',
        {
          teacherId,
          schoolId,
          ancestry: ['P', 'C', 'X', schoolId],
          name: `教师${teacherId}`,
          gender: 'female',
          stage: '小学',
          subject: '数学',
          fullTime,
          idNumberMasked: '320703********1234',
          idNumberProtected: 'v1:secret',
        },
        at,
      );
    const changes = (tables: ReturnType<typeof rowsOf>['tables'], unitId: string) =>
      tables
        .get('unit_teacher_changes')
        ?.filter((row) => row.unitId === unitId)
        .map(({ week, teachers, fullTime }) => ({ week, teachers, fullTime }));

    it("counts registered teachers, and the full-time among them, up the school's ancestry by week", () => {
      const { tables } = rowsOf([
        ...world(),
        teacher('T1', 'S1', true, '2021-01-12T09:00:00+08:00'),
        teacher('T2', 'S1', false, '2021-01-12T09:00:00+08:00'),
        teacher('T3', 'S2', true, '2021-01-19T09:00:00+08:00'),
      ]);
      expect(changes(tables, 'S1')).toEqual([{ week: '2021-W02', teachers: 2, fullTime: 1 }]);
      expect(changes(tables, 'C')).toEqual([
        { week: '2021-W02', teachers: 2, fullTime: 1 },
        { week: '2021-W03', teachers: 1, fullTime: 1 },
      ]);
    });

    it("moves a transferred teacher from the old school's count to the new one's in the week of the move", () => {
      const { tables } = rowsOf([
        ...world(),
        teacher('T1', 'S1', true, '2021-01-12T09:00:00+08:00'),
        event(
          'teacher-T1',
          'TeacherMovedSchool',
          { teacherId: 'T1', fromSchoolId: 'S1', toSchoolId: 'S2', ancestry: ['P', 'C', 'X', 'S2'] },
          '2021-01-19T09:00:00+08:00',
        ),
      ]);
      expect(changes(tables, 'S1')).toEqual([
        { week: '2021-W02', teachers: 1, fullTime: 1 },
        { week: '2021-W03', teachers: -1, fullTime: -1 },
      ]);
      expect(changes(tables, 'S2')).toEqual([{ week: '2021-W03', teachers: 1, fullTime: 1 }]);
      expect(changes(tables, 'X')).toEqual([
        { week: '2021-W02', teachers: 1, fullTime: 1 },
        { week: '2021-W03', teachers: 0, fullTime: 0 },
      ]);
    });

    it("takes an exempt teacher out of the programme's count from the week of the exemption, and moves it with the teacher", () => {
      const exemptedEvent = event(
        'exemption-ND:T1',
        'TeacherExempted',
        { programmeId: 'ND', teacherId: 'T1', schoolId: 'S1', yearsBeforeRetirement: 5 },
        '2021-01-19T09:00:00+08:00',
      );
      const moved = event(
        'teacher-T1',
        'TeacherMovedSchool',
        { teacherId: 'T1', fromSchoolId: 'S1', toSchoolId: 'S2', ancestry: ['P', 'C', 'X', 'S2'] },
        '2021-01-26T09:00:00+08:00',
      );
      const { tables } = rowsOf([
        ...world(),
        teacher('T1', 'S1', true, '2021-01-12T09:00:00+08:00'),
        exemptedEvent,
        exemptedEvent,
        moved,
      ]);
      const exempt = (unitId: string) =>
        tables
          .get('unit_exempt_changes')
          ?.filter((row) => row.unitId === unitId)
          .map(({ programmeId, week, fullTime }) => ({ programmeId, week, fullTime }));
      expect(exempt('S1')).toEqual([
        { programmeId: 'ND', week: '2021-W03', fullTime: 1 },
        { programmeId: 'ND', week: '2021-W04', fullTime: -1 },
      ]);
      expect(exempt('S2')).toEqual([{ programmeId: 'ND', week: '2021-W04', fullTime: 1 }]);
      expect(exempt('C')).toEqual([
        { programmeId: 'ND', week: '2021-W03', fullTime: 1 },
        { programmeId: 'ND', week: '2021-W04', fullTime: 0 },
      ]);
      expect(tables.get('teachers')).toMatchObject([{ teacherId: 'T1', schoolId: 'S2', exemptIn: ['ND'] }]);
    });

    it('counts a teacher enrolled as an exempt volunteer as exempt in the programme', () => {
      const [seat, enrollment] = enrolled('T1', 'S1', '2021-01-19T09:00:00+08:00');
      const voluntary = { ...enrollment, data: { ...enrollment.data, voluntary: true } };
      const { tables } = rowsOf([...world(), teacher('T1', 'S1', true, '2021-01-12T09:00:00+08:00'), seat, voluntary]);
      expect(tables.get('teachers')).toMatchObject([{ teacherId: 'T1', exemptIn: ['PG'] }]);
      expect(tables.get('unit_exempt_changes')?.find((row) => row.unitId === 'X')).toMatchObject({
        programmeId: 'PG',
        week: '2021-W03',
        fullTime: 1,
      });
    });

    it("keeps a unit's declared full-time teachers with the time they were declared", () => {
      const declaring = event('org-unit-X2', 'OrgUnitRegistered', {
        unitId: 'X2',
        kind: 'county',
        name: '灌云县',
        parentId: 'C',
        ancestry: ['P', 'C'],
        fullTimeTeachers: 3822,
      });
      expect(rowsOf([...world(), declaring]).tables.get('unit_declarations')).toEqual([
        { unitId: 'X2', declaredAt: '2021-01-12T01:00:00.000Z', fullTimeTeachers: 3822 },
      ]);
    });

    it('keeps, per unit, the first week with teachers, the teachers who moved out and the declarations (unit_staffing)', () => {
      const county = (unitId: string, fullTimeTeachers?: number) =>
        event(`org-unit-${unitId}`, 'OrgUnitRegistered', {
          unitId,
          kind: unitId.startsWith('S') ? 'school' : 'county',
          name: unitId,
          parentId: unitId.startsWith('S') ? 'Y' : 'C',
          ancestry: unitId.startsWith('S') ? ['P', 'C', 'Y'] : ['P', 'C'],
          fullTimeTeachers,
        });
      const { tables } = rowsOf([
        ...world(),
        county('Y', 30),
        county('S9', 4),
        event('org-unit-S9', 'FullTimeTeachersDeclared', { unitId: 'S9', fullTimeTeachers: 5 }),
        teacher('T1', 'S1', true, '2021-01-19T09:00:00+08:00'),
        teacher('T2', 'S2', true, '2021-01-12T09:00:00+08:00'),
        // To a school of another county: S1 and X lose a teacher, C and P do not.
        event(
          'teacher-T1',
          'TeacherMovedSchool',
          { teacherId: 'T1', fromSchoolId: 'S1', toSchoolId: 'S9', ancestry: ['P', 'C', 'Y', 'S9'] },
          '2021-02-02T09:00:00+08:00',
        ),
      ]);
      const byUnit = (a: Record<string, unknown>, b: Record<string, unknown>) =>
        String(a.unitId).localeCompare(String(b.unitId));
      expect([...(tables.get('unit_staffing') ?? [])].sort(byUnit)).toEqual(
        [
          { unitId: 'P', firstTeachersWeek: '2021-W02', teachersLeft: 0, declarations: 0 },
          { unitId: 'C', firstTeachersWeek: '2021-W02', teachersLeft: 0, declarations: 0 },
          { unitId: 'X', firstTeachersWeek: '2021-W02', teachersLeft: 1, declarations: 0 },
          { unitId: 'S1', firstTeachersWeek: '2021-W03', teachersLeft: 1, declarations: 0 },
          { unitId: 'S2', firstTeachersWeek: '2021-W02', teachersLeft: 0, declarations: 0 },
          { unitId: 'Y', firstTeachersWeek: '2021-W05', teachersLeft: 0, declarations: 1 },
          { unitId: 'S9', firstTeachersWeek: '2021-W05', teachersLeft: 0, declarations: 2 },
        ].sort(byUnit),
      );
    });

    it('counts a teacher trained on a pass, and recognises the hours only then (Jiangsu)', () => {
      const through = [
        ...world(),
        ...enrolled('T1', 'S1'),
        onRecord('T1', 'EnrollmentConfirmed', { confirmedAt: '2021-01-12T02:00:00.000Z' }),
        onRecord('T1', 'AbilityPointsSelected', {
          points: ['A1'],
          selectedBy: { sub: 'T1', role: 'teacher' },
          selectedAt: '2021-01-13T01:00:00.000Z',
        }),
        online('T1', 'R1', 25),
        onRecord('T1', 'PracticeEvidenceSubmitted', {
          abilityPoint: 'A1',
          evidenceRef: 'a1',
          submittedAt: '2021-03-01T01:00:00.000Z',
        }),
        onRecord('T1', 'OfflineHoursRecorded', {
          category: 'offline',
          hours: 25,
          recordedBy: { sub: 'sa', role: 'school-admin' },
          recordedAt: '2021-03-02T01:00:00.000Z',
        }),
      ];
      const assessed = (grade: string) =>
        onRecord(
          'T1',
          'PracticeAssessed',
          {
            abilityPoint: 'A1',
            evidenceRefs: ['a1'],
            grade,
            pointGrade: grade,
            overallGrade: grade,
            assessedBy: { sub: 'gl', role: 'group-leader' },
            assessedAt: '2021-04-01T01:00:00.000Z',
          },
          '2021-04-01T09:00:00+08:00',
        );
      const status = (tables: ReturnType<typeof rowsOf>['tables']) =>
        tables.get('teacher_records')?.[0]?.trainingStatus;
      const ungraded = rowsOf(through);
      expect(ungraded.progress('C')).toMatchObject({ trained: 0, hoursCredited: 50, hoursRecognised: 0 });
      expect(status(ungraded.tables)).toBe('awaiting-grade');
      const failed = rowsOf([...through, assessed('fail')]);
      expect(failed.progress('C')).toMatchObject({ assessed: 1, passed: 0, trained: 0, hoursRecognised: 0 });
      expect(status(failed.tables)).toBe('failed');
      const passed = rowsOf([...through, assessed('pass')]);
      expect(passed.progress('C')).toMatchObject({ assessed: 1, passed: 1, trained: 1, hoursRecognised: 50 });
      expect(passed.weekly('C', '2021-W13')).toMatchObject({ trained: 1, hoursRecognised: 50, hoursCredited: 0 });
      expect(status(passed.tables)).toBe('trained');
    });

    it.each([
      ['not confirmed', 'not-confirmed', []],
      ['confirmed, no points chosen', 'no-points', ['confirmed']],
      ['points chosen, 10 of 25 online hours', 'online-not-passed', ['confirmed', 'points', 'online10']],
    ])('gives a teacher %s the status %s', (_, expected, steps) => {
      const events = [...world(), ...enrolled('T1', 'S1')];
      if (steps.includes('confirmed'))
        events.push(onRecord('T1', 'EnrollmentConfirmed', { confirmedAt: '2021-01-12T02:00:00.000Z' }));
      if (steps.includes('points'))
        events.push(
          onRecord('T1', 'AbilityPointsSelected', {
            points: ['A1'],
            selectedBy: { sub: 'T1', role: 'teacher' },
            selectedAt: '2021-01-13T01:00:00.000Z',
          }),
        );
      if (steps.includes('online10')) events.push(online('T1', 'R1', 10));
      expect(rowsOf(events).tables.get('teacher_records')?.[0]?.trainingStatus).toBe(expected);
    });
  });

  it('keeps a batch as scheduled, each extension with its reason and time, and who runs the programme', () => {
    const extended = (endsOn: string, previousEndsOn: string, reason: string, at: string) =>
      event('programme-PG', 'BatchExtended', { programmeId: 'PG', batchId: BATCH, endsOn, previousEndsOn, reason }, at);
    const { tables } = rowsOf([
      ...world(),
      extended('2022-03-31', '2021-12-31', '疫情停课，延长三个月', '2021-12-20T09:00:00+08:00'),
      extended('2022-06-30', '2022-03-31', '补考', '2022-03-25T09:00:00+08:00'),
    ]);
    expect(tables.get('programmes')).toMatchObject([{ programmeId: 'PG', ownerUnitId: null }]);
    expect(tables.get('batches')).toMatchObject([
      {
        batchId: BATCH,
        endsOn: '2022-06-30',
        scheduledEndsOn: '2021-12-31',
        ownerUnitId: null,
        extensions: [
          {
            endsOn: '2022-03-31',
            previousEndsOn: '2021-12-31',
            reason: '疫情停课，延长三个月',
            at: '2021-12-20T01:00:00.000Z',
          },
          { endsOn: '2022-06-30', previousEndsOn: '2022-03-31', reason: '补考', at: '2022-03-25T01:00:00.000Z' },
        ],
      },
    ]);
  });

  it('keeps every pilot designation by its time, so a re-dated pilot still reads as it was in the weeks before', () => {
    const designated = (schoolId: string, finishBy: string, scope: string, at: string) =>
      event(
        `school-closure-${BATCH}:${schoolId}`,
        'PilotSchoolDesignated',
        { batchId: BATCH, schoolId, finishBy, scope, designatedAt: new Date(at).toISOString() },
        at,
      );
    const { tables } = rowsOf([
      ...world(),
      designated('S1', '2021-12-31', 'county', '2021-05-25T09:00:00+08:00'),
      designated('S1', '2022-06-30', 'county', '2021-11-02T09:00:00+08:00'),
      designated('S2', '2021-12-31', 'programme', '2021-05-25T09:00:00+08:00'),
    ]);
    expect(tables.get('pilot_designations')).toEqual([
      {
        batchId: BATCH,
        schoolId: 'S1',
        designatedAt: '2021-05-25T01:00:00.000Z',
        finishBy: '2021-12-31',
        scope: 'county',
      },
      {
        batchId: BATCH,
        schoolId: 'S1',
        designatedAt: '2021-11-02T01:00:00.000Z',
        finishBy: '2022-06-30',
        scope: 'county',
      },
      {
        batchId: BATCH,
        schoolId: 'S2',
        designatedAt: '2021-05-25T01:00:00.000Z',
        finishBy: '2021-12-31',
        scope: 'programme',
      },
    ]);
    expect(tables.get('school_closures')).toMatchObject([
      { schoolId: 'S1', closure: { pilot: { finishBy: '2022-06-30' } } },
      { schoolId: 'S2', closure: { pilot: { scope: 'programme' } } },
    ]);
  });
});
