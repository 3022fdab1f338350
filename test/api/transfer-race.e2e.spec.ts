import {
  Actor,
  enrollmentEvolver,
  EnrollmentEvent,
  enrollmentStreamId,
  fold,
  idNumberCheckCharacter,
  isActiveEnrollment,
  TeacherEvent,
  teacherDecider,
  teacherStreamId,
} from '@tip/domain';
import { createPostgresEventStore } from '@tip/event-store';
import { ApiUnderTest, startApiUnderTest } from './support/api-under-test';

/**
 * A transfer racing a re-enrollment: whichever wins, the teacher's school and their open record's
 * school must agree, because each append is checked against what its decision read.
 */
describe('A transfer racing an enrollment', () => {
  let api: ApiUnderTest;
  const system: Actor = { sub: 'setup', role: 'system' };
  const county: Actor = { sub: 'county', role: 'county-admin', unitId: 'C-1' };
  const admin: Actor = { sub: 'admin-S-A', role: 'school-admin', unitId: 'S-A' };
  const teachers = Array.from({ length: 30 }, (_, index) => `T-${index}`);
  const first17 = '32070719850312123';

  beforeAll(async () => {
    api = await startApiUnderTest();
    const setup: [string, Record<string, unknown>][] = [
      ['RegisterOrgUnit', { unitId: 'P', kind: 'province', name: '省' }],
      ['RegisterOrgUnit', { unitId: 'CITY', kind: 'city', name: '市', parentId: 'P' }],
      ['RegisterOrgUnit', { unitId: 'C-1', kind: 'county', name: '区', parentId: 'CITY' }],
      ['RegisterOrgUnit', { unitId: 'S-A', kind: 'school', name: '甲校', parentId: 'C-1' }],
      ['RegisterOrgUnit', { unitId: 'S-B', kind: 'school', name: '乙校', parentId: 'C-1' }],
      ['LaunchProgramme', { programmeId: 'JS', name: '2.0', provinceId: 'P', rulebook: 'jiangsu-2.0' }],
      [
        'ScheduleBatch',
        {
          programmeId: 'JS',
          batchId: 'B1',
          name: '一',
          startsOn: '2020-11-01',
          endsOn: '2021-10-31',
          sharePercent: 20,
          periods: [{ periodId: '1', startsOn: '2020-11-01', endsOn: '2021-01-30' }],
        },
      ],
      ['AllocateQuota', { batchId: 'B1', periodId: '1', fromUnitId: 'P', toUnitId: 'CITY', seats: 100 }],
      ['AllocateQuota', { batchId: 'B1', periodId: '1', fromUnitId: 'CITY', toUnitId: 'C-1', seats: 100 }],
      ['AllocateQuota', { batchId: 'B1', periodId: '1', fromUnitId: 'C-1', toUnitId: 'S-A', seats: 40 }],
      ['AllocateQuota', { batchId: 'B1', periodId: '1', fromUnitId: 'C-1', toUnitId: 'S-B', seats: 40 }],
    ];
    for (const teacherId of teachers) {
      setup.push([
        'RegisterTeacher',
        {
          teacherId,
          schoolId: 'S-A',
          name: '王芳',
          idNumber: first17 + idNumberCheckCharacter(first17),
          gender: 'female',
          stage: '小学',
          subject: '语文',
          fullTime: true,
          birthDate: '1985-03-12',
        },
      ]);
      setup.push([
        'EnrollTeacher',
        { batchId: 'B1', periodId: '1', teacherId, actor: admin, at: '2020-11-02T09:00:00+08:00' },
      ]);
      setup.push([
        'WithdrawTeacher',
        { batchId: 'B1', teacherId, reason: '暂缓', actor: admin, at: '2020-11-03T09:00:00+08:00' },
      ]);
    }
    for (const [name, body] of setup) expect([name, (await api.send(system, name, body)).status]).toEqual([name, 200]);
  });
  afterAll(async () => api?.stop());

  it('never leaves an open record at a school the teacher has left', async () => {
    await Promise.all(
      teachers.flatMap((teacherId) => [
        api.send(system, 'EnrollTeacher', {
          batchId: 'B1',
          periodId: '1',
          teacherId,
          actor: admin,
          at: '2020-11-04T09:00:00+08:00',
        }),
        api.send(county, 'TransferTeacher', { teacherId, toSchoolId: 'S-B' }),
      ]),
    );
    const store = await createPostgresEventStore({ connectionString: api.database.url });
    try {
      for (const teacherId of teachers) {
        const teacher = fold(
          teacherDecider(),
          (await store.readStream(teacherStreamId(teacherId))) as unknown as TeacherEvent[],
        );
        const record = fold(
          enrollmentEvolver,
          (await store.readStream(enrollmentStreamId('B1', teacherId))) as unknown as EnrollmentEvent[],
        );
        if (teacher.status !== 'registered') throw new Error(`${teacherId} vanished`);
        if (isActiveEnrollment(record)) expect([teacherId, record.schoolId]).toEqual([teacherId, teacher.schoolId]);
      }
    } finally {
      await store.close();
    }
  });
});
