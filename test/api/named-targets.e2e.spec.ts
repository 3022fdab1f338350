import { contractCommands } from '@tip/application';
import { Actor, idNumberCheckCharacter } from '@tip/domain';
import { createPostgresEventStore, PostgresEventStore } from '@tip/event-store';
import { ApiUnderTest, CommandResponse, startApiUnderTest } from './support/api-under-test';

/**
 * Every command checks that every unit, school, batch and teacher it names exists: refused with
 * a 422 naming what is missing, and nothing appended (a group video of a school nobody
 * registered once stopped every read model). For anyone but system an unknown target outside
 * the caller's scope answers exactly as another region's does: 403, naming nothing beyond the
 * caller's own unit.
 */
describe('Commands naming what does not exist', () => {
  let api: ApiUnderTest;
  const system: Actor = { sub: 'setup', role: 'system' };
  const first17 = '32070719850312123';
  const teacher = (teacherId: string, schoolId: string) => ({
    teacherId,
    schoolId,
    name: '王芳',
    idNumber: first17 + idNumberCheckCharacter(first17),
    gender: 'female',
    stage: '小学',
    subject: '语文',
    fullTime: true,
    birthDate: '1985-03-12',
  });
  const record = { batchId: 'B1', teacherId: 'T-1' };
  const school = { batchId: 'B1', schoolId: 'S-1' };
  const send = async (actor: Actor, name: string, body: Record<string, unknown>, key?: string) =>
    api.send(actor, name, body, key === undefined ? {} : { 'idempotency-key': key });
  const ok = (name: string, body: Record<string, unknown>) => api.accepted(system, name, body);
  let store: PostgresEventStore;
  /** The last position written: what a refused command must leave as it found it. */
  const head = async () => (await store.stats()).headPosition;

  beforeAll(async () => {
    api = await startApiUnderTest();
    store = await createPostgresEventStore({ connectionString: api.database.url });
    await ok('RegisterOrgUnit', { unitId: 'P', kind: 'province', name: '江苏省' });
    await ok('RegisterOrgUnit', { unitId: 'C', kind: 'city', name: '连云港市', parentId: 'P' });
    await ok('RegisterOrgUnit', { unitId: 'K-1', kind: 'county', name: '海州区', parentId: 'C' });
    await ok('RegisterOrgUnit', { unitId: 'K-2', kind: 'county', name: '赣榆区', parentId: 'C' });
    await ok('RegisterOrgUnit', { unitId: 'S-1', kind: 'school', name: '甲校', parentId: 'K-1' });
    await ok('RegisterOrgUnit', { unitId: 'S-2', kind: 'school', name: '乙校', parentId: 'K-2' });
    await ok('RegisterOrgUnit', { unitId: 'P-2', kind: 'province', name: '浙江省' });
    await ok('LaunchProgramme', { programmeId: 'JS', name: '提升工程2.0', provinceId: 'P', rulebook: 'jiangsu-2.0' });
    await ok('ScheduleBatch', {
      programmeId: 'JS',
      batchId: 'B1',
      name: '第一批',
      startsOn: '2020-11-01',
      endsOn: '2021-10-31',
      sharePercent: 20,
      periods: [{ periodId: '1', startsOn: '2020-11-01', endsOn: '2021-01-30' }],
    });
    await ok('AllocateQuota', { batchId: 'B1', periodId: '1', fromUnitId: 'P', toUnitId: 'C', seats: 10 });
    await ok('AllocateQuota', { batchId: 'B1', periodId: '1', fromUnitId: 'C', toUnitId: 'K-1', seats: 5 });
    await ok('AllocateQuota', { batchId: 'B1', periodId: '1', fromUnitId: 'K-1', toUnitId: 'S-1', seats: 2 });
    await ok('RegisterTeacher', teacher('T-1', 'S-1'));
    await ok('RegisterTeacher', teacher('T-2', 'S-2'));
    await ok('EnrollTeacher', { batchId: 'B1', periodId: '1', teacherId: 'T-1', at: '2020-11-02T09:00:00+08:00' });
    const last = await ok('DrawInspectionSample', {
      sampleId: 'SAMPLE-1',
      batchId: 'B1',
      scopeUnitId: 'P',
      ratePercent: 100,
      seed: 7,
    });
    // The log is read up to the position readers can safely reach, a moment behind the last
    // append: count from there, or the first case counts the set-up's last event as its own.
    for (let tries = 0; tries < 100; tries++) {
      const tail = await api.get<{ events: unknown[] }>(system, `/audit/events?fromPosition=${last.body.position}`);
      if (tail.body.events.length > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });
  afterAll(async () => {
    await store?.close();
    await api?.stop();
  });

  /** Per command, bodies as system sends them, each naming one thing that does not exist, and the code it earns. */
  const cases: Record<string, [body: Record<string, unknown>, code: string][]> = {
    RegisterOrgUnit: [[{ unitId: 'S-9', kind: 'school', name: '丙校', parentId: 'NOPE' }, 'UNKNOWN_PARENT']],
    RegisterTeacher: [[teacher('T-9', 'NOPE'), 'UNKNOWN_SCHOOL']],
    SetIssuingOffice: [[{ unitId: 'NOPE', issuingOffice: '项目办' }, 'UNKNOWN_UNIT']],
    DeclareFullTimeTeachers: [[{ unitId: 'NOPE', fullTimeTeachers: 10 }, 'UNKNOWN_UNIT']],
    ExemptTeacher: [
      [{ programmeId: 'NOPE', teacherId: 'T-1' }, 'UNKNOWN_PROGRAMME'],
      [{ programmeId: 'JS', teacherId: 'NOPE' }, 'UNKNOWN_TEACHER'],
    ],
    LaunchProgramme: [[{ programmeId: 'X', name: 'x', provinceId: 'NOPE', rulebook: 'jiangsu-2.0' }, 'UNKNOWN_UNIT']],
    ScheduleBatch: [
      [
        {
          programmeId: 'NOPE',
          batchId: 'B9',
          name: 'x',
          startsOn: '2020-11-01',
          endsOn: '2021-10-31',
          sharePercent: 20,
          periods: [{ periodId: '1', startsOn: '2020-11-01', endsOn: '2021-01-30' }],
        },
        'UNKNOWN_PROGRAMME',
      ],
    ],
    ExtendBatch: [[{ batchId: 'NOPE', endsOn: '2022-12-31', reason: '延期' }, 'UNKNOWN_BATCH']],
    AllocateQuota: [
      [{ batchId: 'NOPE', periodId: '1', fromUnitId: 'K-1', toUnitId: 'S-1', seats: 1 }, 'UNKNOWN_BATCH'],
      [{ batchId: 'B1', periodId: '1', fromUnitId: 'K-1', toUnitId: 'NOPE', seats: 1 }, 'UNKNOWN_UNIT'],
      [{ batchId: 'B1', periodId: '1', fromUnitId: 'NOPE', toUnitId: 'S-1', seats: 1 }, 'UNKNOWN_UNIT'],
    ],
    RevokeQuota: [
      [{ batchId: 'NOPE', periodId: '1', fromUnitId: 'K-1', toUnitId: 'S-1', seats: 1 }, 'UNKNOWN_BATCH'],
      [{ batchId: 'B1', periodId: '1', fromUnitId: 'K-1', toUnitId: 'NOPE', seats: 1 }, 'UNKNOWN_UNIT'],
    ],
    EnrollTeacher: [
      [{ batchId: 'B1', periodId: '1', teacherId: 'NOPE' }, 'UNKNOWN_TEACHER'],
      [{ batchId: 'NOPE', periodId: '1', teacherId: 'T-1' }, 'UNKNOWN_BATCH'],
    ],
    ConfirmEnrollment: [
      [{ ...record, batchId: 'NOPE' }, 'UNKNOWN_BATCH'],
      [{ ...record, teacherId: 'NOPE' }, 'UNKNOWN_TEACHER'],
    ],
    WithdrawTeacher: [
      [{ ...record, batchId: 'NOPE', reason: 'x' }, 'UNKNOWN_BATCH'],
      [{ ...record, teacherId: 'NOPE', reason: 'x' }, 'UNKNOWN_TEACHER'],
    ],
    TransferTeacher: [
      [{ teacherId: 'NOPE', toSchoolId: 'S-2' }, 'UNKNOWN_TEACHER'],
      [{ teacherId: 'T-1', toSchoolId: 'NOPE' }, 'UNKNOWN_SCHOOL'],
    ],
    SelectAbilityPoints: [
      [{ ...record, batchId: 'NOPE', points: ['A1'] }, 'UNKNOWN_BATCH'],
      [{ ...record, teacherId: 'NOPE', points: ['A1'] }, 'UNKNOWN_TEACHER'],
    ],
    RecordOnlineHours: [
      [{ ...record, batchId: 'NOPE', recordId: 'R', courseId: 'C', hours: 1 }, 'UNKNOWN_BATCH'],
      [{ ...record, teacherId: 'NOPE', recordId: 'R', courseId: 'C', hours: 1 }, 'UNKNOWN_TEACHER'],
    ],
    SubmitPracticeEvidence: [
      [{ ...record, batchId: 'NOPE', abilityPoint: 'A1', evidenceRef: 'e' }, 'UNKNOWN_BATCH'],
      [{ ...record, teacherId: 'NOPE', abilityPoint: 'A1', evidenceRef: 'e' }, 'UNKNOWN_TEACHER'],
    ],
    RecordPeerReview: [
      [{ ...record, batchId: 'NOPE', videoId: 'v', comment: 'c' }, 'UNKNOWN_BATCH'],
      [{ ...record, teacherId: 'NOPE', videoId: 'v', comment: 'c' }, 'UNKNOWN_TEACHER'],
    ],
    ReturnEvidence: [
      [{ ...record, batchId: 'NOPE', abilityPoint: 'A1', reason: 'r' }, 'UNKNOWN_BATCH'],
      [{ ...record, teacherId: 'NOPE', abilityPoint: 'A1', reason: 'r' }, 'UNKNOWN_TEACHER'],
    ],
    AssessPractice: [
      [{ ...record, batchId: 'NOPE', grade: 'pass' }, 'UNKNOWN_BATCH'],
      [{ ...record, teacherId: 'NOPE', grade: 'pass' }, 'UNKNOWN_TEACHER'],
    ],
    RecordOfflineHours: [
      [{ ...record, batchId: 'NOPE', hours: 1 }, 'UNKNOWN_BATCH'],
      [{ ...record, teacherId: 'NOPE', hours: 1 }, 'UNKNOWN_TEACHER'],
    ],
    IssueCertificate: [
      [{ ...record, batchId: 'NOPE' }, 'UNKNOWN_BATCH'],
      [{ ...record, teacherId: 'NOPE' }, 'UNKNOWN_TEACHER'],
    ],
    RevokeCertificate: [[{ certificateCode: 'TIP-NOPE', reason: 'r' }, 'NOT_FOUND']],
    // The contract's code for this command.
    EraseTeacherPersonalData: [[{ teacherId: 'NOPE', reason: '本人申请' }, 'NOT_FOUND']],
    UploadSchoolPlan: [
      [{ ...school, schoolId: 'NOPE', documentRef: 'd' }, 'UNKNOWN_SCHOOL'],
      [{ ...school, batchId: 'NOPE', documentRef: 'd' }, 'UNKNOWN_BATCH'],
    ],
    SubmitGroupVideo: [
      [{ ...school, schoolId: 'NO-SUCH-SCHOOL', groupId: 'g1', videoRef: 'v' }, 'UNKNOWN_SCHOOL'],
      [{ ...school, batchId: 'NOPE', groupId: 'g1', videoRef: 'v' }, 'UNKNOWN_BATCH'],
      // A county is no school.
      [{ ...school, schoolId: 'K-1', groupId: 'g1', videoRef: 'v' }, 'UNKNOWN_SCHOOL'],
    ],
    UploadExcellentVideo: [
      [{ ...school, schoolId: 'NOPE', teacherId: 'T-1', subject: '语文', videoRef: 'v' }, 'UNKNOWN_SCHOOL'],
      [{ ...school, batchId: 'NOPE', teacherId: 'T-1', subject: '语文', videoRef: 'v' }, 'UNKNOWN_BATCH'],
      [{ ...school, teacherId: 'NOPE', subject: '语文', videoRef: 'v' }, 'UNKNOWN_TEACHER'],
    ],
    DesignatePilotSchool: [
      [{ ...school, schoolId: 'NOPE', finishBy: '2021-12-31' }, 'UNKNOWN_SCHOOL'],
      [{ ...school, batchId: 'NOPE', finishBy: '2021-12-31' }, 'UNKNOWN_BATCH'],
    ],
    ApplyForClosure: [
      [{ ...school, schoolId: 'NOPE' }, 'UNKNOWN_SCHOOL'],
      [{ ...school, batchId: 'NOPE' }, 'UNKNOWN_BATCH'],
    ],
    ApproveClosure: [
      [{ ...school, schoolId: 'NOPE' }, 'UNKNOWN_SCHOOL'],
      [{ ...school, batchId: 'NOPE' }, 'UNKNOWN_BATCH'],
    ],
    RejectClosure: [
      [{ ...school, schoolId: 'NOPE' }, 'UNKNOWN_SCHOOL'],
      [{ ...school, batchId: 'NOPE' }, 'UNKNOWN_BATCH'],
    ],
    CloseSchool: [
      [{ ...school, schoolId: 'NOPE', signedDocumentRef: 'd' }, 'UNKNOWN_SCHOOL'],
      [{ ...school, batchId: 'NOPE', signedDocumentRef: 'd' }, 'UNKNOWN_BATCH'],
    ],
    DrawInspectionSample: [
      [{ batchId: 'NOPE', scopeUnitId: 'P', ratePercent: 50, seed: 1 }, 'UNKNOWN_BATCH'],
      [{ batchId: 'B1', scopeUnitId: 'NOPE', ratePercent: 50, seed: 1 }, 'UNKNOWN_UNIT'],
    ],
    RecordInspectionFinding: [
      [{ sampleId: 'NOPE', schoolId: 'S-1', outcome: 'satisfactory', notes: '' }, 'UNKNOWN_SAMPLE'],
      [{ sampleId: 'SAMPLE-1', schoolId: 'NOPE', outcome: 'satisfactory', notes: '' }, 'UNKNOWN_SCHOOL'],
    ],
    AddUser: [
      [
        { userId: 'U-9', name: '丁', role: 'school-admin', unitId: 'NOPE', password: 'a long password' },
        'UNKNOWN_UNIT',
      ],
      [{ userId: 'NOPE', name: '丁', role: 'teacher', unitId: 'S-1', password: 'a long password' }, 'UNKNOWN_TEACHER'],
    ],
    ResetPassword: [[{ userId: 'NOPE', password: 'a long password' }, 'UNKNOWN_USER']],
    DisableUser: [[{ userId: 'NOPE', reason: 'x' }, 'UNKNOWN_USER']],
    EnableUser: [[{ userId: 'NOPE' }, 'UNKNOWN_USER']],
    // Names nothing that must exist: a token is known only to whoever holds it.
    RevokeToken: [],
  };

  it('has a case for every command the API serves', () => {
    expect(Object.keys(cases).sort()).toEqual(contractCommands.map((command) => command.name).sort());
  });

  for (const [name, bodies] of Object.entries(cases)) {
    for (const [body, code] of bodies) {
      it(`${name} ${JSON.stringify(body)} is refused ${code}, appending nothing`, async () => {
        const before = await head();
        const refused = await send(system, name, body);
        expect({ status: refused.status, code: refused.body.error?.code }).toEqual({ status: 422, code });
        expect(await head()).toBe(before);
      });
    }
  }

  describe('for a caller outside the target', () => {
    const outsideAlike = (existing: CommandResponse, missing: CommandResponse) => {
      expect(existing.status).toBe(403);
      expect(missing).toEqual(existing);
    };

    it('answers an unknown school exactly as another county’s school', async () => {
      const leader: Actor = { sub: 'g', role: 'group-leader', unitId: 'S-1' };
      const video = (schoolId: string) => ({ batchId: 'B1', schoolId, groupId: 'g1', videoRef: 'v' });
      outsideAlike(
        await send(leader, 'SubmitGroupVideo', video('S-2')),
        await send(leader, 'SubmitGroupVideo', video('NO-SUCH-SCHOOL')),
      );
    });

    it('answers an unknown teacher exactly as another school’s, without naming the school', async () => {
      const admin: Actor = { sub: 'a', role: 'school-admin', unitId: 'S-1' };
      const existing = await send(admin, 'WithdrawTeacher', { batchId: 'B1', teacherId: 'T-2', reason: 'x' });
      outsideAlike(existing, await send(admin, 'WithdrawTeacher', { batchId: 'B1', teacherId: 'T-NOPE', reason: 'x' }));
      expect(existing.body.error?.message).toBe('WithdrawTeacher is outside the scope of this school-admin (unit S-1)');
    });

    it('does not name the common ancestor of two schools', async () => {
      const county: Actor = { sub: 'k', role: 'county-admin', unitId: 'K-1' };
      const transfer = await send(county, 'TransferTeacher', { teacherId: 'T-1', toSchoolId: 'S-2' });
      outsideAlike(transfer, await send(county, 'TransferTeacher', { teacherId: 'T-1', toSchoolId: 'NO-SUCH-SCHOOL' }));
      expect(transfer.body.error?.message).toBe('TransferTeacher is outside the scope of this county-admin (unit K-1)');
      const admin: Actor = { sub: 'a', role: 'school-admin', unitId: 'S-1' };
      const probe = await send(admin, 'RegisterTeacher', teacher('T-2', 'S-1'));
      expect(probe.body.error).toEqual({
        code: 'FORBIDDEN',
        message: 'RegisterTeacher is outside the scope of this school-admin (unit S-1)',
      });
    });

    it('tells another region registering an existing unit only that its id is taken, whatever the data', async () => {
      const otherCity: Actor = { sub: 'c2', role: 'province-admin', unitId: 'P-2' };
      const guesses = await Promise.all(
        [
          { unitId: 'S-1', kind: 'school', name: '甲校', parentId: 'P-2' },
          { unitId: 'S-1', kind: 'city', name: '别的', parentId: 'P-2' },
        ].map((body) => send(otherCity, 'RegisterOrgUnit', body)),
      );
      for (const guess of guesses) {
        expect(guess).toEqual({
          status: 422,
          body: {
            error: {
              code: 'UNIT_ALREADY_REGISTERED',
              message: 'Unit S-1 is already registered',
              details: { unitId: 'S-1' },
            },
          },
        });
      }
      // Those who act over the unit still learn which fields differ (an import rerun with other data).
      const own = await send(system, 'RegisterOrgUnit', {
        unitId: 'S-1',
        kind: 'school',
        name: '别名',
        parentId: 'K-1',
      });
      expect(own.body.error).toMatchObject({ code: 'UNIT_ALREADY_REGISTERED', details: { fields: ['name'] } });
    });

    it('tells another province launching an existing programme only that its id is taken', async () => {
      const other: Actor = { sub: 'p2', role: 'province-admin', unitId: 'P-2' };
      const launched = await send(other, 'LaunchProgramme', {
        programmeId: 'JS',
        name: '另一个',
        provinceId: 'P-2',
        rulebook: 'jiangsu-2.0',
      });
      expect(launched).toEqual({
        status: 422,
        body: {
          error: {
            code: 'PROGRAMME_ALREADY_LAUNCHED',
            message: 'Programme JS is already launched',
            details: { programmeId: 'JS' },
          },
        },
      });
    });
  });

  describe('Idempotency-Key', () => {
    const unit = (unitId: string) => ({ unitId, kind: 'county', name: `县 ${unitId}`, parentId: 'C' });

    it('is scoped by role, unit and sub, so no two callers share a key by how their names run together', async () => {
      const mallory: Actor = { sub: 'mallory', role: 'city-admin', unitId: 'C' };
      const malloryAlice: Actor = { sub: 'mallory:alice', role: 'city-admin', unitId: 'C' };
      const first = await send(mallory, 'RegisterOrgUnit', unit('K-M1'), 'alice:order-7');
      const second = await send(malloryAlice, 'RegisterOrgUnit', unit('K-M2'), 'order-7');
      expect([first.status, second.status]).toEqual([200, 200]);
      expect(second.body.commandId).not.toEqual(first.body.commandId);
    });

    it('takes the same body with its keys in another order as the same request', async () => {
      const city: Actor = { sub: 'order', role: 'city-admin', unitId: 'C' };
      const first = await send(city, 'RegisterOrgUnit', unit('K-O1'), 'keys-in-order');
      const reordered = await send(
        city,
        'RegisterOrgUnit',
        { parentId: 'C', name: '县 K-O1', kind: 'county', unitId: 'K-O1' },
        'keys-in-order',
      );
      expect(reordered).toEqual(first);
    });

    it('keeps a refusal as the first answer: the key cannot be reused with another body, and the same body is refused again', async () => {
      const county: Actor = { sub: 'refused', role: 'county-admin', unitId: 'K-1' };
      const tooMany = { batchId: 'B1', periodId: '1', fromUnitId: 'K-1', toUnitId: 'S-1', seats: 4 };
      const refused = await send(county, 'AllocateQuota', tooMany, 'refused-first');
      expect(refused).toMatchObject({ status: 422, body: { error: { code: 'QUOTA_EXCEEDED' } } });
      const other = await send(county, 'AllocateQuota', { ...tooMany, seats: 1 }, 'refused-first');
      expect(other).toMatchObject({ status: 409, body: { error: { code: 'CONFLICT' } } });
      // Seats enough now, yet the key answers what it answered first.
      await ok('AllocateQuota', { batchId: 'B1', periodId: '1', fromUnitId: 'C', toUnitId: 'K-1', seats: 5 });
      expect(await send(county, 'AllocateQuota', tooMany, 'refused-first')).toEqual(refused);
      expect((await send(county, 'AllocateQuota', tooMany)).status).toBe(200);
    });
  });
});
