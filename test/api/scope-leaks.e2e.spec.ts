import { Actor, idNumberCheckCharacter } from '@tip/domain';
import { ApiUnderTest, startApiUnderTest } from './support/api-under-test';

/**
 * Outside one's subtree, an id that exists and one that does not get the same answer: the same
 * status, the same message, at once (before any wait for minPosition), and naming nothing but
 * what the caller sent and its own unit.
 */
describe('views say nothing to those outside', () => {
  let api: ApiUnderTest;
  const system: Actor = { sub: 'importer', role: 'system' };
  // Two provinces; the admins of one ask about the other.
  const schoolAdmin: Actor = { sub: 'sa', role: 'school-admin', unitId: 'A-S1' };
  const countyAdmin: Actor = { sub: 'ca', role: 'county-admin', unitId: 'A-X' };
  const provinceAdmin: Actor = { sub: 'pa', role: 'province-admin', unitId: 'A' };
  const inspector: Actor = { sub: 'in', role: 'inspector', unitId: 'A' };
  const teacher: Actor = { sub: 'A-T1', role: 'teacher', unitId: 'A-S1' };

  const ok = (name: string, body: Record<string, unknown>) => api.accepted(system, name, body);

  async function province(prefix: string): Promise<void> {
    await ok('RegisterOrgUnit', { unitId: prefix, kind: 'province', name: `省${prefix}` });
    await ok('RegisterOrgUnit', { unitId: `${prefix}-C`, kind: 'city', name: '市', parentId: prefix });
    await ok('RegisterOrgUnit', { unitId: `${prefix}-X`, kind: 'county', name: '区', parentId: `${prefix}-C` });
    for (const school of ['S1', 'S2'])
      await ok('RegisterOrgUnit', {
        unitId: `${prefix}-${school}`,
        kind: 'school',
        name: '学校',
        parentId: `${prefix}-X`,
        fullTimeTeachers: 3,
      });
    await ok('LaunchProgramme', {
      programmeId: `${prefix}-P`,
      name: '提升工程',
      provinceId: prefix,
      rulebook: 'jiangsu-2.0',
    });
    await ok('ScheduleBatch', {
      programmeId: `${prefix}-P`,
      batchId: `${prefix}-B`,
      name: '第一批',
      startsOn: '2026-01-05',
      endsOn: '2026-12-31',
      sharePercent: 20,
      periods: [{ periodId: '1', startsOn: '2026-01-05', endsOn: '2026-12-31' }],
    });
    for (const [index, school] of ['S1', 'S2'].entries()) {
      const first17 = `32070319850101${String(100 + index).padStart(3, '0')}`;
      await ok('RegisterTeacher', {
        teacherId: `${prefix}-T${index + 1}`,
        schoolId: `${prefix}-${school}`,
        name: '教师',
        idNumber: `${first17}${idNumberCheckCharacter(first17)}`,
        gender: 'female',
        stage: '初中',
        subject: '数学',
        fullTime: true,
        birthDate: '1985-01-01',
      });
    }
    for (const [from, to] of [
      [prefix, `${prefix}-C`],
      [`${prefix}-C`, `${prefix}-X`],
      [`${prefix}-X`, `${prefix}-S1`],
    ])
      await ok('AllocateQuota', { batchId: `${prefix}-B`, periodId: '1', fromUnitId: from, toUnitId: to, seats: 2 });
    await ok('EnrollTeacher', { batchId: `${prefix}-B`, periodId: '1', teacherId: `${prefix}-T1` });
    await ok('DrawInspectionSample', {
      sampleId: `${prefix}-SAMPLE`,
      batchId: `${prefix}-B`,
      scopeUnitId: prefix,
      ratePercent: 50,
      seed: 7,
    });
  }

  beforeAll(async () => {
    // Views would wait a minute for minPosition: an answer within the test's time proves none did.
    api = await startApiUnderTest({ TIP_VIEW_WAIT_MS: '60000' });
    await province('A');
    await province('B');
  });
  afterAll(async () => api?.stop());

  const FAR_AHEAD = 'minPosition=999999999999';

  /** [who, the route with an id that exists (outside their scope), the same route with one that does not]. */
  const pairs: [string, () => Actor, string, string][] = [
    [
      'unit progress',
      () => schoolAdmin,
      `/views/units/B-S1/progress?batchId=B-B`,
      `/views/units/NO-S/progress?batchId=B-B`,
    ],
    [
      'unit progress, a sibling school',
      () => schoolAdmin,
      `/views/units/A-S2/progress?batchId=A-B`,
      `/views/units/A-S9/progress?batchId=A-B`,
    ],
    ['unit quota', () => countyAdmin, `/views/units/B-X/quota?batchId=B-B`, `/views/units/NO-X/quota?batchId=B-B`],
    [
      'a batch named beside one’s own unit',
      () => countyAdmin,
      `/views/units/A-X/progress?batchId=B-B`,
      `/views/units/A-X/progress?batchId=NO-B`,
    ],
    ['batch progress', () => provinceAdmin, `/views/batches/B-B/progress`, `/views/batches/NO-B/progress`],
    ['transcript', () => schoolAdmin, `/views/teachers/A-T2/transcript`, `/views/teachers/NO-T/transcript`],
    [
      'another teacher’s transcript',
      () => teacher,
      `/views/teachers/A-T2/transcript`,
      `/views/teachers/NO-T/transcript`,
    ],
    ['inspection sample', () => inspector, `/inspections/B-SAMPLE`, `/inspections/NO-SAMPLE`],
    [
      'weekly notice',
      () => countyAdmin,
      `/notices/weekly?unitId=B-X&batchId=B-B&week=2026-W02`,
      `/notices/weekly?unitId=NO-X&batchId=B-B&week=2026-W02`,
    ],
  ];

  it.each(pairs)('%s: existing and missing ids outside get the same 403 at once', async (_, who, existing, missing) => {
    const join = (path: string) => `${path}${path.includes('?') ? '&' : '?'}${FAR_AHEAD}`;
    const [there, notThere] = await Promise.all([api.get(who(), join(existing)), api.get(who(), join(missing))]);
    expect(there.status).toBe(403);
    expect(notThere).toMatchObject({ status: there.status, body: there.body });
    const message = (there.body as { error: { message: string } }).error.message;
    // Nothing learnt about the tree: not the school a teacher is at, not the province a batch belongs to.
    for (const hidden of ['B-S1', 'B-X', 'B-C', 'A-S2', 'B', 'A-X-', 'B-P'])
      expect(message.split(/[\s(),.]+/)).not.toContain(hidden);
  });

  it('lets those inside read at once, and those who read everything learn what is missing', async () => {
    expect((await api.get(schoolAdmin, `/views/units/A-S1/progress?batchId=A-B`)).status).toBe(200);
    expect((await api.get(countyAdmin, `/views/units/A-X/quota?batchId=A-B`)).status).toBe(200);
    expect((await api.get(provinceAdmin, `/views/batches/A-B/progress`)).status).toBe(200);
    expect((await api.get(inspector, `/inspections/A-SAMPLE`)).status).toBe(200);
    expect((await api.get(teacher, `/views/teachers/A-T1/transcript`)).status).toBe(200);
    const auditor: Actor = { sub: 'au', role: 'auditor' };
    expect((await api.get(auditor, `/views/units/NO-S/progress?batchId=B-B`)).status).toBe(404);
    expect((await api.get(auditor, `/inspections/NO-SAMPLE`)).status).toBe(404);
  });
});
