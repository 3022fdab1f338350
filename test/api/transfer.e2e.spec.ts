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

  const send = async (actor: Actor, name: string, body: Record<string, unknown>) => {
    const response = await api.send(actor, name, body);
    expect([name, response.status, response.body.error]).toEqual([name, 200, undefined]);
    return response;
  };
  const teacherSheet = (teacherId: string, schoolId: string, name: string) => ({
    teacherId,
    schoolId,
    name,
    idNumber: first17 + idNumberCheckCharacter(first17),
    gender: 'female',
    stage: '小学',
    subject: '语文',
    fullTime: true,
    birthDate: '1985-03-12',
  });

  /**
   * Each test its own pair of schools under county C-1 (two seats at the first, one at the
   * second) and its own teacher, enrolled at the first with 12 online hours: no test depends on
   * what another did, or on the order they run in.
   */
  async function enrolledTeacher(tag: string) {
    const from = `S-A-${tag}`;
    const to = `S-B-${tag}`;
    const teacherId = `T-${tag}`;
    await send(system, 'RegisterOrgUnit', { unitId: from, kind: 'school', name: `甲校${tag}`, parentId: 'C-1' });
    await send(system, 'RegisterOrgUnit', { unitId: to, kind: 'school', name: `乙校${tag}`, parentId: 'C-1' });
    await send(system, 'AllocateQuota', { batchId: 'B1', periodId: '1', fromUnitId: 'C-1', toUnitId: from, seats: 2 });
    await send(system, 'AllocateQuota', { batchId: 'B1', periodId: '1', fromUnitId: 'C-1', toUnitId: to, seats: 1 });
    await send(system, 'RegisterTeacher', teacherSheet(teacherId, from, '王芳'));
    await send(system, 'EnrollTeacher', {
      batchId: 'B1',
      periodId: '1',
      teacherId,
      ...at(adminOf(from), '2020-11-02T09:00:00+08:00'),
    });
    await send(system, 'RecordOnlineHours', {
      batchId: 'B1',
      teacherId,
      recordId: 'R-1',
      courseId: 'C',
      hours: 12,
      at: '2020-11-05T09:00:00+08:00',
    });
    return { from, to, teacherId };
  }

  beforeAll(async () => {
    api = await startApiUnderTest();
    const setup: [string, Record<string, unknown>][] = [
      ['RegisterOrgUnit', { unitId: 'P', kind: 'province', name: '江苏省' }],
      ['RegisterOrgUnit', { unitId: 'CITY', kind: 'city', name: '连云港市', parentId: 'P' }],
      ['RegisterOrgUnit', { unitId: 'C-1', kind: 'county', name: '海州区', parentId: 'CITY' }],
      ['RegisterOrgUnit', { unitId: 'C-2', kind: 'county', name: '赣榆区', parentId: 'CITY' }],
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
      ['AllocateQuota', { batchId: 'B1', periodId: '1', fromUnitId: 'P', toUnitId: 'CITY', seats: 100 }],
      ['AllocateQuota', { batchId: 'B1', periodId: '1', fromUnitId: 'CITY', toUnitId: 'C-1', seats: 50 }],
    ];
    for (const [name, body] of setup) await send(system, name, body);
  });
  afterAll(async () => api?.stop());

  it('refuses a school with no seat left, changing nothing', async () => {
    const { teacherId } = await enrolledTeacher('full');
    const refused = await api.send(countyAdmin, 'TransferTeacher', { teacherId, toSchoolId: 'S-FULL' });
    expect(refused).toMatchObject({ status: 422, body: { error: { code: 'NO_SEAT_LEFT' } } });
  });

  it('refuses, as unknown to every scope, a move between provinces or to a school nobody registered', async () => {
    const { from, teacherId } = await enrolledTeacher('far');
    const city: Actor = { sub: 'city', role: 'city-admin', unitId: 'CITY' };
    expect((await api.send(city, 'TransferTeacher', { teacherId, toSchoolId: 'S-ZJ' })).status).toBe(403);
    expect((await api.send(city, 'TransferTeacher', { teacherId, toSchoolId: 'S-NOWHERE' })).status).toBe(403);
    expect(
      (
        await api.send({ sub: 'g', role: 'group-leader', unitId: from }, 'SubmitGroupVideo', {
          batchId: 'B1',
          schoolId: 'S-FUTURE',
          groupId: 'G',
          videoRef: 'v',
        })
      ).status,
    ).toBe(403);
  });

  it('does not let another school find out whom it has registered', async () => {
    const { to, teacherId } = await enrolledTeacher('probe');
    const probe = await api.send(adminOf(to), 'RegisterTeacher', teacherSheet(teacherId, to, '王芳'));
    expect(probe).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN' } } });
  });

  it('is for an admin above both schools only', async () => {
    const { from, to, teacherId } = await enrolledTeacher('scope');
    expect((await api.send(adminOf(from), 'TransferTeacher', { teacherId, toSchoolId: to })).status).toBe(403);
    expect(
      (
        await api.send({ sub: 'far', role: 'county-admin', unitId: 'C-2' }, 'TransferTeacher', {
          teacherId,
          toSchoolId: 'S-FAR',
        })
      ).status,
    ).toBe(403);
  });

  it('moves the teacher, their record and their seat together', async () => {
    const { to, teacherId } = await enrolledTeacher('move');
    const moved = await api.send(countyAdmin, 'TransferTeacher', { teacherId, toSchoolId: to });
    expect(moved.status).toBe(200);
    expect(moved.body.events?.map((event) => event.type).sort()).toEqual([
      'SeatReleased',
      'SeatTaken',
      'TeacherMovedSchool',
      'TeacherTransferred',
    ]);
    const again = await api.send(countyAdmin, 'TransferTeacher', { teacherId, toSchoolId: to });
    expect(again.body.events).toEqual([]);
  });

  it('hands the teacher to the new school’s admin, with the hours already earned', async () => {
    const { from, to, teacherId } = await enrolledTeacher('after');
    await send(countyAdmin, 'TransferTeacher', { teacherId, toSchoolId: to });
    // 12 online hours came with the record: 13 more pass the online part.
    expect(
      (
        await api.send(system, 'RecordOnlineHours', {
          batchId: 'B1',
          teacherId,
          recordId: 'R-2',
          courseId: 'C',
          hours: 13,
          at: '2020-11-20T09:00:00+08:00',
        })
      ).status,
    ).toBe(200);
    const submitted = await api.send(system, 'SubmitPracticeEvidence', {
      batchId: 'B1',
      teacherId,
      abilityPoint: 'A1',
      evidenceRef: 'x',
      ...at({ sub: teacherId, role: 'teacher', unitId: to }, '2020-11-21T09:00:00+08:00'),
    });
    // Online hours are checked first: reaching the point check proves the 12 hours came along.
    expect(submitted.body.error?.code).toBe('POINT_NOT_CHOSEN');
    expect((await api.send(adminOf(from), 'WithdrawTeacher', { batchId: 'B1', teacherId, reason: 'x' })).status).toBe(
      403,
    );
    // The seat the first school gave back is free again.
    expect(
      (
        await api.send(countyAdmin, 'RevokeQuota', {
          batchId: 'B1',
          periodId: '1',
          fromUnitId: 'C-1',
          toUnitId: from,
          seats: 2,
        })
      ).status,
    ).toBe(200);
  });
});
