import ExcelJS from 'exceljs';
import { parse } from 'node-html-parser';
import { parse as parseCsv } from 'csv-parse/sync';
import { Actor, idNumberCheckCharacter } from '@tip/domain';
import { ApiUnderTest, CommandResponse, startApiUnderTest } from './support/api-under-test';
import { scenarioOver } from './support/scenario';

/**
 * The read side's contract beyond one scenario: read-your-writes through minPosition, 503
 * VIEW_BEHIND, bad parameters named, scope, notices in every format read back, and spot checks.
 */
const BATCH = 'B-2021';
const importer: Actor = { sub: 'importer', role: 'system' };
const inspector: Actor = { sub: 'expert', role: 'inspector', unitId: '320000' };
const countyAdmin: Actor = { sub: 'county', role: 'county-admin', unitId: '320703' };
const schools = ['S-1', 'S-2', 'S-3', 'S-4'];

describe('views over HTTP', () => {
  let api: ApiUnderTest;
  let registered: CommandResponse;
  const scenario = scenarioOver(() => api);
  const position = scenario.position;
  /** A command sent by the importer at its business time (China local), and accepted. */
  const act = (when: string, name: string, body: Record<string, unknown>) =>
    scenario.accepted(importer, when, name, body);

  beforeAll(async () => {
    api = await startApiUnderTest({ TIP_VIEW_WAIT_MS: '300' });
    await act('2021-01-04T09:00:00', 'RegisterOrgUnit', { unitId: '320000', kind: 'province', name: '江苏省' });
    await act('2021-01-04T09:00:00', 'RegisterOrgUnit', {
      unitId: '320700',
      kind: 'city',
      name: '连云港市',
      parentId: '320000',
    });
    await act('2021-01-04T09:00:00', 'RegisterOrgUnit', {
      unitId: '320703',
      kind: 'county',
      name: '连云区',
      parentId: '320700',
    });
    for (const [index, schoolId] of schools.entries()) {
      await act('2021-01-04T09:00:00', 'RegisterOrgUnit', {
        unitId: schoolId,
        kind: 'school',
        name: `<b>学校${index + 1}</b> & "其他"`,
        parentId: '320703',
        fullTimeTeachers: 5,
      });
    }
    await act('2021-01-05T09:00:00', 'LaunchProgramme', {
      programmeId: 'P',
      name: '提升工程2.0',
      provinceId: '320000',
      rulebook: 'jiangsu-2.0',
    });
    await act('2021-01-05T09:00:00', 'ScheduleBatch', {
      programmeId: 'P',
      batchId: BATCH,
      name: '第一批',
      startsOn: '2021-01-11',
      endsOn: '2021-12-31',
      sharePercent: 20,
      periods: [{ periodId: '1', startsOn: '2021-01-11', endsOn: '2021-02-28' }],
    });
    const allocate = (from: string, to: string, seats: number) =>
      act('2021-01-06T09:00:00', 'AllocateQuota', {
        batchId: BATCH,
        periodId: '1',
        fromUnitId: from,
        toUnitId: to,
        seats,
      });
    await allocate('320000', '320700', 40);
    await allocate('320700', '320703', 40);
    for (const schoolId of schools) await allocate('320703', schoolId, 10);
    for (const [index, schoolId] of schools.slice(0, 2).entries()) {
      for (let number = 1; number <= 3; number++) {
        const teacherId = `T-${index + 1}-${number}`;
        const first17 = `32070319850101${String(100 + index * 10 + number).padStart(3, '0')}`;
        await act('2021-01-07T09:00:00', 'RegisterTeacher', {
          teacherId,
          schoolId,
          name: `教师${teacherId}`,
          idNumber: `${first17}${idNumberCheckCharacter(first17)}`,
          gender: 'female',
          stage: '初中',
          subject: '数学',
          fullTime: true,
          birthDate: '1985-01-01',
        });
        // Week 2 enrolls the first school's teachers, week 3 the second's.
        await act(index === 0 ? '2021-01-12T09:00:00' : '2021-01-19T09:00:00', 'EnrollTeacher', {
          batchId: BATCH,
          periodId: '1',
          teacherId,
        });
      }
    }
    // A school that came in week 3 with neither teachers nor a declaration.
    registered = await act('2021-01-20T09:00:00', 'RegisterOrgUnit', {
      unitId: 'S-5',
      kind: 'school',
      name: '新学校',
      parentId: '320703',
    });
  });
  afterAll(async () => api?.stop());

  it('answers once the read model has reached minPosition, and says how far it reaches', async () => {
    const view = await api.get(
      countyAdmin,
      `/views/units/S-5/progress?batchId=${BATCH}&minPosition=${registered.body.position}`,
    );
    expect(view.status).toBe(200);
    expect(view.body).toMatchObject({
      unitId: 'S-5',
      name: '新学校',
      teachers: { enrolled: 0 },
      closure: { status: 'not-taking-part' },
    });
    expect(view.body.position).toBeGreaterThanOrEqual(Number(registered.body.position));
  });

  it('gives 503 VIEW_BEHIND when the read model does not reach minPosition in time', async () => {
    const behind = await api.get(
      countyAdmin,
      `/views/units/320703/progress?batchId=${BATCH}&minPosition=${position() + 1_000_000}`,
    );
    expect(behind.status).toBe(503);
    expect(behind.body).toMatchObject({
      error: { code: 'VIEW_BEHIND', details: { readModel: 'progress', minPosition: position() + 1_000_000 } },
    });
  });

  it.each([
    [`/views/units/320703/progress`, 'batchId'],
    [`/views/units/320703/progress?batchId=${BATCH}&minPosition=-1`, 'minPosition'],
    [`/views/units/320703/progress?batchId=${BATCH}&minPosition=soon`, 'minPosition'],
    [`/views/units/320703/quota?batchId=a:b`, 'batchId'],
    [`/notices/weekly?unitId=320703&batchId=${BATCH}&week=2021-W54`, 'week'],
    [`/notices/weekly?unitId=320703&batchId=${BATCH}&week=2021-W03&format=pdf`, 'format'],
    [`/notices/weekly?batchId=${BATCH}&week=2021-W03`, 'unitId'],
  ])('refuses %s with 400 naming %s', async (path, field) => {
    const response = await api.get(countyAdmin, path);
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({
      error: { code: 'VALIDATION_FAILED', details: [expect.objectContaining({ field })] },
    });
  });

  it("answers 404 for what is not there, 401 without a token, 403 outside the actor's subtree", async () => {
    const auditor: Actor = { sub: 'auditor', role: 'auditor' };
    expect((await api.get(auditor, `/views/units/NOPE/progress?batchId=${BATCH}`)).status).toBe(404);
    expect((await api.get(auditor, `/views/units/320703/progress?batchId=NOPE`)).status).toBe(404);
    expect((await api.get(auditor, `/views/teachers/NOPE/transcript`)).status).toBe(404);
    expect((await api.get(auditor, `/views/batches/NOPE/progress`)).status).toBe(404);
    expect((await api.get(auditor, `/inspections/NOPE`)).status).toBe(404);
    expect((await api.get(countyAdmin, `/views/teachers/T-1-1/transcript?batchId=OTHER`)).status).toBe(404);
    // Inside one's subtree nothing is missing that one could not know of; outside, missing and existing look alike.
    expect((await api.get(countyAdmin, `/views/units/NOPE/progress?batchId=${BATCH}`)).status).toBe(403);
    expect((await api.get(countyAdmin, `/views/units/320703/progress?batchId=NOPE`)).status).toBe(403);
    expect((await api.get(countyAdmin, `/views/teachers/NOPE/transcript`)).status).toBe(403);
    expect((await api.get(inspector, `/inspections/NOPE`)).status).toBe(403);
    expect((await api.get(undefined, `/views/units/320703/progress?batchId=${BATCH}`)).status).toBe(401);
    expect((await api.get(countyAdmin, `/views/units/320700/progress?batchId=${BATCH}`)).status).toBe(403);
    expect((await api.get(countyAdmin, `/views/batches/${BATCH}/progress`)).status).toBe(403);
    expect(
      (await api.get({ sub: 'T-1-1', role: 'teacher', unitId: 'S-1' }, `/views/units/S-1/progress?batchId=${BATCH}`))
        .status,
    ).toBe(403);
    expect(
      (await api.get({ sub: 'T-1-1', role: 'teacher', unitId: 'S-1' }, `/views/teachers/T-1-1/transcript`)).status,
    ).toBe(200);
  });

  it('serves the weekly notice as json, csv, xlsx and html, each readable back', async () => {
    const path = `/notices/weekly?unitId=320703&batchId=${BATCH}&week=2021-W03&minPosition=${position()}`;
    const json = await api.get<{
      unit: { thisWeek: { enrolled: number }; change: { enrolled: number } };
      levels: {
        kind: string;
        rows: { unitId: string; name: string; rank: number; thisWeek: { enrolled: number; required: number } }[];
      }[];
    }>(countyAdmin, path);
    expect(json.status).toBe(200);
    // S-1 and S-2 have three registered teachers each, S-3 and S-4 declare five full-time teachers, S-5 neither.
    expect(json.body.unit).toMatchObject({
      requiredSource: 'mixed',
      thisWeek: { required: 16, enrolled: 6, participationPercent: 37.5, completionPercent: 0 },
      change: { enrolled: 3 },
    });
    const [level] = json.body.levels;
    expect(level.kind).toBe('school');
    // S-5 came in week 3 too; nobody is trained yet: 0% ties at rank 1, S-5 (nobody required) comes last.
    expect(level.rows.map((row) => [row.unitId, row.rank, row.thisWeek.enrolled, row.thisWeek.required])).toEqual([
      ['S-1', 1, 3, 3],
      ['S-2', 1, 3, 3],
      ['S-3', 1, 0, 5],
      ['S-4', 1, 0, 5],
      ['S-5', 5, 0, 0],
    ]);

    const csv = await api.get<string>(countyAdmin, `${path}&format=csv`);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    // Named by unit, batch and week: Chinese for browsers that read RFC 5987, ids in ASCII for the rest.
    expect(csv.headers.get('content-disposition')).toBe(
      `attachment; filename="weekly-notice-320703-${BATCH}-2021-W03.csv"; filename*=UTF-8''${encodeURIComponent('连云区-第一批-2021-W03-周通报.csv')}`,
    );
    const records: string[][] = parseCsv(csv.body.replace(/^\uFEFF/, ''));
    expect(records.find((record) => record.includes('S-2'))).toContain('<b>学校2</b> & "其他"');

    const xlsx = await api.get(countyAdmin, `${path}&format=xlsx`);
    expect(xlsx.headers.get('content-type')).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(new Uint8Array(xlsx.bytes).buffer);
    expect(workbook.worksheets.map((sheet) => sheet.name)).toEqual(['县(市、区)', '学校']);
    const cells: unknown[] = [];
    workbook.getWorksheet('学校')?.eachRow((row) => cells.push(...(row.values as unknown[])));
    expect(cells).toContain('<b>学校1</b> & "其他"');

    const html = await api.get<string>(countyAdmin, `${path}&format=html`);
    expect(html.headers.get('content-type')).toMatch(/^text\/html/);
    const document = parse(html.body);
    // The county and its schools, each as two tables: counts, then rates and hours.
    expect(document.querySelectorAll('table')).toHaveLength(4);
    expect(document.querySelector('b')).toBeNull();
    expect(document.textContent).toContain('<b>学校1</b> & "其他"');
  });

  it('heads a notice with the office named for the unit then, and counts a later declaration from its week on', async () => {
    await act('2021-01-27T09:00:00', 'SetIssuingOffice', {
      unitId: '320703',
      issuingOffice: '连云区教育局项目办',
    });
    await act('2021-01-27T09:00:00', 'DeclareFullTimeTeachers', { unitId: 'S-5', fullTimeTeachers: 8 });
    type Notice = {
      heading: { issuingOffice: string; documentNumber: string | null; issuedOn: string; title: string };
      unit: { thisWeek: { required: number } };
    };
    const notice = (week: string, extra = '') =>
      api.get<Notice>(
        countyAdmin,
        `/notices/weekly?unitId=320703&batchId=${BATCH}&week=${week}&minPosition=${position()}${extra}`,
      );
    const before = await notice('2021-W03');
    expect(before.body.heading).toEqual({
      issuingOffice: '连云区项目办',
      documentNumber: null,
      issuedOn: '2021-01-25',
      title: '关于提升工程2.0第一批培训进度的通报（2021年第3周）',
    });
    expect(before.body.unit.thisWeek.required).toBe(16);
    const after = await notice(
      '2021-W04',
      `&documentNumber=${encodeURIComponent('连教办师〔2021〕3号')}&issuedOn=2021-02-01`,
    );
    expect(after.body.heading).toMatchObject({
      issuingOffice: '连云区教育局项目办',
      documentNumber: '连教办师〔2021〕3号',
      issuedOn: '2021-02-01',
    });
    expect(after.body.unit.thisWeek.required).toBe(24);
    for (const [query, field] of [
      ['&issuedOn=2021-02-30', 'issuedOn'],
      [`&documentNumber=${encodeURIComponent('<script>')}`, 'documentNumber'],
    ]) {
      const refused = await notice('2021-W04', query);
      expect(refused.status).toBe(400);
      expect(refused.body).toMatchObject({ error: { details: [expect.objectContaining({ field })] } });
    }
    const unknown = await api.send(importer, 'SetIssuingOffice', { unitId: 'NOPE', issuingOffice: '某项目办' });
    expect(unknown).toMatchObject({ status: 422, body: { error: { code: 'UNKNOWN_UNIT' } } });
  });

  it("lists a unit's teachers with where each stands, paged, filtered by status, ID numbers masked", async () => {
    // T-1-1 confirms and picks points; the others stay as enrolled.
    await act('2021-01-20T09:00:00', 'ConfirmEnrollment', {
      batchId: BATCH,
      teacherId: 'T-1-1',
      actor: { sub: 'T-1-1', role: 'teacher', unitId: 'S-1' },
    });
    type List = {
      total: number;
      counts: Record<string, number>;
      teachers: {
        teacherId: string;
        schoolName: string;
        status: string;
        idNumberMasked: string;
        abilityPointDeadline: string | null;
      }[];
    };
    const list = (query: string) =>
      api.get<List>(countyAdmin, `/views/units/320703/teachers?batchId=${BATCH}&minPosition=${position()}${query}`);
    const first = await list('&pageSize=4');
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      total: 6,
      page: 1,
      pageSize: 4,
      counts: { 'not-confirmed': 5, 'no-points': 1, trained: 0, 'not-enrolled': 0 },
    });
    expect(first.body.teachers.map((teacher) => [teacher.teacherId, teacher.status])).toEqual([
      ['T-1-1', 'no-points'],
      ['T-1-2', 'not-confirmed'],
      ['T-1-3', 'not-confirmed'],
      ['T-2-1', 'not-confirmed'],
    ]);
    expect(first.body.teachers[0]).toMatchObject({
      schoolName: '<b>学校1</b> & "其他"',
      idNumberMasked: expect.stringMatching(/^320703\*{8}\d{3}[\dX]$/),
    });
    expect(JSON.stringify(first.body)).not.toMatch(/32070319850101/);
    const second = await list('&pageSize=4&page=2');
    expect(second.body.teachers.map((teacher) => teacher.teacherId)).toEqual(['T-2-2', 'T-2-3']);
    const chased = await list('&status=no-points,trained');
    expect(chased.body).toMatchObject({ total: 1, teachers: [{ teacherId: 'T-1-1' }] });
    // Only a teacher still to pick points has a deadline, worked out from their record's enrolment time.
    const deadline = first.body.teachers[0].abilityPointDeadline;
    expect(deadline).toMatch(/^2021-\d\d-\d\dT/);
    expect(chased.body.teachers[0].abilityPointDeadline).toBe(deadline);
    for (const teacher of [...first.body.teachers.slice(1), ...second.body.teachers])
      expect(teacher.abilityPointDeadline).toBeNull();

    const school = await api.get<List>(
      { sub: 's2', role: 'school-admin', unitId: 'S-2' },
      `/views/units/S-2/teachers?batchId=${BATCH}`,
    );
    expect(school.body.teachers.map((teacher) => teacher.teacherId)).toEqual(['T-2-1', 'T-2-2', 'T-2-3']);
    expect((await api.get(countyAdmin, `/views/units/320700/teachers?batchId=${BATCH}`)).status).toBe(403);
    expect(
      (await api.get({ sub: 'T-1-1', role: 'teacher', unitId: 'S-1' }, `/views/units/S-1/teachers?batchId=${BATCH}`))
        .status,
    ).toBe(403);
    for (const [query, field] of [
      ['&status=lazy', 'status'],
      ['&page=0', 'page'],
      ['&pageSize=501', 'pageSize'],
    ]) {
      const refused = await list(query);
      expect(refused.status).toBe(400);
      expect(refused.body).toMatchObject({
        error: { code: 'VALIDATION_FAILED', details: [expect.objectContaining({ field })] },
      });
    }
  });

  it('shows an inspection sample with the seed, the rule and its findings', async () => {
    const drawn = await api.send(importer, 'DrawInspectionSample', {
      sampleId: 'INS-1',
      batchId: BATCH,
      scopeUnitId: '320700',
      ratePercent: 50,
      seed: 'seed-2021',
      at: '2021-03-01T09:00:00+08:00',
      actor: inspector,
    });
    expect(drawn.status).toBe(200);
    const sampled = ((drawn.body.events ?? [])[0] as { drawn: { schoolId: string }[] }).drawn;
    const finding = await api.send(importer, 'RecordInspectionFinding', {
      sampleId: 'INS-1',
      schoolId: sampled[0].schoolId,
      outcome: 'needs-improvement',
      notes: '校本研修记录不全',
      at: '2021-03-02T09:00:00+08:00',
      actor: inspector,
    });
    expect(finding.status).toBe(200);
    const view = await api.get(inspector, `/inspections/INS-1?minPosition=${finding.body.position}`);
    expect(view.status).toBe(200);
    expect(view.body).toMatchObject({
      sampleId: 'INS-1',
      seed: 'seed-2021',
      ratePercent: 50,
      rule: { rulebookId: 'jiangsu-2.0', minimumPercent: 10 },
      size: sampled.length,
      drawnBy: 'expert',
      schools: sampled.map((school, index) => ({
        schoolId: school.schoolId,
        finding: index === 0 ? { outcome: 'needs-improvement', notes: '校本研修记录不全' } : null,
      })),
    });
    expect((await api.get(countyAdmin, '/inspections/INS-1')).status).toBe(403);
  });

  it('lists every view in the OpenAPI document', async () => {
    const docs = await api.get<{ paths: Record<string, { get?: { parameters?: { name: string }[] } }> }>(
      undefined,
      '/docs/openapi.json',
    );
    for (const path of [
      '/api/views/units/{unitId}/progress',
      '/api/views/batches/{batchId}/progress',
      '/api/views/teachers/{teacherId}/transcript',
      '/api/views/units/{unitId}/quota',
      '/api/views/units/{unitId}/teachers',
      '/api/notices/weekly',
      '/api/inspections/{sampleId}',
    ]) {
      expect(docs.body.paths[path]?.get?.parameters?.map((parameter) => parameter.name)).toContain('minPosition');
    }
  });
});
