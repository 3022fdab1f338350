import { Actor } from '@tip/domain';
import { ApiUnderTest, startApiUnderTest } from './support/api-under-test';
import { csvTable, htmlTable } from './support/notice-formats';
import { Body, scenarioOver } from './support/scenario';

/**
 * Yueyang's pilots on the read side (2021年12月底…市十二中、洞氮小学等2所试点校; 每个县市区还需完成2所以上):
 * the city's own two, 华容县's two, 岳阳县's one. Seen on 2022-01-05 (the clock of this API), 岳阳县
 * is short of pilots and every pilot still open after 2021-12-31 is late, except 华容县实验小学,
 * which its county re-dated to 2022-06-30 in November; the notice for 2021-W40 still shows it due
 * by 2021-12-31 and nothing late. The batch's progress is the city's, which runs it: its teachers,
 * its admin.
 */
const BATCH = 'YY-2021';
const NOW = new Date('2022-01-05T12:00:00+08:00');
const cityAdmin: Actor = { sub: 'yy-admin', role: 'city-admin', unitId: '430600' };
const huarongAdmin: Actor = { sub: 'hr-admin', role: 'county-admin', unitId: '430623' };
const yueyangxianAdmin: Actor = { sub: 'yx-admin', role: 'county-admin', unitId: '430621' };
const importer: Actor = { sub: 'importer', role: 'system' };

interface Pilots {
  total: number;
  late: number;
  required: number | null;
  askedAs: string | null;
  counted: number;
  short: boolean;
  dueBy: string;
  finishBy: string | null;
}

describe('Yueyang’s city-run programme on the read side: pilot schools, the batch at the city', () => {
  let api: ApiUnderTest;
  const { act, expectEvents, view } = scenarioOver(() => api);
  const progress = async (actor: Actor, unitId: string) => {
    const response = await view<{ pilots: Pilots | null }>(actor, `/views/units/${unitId}/progress?batchId=${BATCH}`);
    expect(response.status).toBe(200);
    return response.body.pilots;
  };
  const notice = <T = Body>(week: string, format = 'json') =>
    view<T>(cityAdmin, `/notices/weekly?unitId=430600&batchId=${BATCH}&week=${week}&format=${format}`);

  beforeAll(async () => {
    api = await startApiUnderTest({}, { clock: { now: () => NOW } });
    for (const [actor, body] of [
      [importer, { unitId: '430000', kind: 'province', name: '湖南省' }],
      [importer, { unitId: '430600', kind: 'city', name: '岳阳市', parentId: '430000' }],
      [cityAdmin, { unitId: '430623', kind: 'county', name: '华容县', parentId: '430600' }],
      [cityAdmin, { unitId: '430621', kind: 'county', name: '岳阳县', parentId: '430600' }],
      [
        cityAdmin,
        { unitId: 'YY-SZ12', kind: 'school', name: '岳阳市第十二中学', parentId: '430600', fullTimeTeachers: 120 },
      ],
      [cityAdmin, { unitId: 'YY-DD', kind: 'school', name: '洞氮小学', parentId: '430600', fullTimeTeachers: 40 }],
      [
        huarongAdmin,
        { unitId: 'HR-01', kind: 'school', name: '华容县第一中学', parentId: '430623', fullTimeTeachers: 90 },
      ],
      [
        huarongAdmin,
        { unitId: 'HR-02', kind: 'school', name: '华容县实验小学', parentId: '430623', fullTimeTeachers: 30 },
      ],
      [
        yueyangxianAdmin,
        { unitId: 'YX-01', kind: 'school', name: '岳阳县第一中学', parentId: '430621', fullTimeTeachers: 80 },
      ],
      // Another city of the province, outside the city's programme: its 500 teachers are not Yueyang's.
      [importer, { unitId: '430100', kind: 'city', name: '长沙市', parentId: '430000' }],
      [
        importer,
        { unitId: 'CS-01', kind: 'school', name: '长沙市第一中学', parentId: '430100', fullTimeTeachers: 500 },
      ],
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
    const designate = (actor: Actor, schoolId: string, when = '2021-05-25T09:00:00', finishBy = '2021-12-31') =>
      act(actor, when, 'DesignatePilotSchool', { batchId: BATCH, schoolId, finishBy });
    for (const [actor, schoolId] of [
      [cityAdmin, 'YY-SZ12'],
      [cityAdmin, 'YY-DD'],
      [huarongAdmin, 'HR-01'],
      [huarongAdmin, 'HR-02'],
      [yueyangxianAdmin, 'YX-01'],
    ] as const) {
      expectEvents(await designate(actor, schoolId), ['PilotSchoolDesignated']);
    }
    // 华容县 gives its primary school half a year more (2021-W44).
    expectEvents(await designate(huarongAdmin, 'HR-02', '2021-11-02T09:00:00', '2022-06-30'), [
      'PilotSchoolDesignated',
    ]);
  }, 120_000);
  afterAll(async () => api?.stop());

  it('flags in the unit views a county short of pilots and the pilots late, as of now', async () => {
    expect(await progress(yueyangxianAdmin, '430621')).toEqual({
      total: 1,
      late: 1,
      required: 2,
      askedAs: 'county',
      counted: 1,
      short: true,
      dueBy: '2021-12-31',
      finishBy: null,
    });
    expect(await progress(huarongAdmin, '430623')).toMatchObject({ total: 2, late: 1, counted: 2, short: false });
    expect(await progress(cityAdmin, '430600')).toMatchObject({
      total: 5,
      late: 4,
      required: 2,
      askedAs: 'owner',
      counted: 2,
      short: false,
    });
    expect(await progress(huarongAdmin, 'HR-02')).toMatchObject({ late: 0, finishBy: '2022-06-30', required: null });
    expect(await progress(cityAdmin, 'YY-DD')).toMatchObject({ late: 1, finishBy: '2021-12-31' });
  });

  it('flags them in the weekly notice rows and summary, in json, csv and html', async () => {
    const json = await notice<{
      summary: string;
      pilotSchools: Body;
      unit: { pilots: Pilots };
      levels: { kind: string; rows: { unitId: string; pilots: Pilots }[] }[];
    }>('2022-W01');
    expect(json.status).toBe(200);
    expect(json.body.pilotSchools).toEqual({ ownerPilots: 2, perCounty: 2, dueBy: '2021-12-31' });
    const rows = new Map(json.body.levels.flatMap((level) => level.rows).map((row) => [row.unitId, row.pilots]));
    expect(json.body.unit.pilots).toMatchObject({ counted: 2, short: false, late: 4 });
    expect(rows.get('430621')).toMatchObject({ counted: 1, required: 2, short: true, late: 1 });
    expect(rows.get('HR-02')).toMatchObject({ finishBy: '2022-06-30', late: 0 });
    expect(json.body.summary).toContain(
      '试点学校（2021年12月31日前完成）：岳阳市自身试点校2所（应有2所）；1个县（市、区）试点校不足2所：岳阳县（1所）；4所试点校逾期：',
    );
    for (const name of ['岳阳市第十二中学', '洞氮小学', '华容县第一中学', '岳阳县第一中学']) {
      expect(json.body.summary).toContain(`${name}（应于2021年12月31日前完成）`);
    }
    expect(json.body.summary).not.toContain('华容县实验小学（');

    const csv = csvTable((await notice<string>('2022-W01', 'csv')).body);
    expect(csv.get('430621')).toMatchObject({ '试点校(所)': '1', '应有试点校(所)': '2', 试点不足: '是' });
    expect(csv.get('YX-01')).toMatchObject({ '逾期试点校(所)': '1', 试点完成期限: '2021-12-31' });
    const { table, root } = htmlTable((await notice<string>('2022-W01', 'html')).body);
    expect(table.get('430621')).toMatchObject({ 试点不足: '是', '逾期试点校(所)': '1' });
    expect(root.querySelectorAll('tr.pilot-alert').map((tr) => tr.getAttribute('data-unit-id'))).toEqual(
      expect.arrayContaining(['430621', 'YY-DD', 'HR-01', 'YX-01']),
    );
  });

  it('keeps a past week as it was: the pilot due by its date then, nothing late yet', async () => {
    const json = await notice<{ summary: string; levels: { rows: { unitId: string; pilots: Pilots }[] }[] }>(
      '2021-W40',
    );
    const rows = new Map(json.body.levels.flatMap((level) => level.rows).map((row) => [row.unitId, row.pilots]));
    expect(rows.get('HR-02')).toMatchObject({ finishBy: '2021-12-31', late: 0 });
    expect(rows.get('430621')).toMatchObject({ short: true, late: 0 });
    expect(json.body.summary).toContain('试点校均未逾期');
  });

  it('answers the batch’s progress at the city that runs it: its admin reads it, its teachers are the ones required', async () => {
    const batch = await view<Body & { children: Body[]; cities: Body[] }>(
      cityAdmin,
      `/views/batches/${BATCH}/progress`,
    );
    expect(batch.status).toBe(200);
    // 120 + 40 city-direct, 90 + 30 in 华容县, 80 in 岳阳县: 360, not the province's 860.
    expect(batch.body).toMatchObject({
      ownerUnitId: '430600',
      ownerName: '岳阳市',
      provinceId: '430000',
      teachers: { required: 360 },
      requiredSource: 'declared',
      pilots: { askedAs: 'owner', counted: 2, late: 4 },
      cities: [],
    });
    expect(batch.body.children.map((row) => [row.unitId, (row.teachers as Body).required])).toEqual([
      ['430621', 80],
      ['430623', 120],
      ['YY-DD', 40],
      ['YY-SZ12', 120],
    ]);
    expect(batch.body.children[0]).toMatchObject({ kind: 'county', pilots: { short: true } });
    // The province above reads it too; another city's admin, or a county's, does not.
    const provinceAdmin: Actor = { sub: 'hn-admin', role: 'province-admin', unitId: '430000' };
    expect((await view(provinceAdmin, `/views/batches/${BATCH}/progress`)).status).toBe(200);
    const changsha: Actor = { sub: 'cs-admin', role: 'city-admin', unitId: '430100' };
    expect((await view(changsha, `/views/batches/${BATCH}/progress`)).status).toBe(403);
    expect((await view(huarongAdmin, `/views/batches/${BATCH}/progress`)).status).toBe(403);
  });
});
