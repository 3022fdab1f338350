import { Actor, idNumberCheckCharacter } from '@tip/domain';
import { ApiUnderTest, startApiUnderTest } from './support/api-under-test';

/** TransferTeacher mid-batch: the record follows the teacher, and so do the seat and the scope. */
describe('Transferring a teacher', () => {
  let api: ApiUnderTest;
  const system: Actor = { sub: 'setup', role: 'system' };
  const countyAdmin: Actor = { sub: 'county', role: 'county-admin', unitId: 'C-1' };
  const adminOf = (schoolId: string): Actor => ({ sub: `admin-${schoolId}`, role: 'school-admin', unitId: schoolId });
  const at = (actor: Actor, time: string) => ({ actor, at: time });
  const first17 = '32070719850312123';

  beforeAll(async () => {
    api = await startApiUnderTest();
    const setup: [string, Record<string, unknown>][] = [
      ['RegisterOrgUnit', { unitId: 'P', kind: 'province', name: '江苏省' }],
      ['RegisterOrgUnit', { unitId: 'CITY', kind: 'city', name: '连云港市', parentId: 'P' }],
      ['RegisterOrgUnit', { unitId: 'C-1', kind: 'county', name: '海州区', parentId: 'CITY' }],
      ['RegisterOrgUnit', { unitId: 'C-2', kind: 'county', name: '赣榆区', parentId: 'CITY' }],
      ['RegisterOrgUnit', { unitId: 'S-A', kind: 'school', name: '甲校', parentId: 'C-1' }],
      ['RegisterOrgUnit', { unitId: 'S-B', kind: 'school', name: '乙校', parentId: 'C-1' }],
      ['RegisterOrgUnit', { unitId: 'S-FULL', kind: 'school', name: '满校', parentId: 'C-1' }],
      ['RegisterOrgUnit', { unitId: 'S-FAR', kind: 'school', name: '远校', parentId: 'C-2' }],
      ['RegisterOrgUnit', { unitId: 'P2', kind: 'province', name: '浙江省' }],
      ['RegisterOrgUnit', { unitId: 'CITY2', kind: 'city', name: '杭州市', parentId: 'P2' }],
      ['RegisterOrgUnit', { unitId: 'S-ZJ', kind: 'school', name: '杭州学校', parentId: 'CITY2' }],
      ['LaunchProgramme', { programmeId: 'JS', name: '提升工程2.0', provinceId: 'P', rulebook: 'jiangsu-2.0' }],
      [
        'ScheduleBatch',
        {
          programmeId: 'JS',
          batchId: 'B1',
          name: '第一批',
          startsOn: '2020-11-01',
          endsOn: '2021-10-31',
          sharePercent: 20,
          periods: [{ periodId: '1', startsOn: '2020-11-01', endsOn: '2021-01-30' }],
        },
      ],
      ['AllocateQuota', { batchId: 'B1', periodId: '1', fromUnitId: 'P', toUnitId: 'CITY', seats: 10 }],
      ['AllocateQuota', { batchId: 'B1', periodId: '1', fromUnitId: 'CITY', toUnitId: 'C-1', seats: 5 }],
      ['AllocateQuota', { batchId: 'B1', periodId: '1', fromUnitId: 'C-1', toUnitId: 'S-A', seats: 2 }],
      ['AllocateQuota', { batchId: 'B1', periodId: '1', fromUnitId: 'C-1', toUnitId: 'S-B', seats: 1 }],
      [
        'RegisterTeacher',
        {
          teacherId: 'T-1',
          schoolId: 'S-A',
          name: '王芳',
          idNumber: first17 + idNumberCheckCharacter(first17),
          gender: 'female',
          stage: '小学',
          subject: '语文',
          fullTime: true,
          birthDate: '1985-03-12',
        },
      ],
      [
        'RegisterTeacher',
        {
          teacherId: 'T-2',
          schoolId: 'S-A',
          name: '李雷',
          idNumber: first17 + idNumberCheckCharacter(first17),
          gender: 'male',
          stage: '小学',
          subject: '数学',
          fullTime: true,
          birthDate: '1985-03-12',
        },
      ],
      [
        'EnrollTeacher',
        { batchId: 'B1', periodId: '1', teacherId: 'T-1', ...at(adminOf('S-A'), '2020-11-02T09:00:00+08:00') },
      ],
      [
        'RecordOnlineHours',
        { batchId: 'B1', teacherId: 'T-1', recordId: 'R-1', courseId: 'C', hours: 12, at: '2020-11-05T09:00:00+08:00' },
      ],
    ];
    for (const [name, body] of setup) expect([name, (await api.send(system, name, body)).status]).toEqual([name, 200]);
  });
  afterAll(async () => api?.stop());

  it('refuses a school with no seat left, changing nothing', async () => {
    const refused = await api.send(countyAdmin, 'TransferTeacher', { teacherId: 'T-1', toSchoolId: 'S-FULL' });
    expect(refused).toMatchObject({ status: 422, body: { error: { code: 'NO_SEAT_LEFT' } } });
  });

  it('refuses, as unknown to every scope, a move between provinces or to a school nobody registered', async () => {
    const city: Actor = { sub: 'city', role: 'city-admin', unitId: 'CITY' };
    expect((await api.send(city, 'TransferTeacher', { teacherId: 'T-1', toSchoolId: 'S-ZJ' })).status).toBe(403);
    expect((await api.send(city, 'TransferTeacher', { teacherId: 'T-1', toSchoolId: 'S-NOWHERE' })).status).toBe(403);
    expect(
      (
        await api.send({ sub: 'g', role: 'group-leader', unitId: 'S-A' }, 'SubmitGroupVideo', {
          batchId: 'B1',
          schoolId: 'S-FUTURE',
          groupId: 'G',
          videoRef: 'v',
        })
      ).status,
    ).toBe(403);
  });

  it('does not let another school find out whom it has registered', async () => {
    const probe = await api.send(adminOf('S-B'), 'RegisterTeacher', {
      teacherId: 'T-2',
      schoolId: 'S-B',
      name: '李雷',
      idNumber: first17 + idNumberCheckCharacter(first17),
      gender: 'male',
      stage: '小学',
      subject: '数学',
      fullTime: true,
      birthDate: '1985-03-12',
    });
    expect(probe).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN' } } });
  });

  it('is for an admin above both schools only', async () => {
    expect((await api.send(adminOf('S-A'), 'TransferTeacher', { teacherId: 'T-1', toSchoolId: 'S-B' })).status).toBe(
      403,
    );
    expect(
      (
        await api.send({ sub: 'far', role: 'county-admin', unitId: 'C-2' }, 'TransferTeacher', {
          teacherId: 'T-1',
          toSchoolId: 'S-FAR',
        })
      ).status,
    ).toBe(403);
  });

  it('moves the teacher, their record and their seat together', async () => {
    const moved = await api.send(countyAdmin, 'TransferTeacher', { teacherId: 'T-1', toSchoolId: 'S-B' });
    expect(moved.status).toBe(200);
    expect(moved.body.events?.map((event) => event.type).sort()).toEqual([
      'SeatReleased',
      'SeatTaken',
      'TeacherMovedSchool',
      'TeacherTransferred',
    ]);
    const again = await api.send(countyAdmin, 'TransferTeacher', { teacherId: 'T-1', toSchoolId: 'S-B' });
    expect(again.body.events).toEqual([]);
  });

  it('hands the teacher to the new school’s admin, with the hours already earned', async () => {
    // 12 online hours came with the record: 13 more pass the online part.
    expect(
      (
        await api.send(system, 'RecordOnlineHours', {
          batchId: 'B1',
          teacherId: 'T-1',
          recordId: 'R-2',
          courseId: 'C',
          hours: 13,
          at: '2020-11-20T09:00:00+08:00',
        })
      ).status,
    ).toBe(200);
    const submitted = await api.send(system, 'SubmitPracticeEvidence', {
      batchId: 'B1',
      teacherId: 'T-1',
      abilityPoint: 'A1',
      evidenceRef: 'x',
      ...at({ sub: 'T-1', role: 'teacher', unitId: 'S-B' }, '2020-11-21T09:00:00+08:00'),
    });
    // Online hours are checked first: reaching the point check proves the 12 hours came along.
    expect(submitted.body.error?.code).toBe('POINT_NOT_CHOSEN');
    expect(
      (await api.send(adminOf('S-A'), 'WithdrawTeacher', { batchId: 'B1', teacherId: 'T-1', reason: 'x' })).status,
    ).toBe(403);
    // The seat S-A gave back is free again.
    expect(
      (
        await api.send(countyAdmin, 'RevokeQuota', {
          batchId: 'B1',
          periodId: '1',
          fromUnitId: 'C-1',
          toUnitId: 'S-A',
          seats: 2,
        })
      ).status,
    ).toBe(200);
  });
});
