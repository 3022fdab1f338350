import { Actor } from '@tip/domain';
import { ApiUnderTest, startApiUnderTest } from './support/api-under-test';
import { Body, importer, scenarioOver } from './support/scenario';

/**
 * ExtendBatch on the read side: Jiangsu's batch 1 (2020-11-01 – 2021-10-31) extended on
 * 2021-10-25 to 2021-12-31. A notice of a week before the extension reads as it did, in every
 * format; the weeks after it run to the new end and say why. Figured by hand: 2021-W20 ends on
 * 2021-05-24 00:00, 204 of the batch's 365 days, 时间进度 55.9%; 2021-W44 ends on 2021-11-08,
 * 372 of the extended batch's 426 days, 87.3%.
 */
const BATCH = 'JS-2020-1';
const REASON = '受疫情影响，第一批次考核延至2021年底';
const provinceAdmin: Actor = { sub: 'p-admin', role: 'province-admin', unitId: '320000' };

/** A notice without its source (the signed head of the log it was read from): json's field, the csv's and html's line. */
function withoutSource(body: Body | string | undefined): unknown {
  if (typeof body !== 'string') return body && { ...body, source: undefined };
  return body.replace(/^数据来源：.*$/m, '').replace(/<p class="source">[^<]*<\/p>/, '');
}

describe('A batch extended: past weeks kept, the extension shown', () => {
  let api: ApiUnderTest;
  const { act, expectEvents, view } = scenarioOver(() => api);
  const notice = (week: string, format: string) =>
    view<Body | string>(provinceAdmin, `/notices/weekly?unitId=320000&batchId=${BATCH}&week=${week}&format=${format}`);
  const formats = ['json', 'csv', 'html'] as const;

  beforeAll(async () => {
    api = await startApiUnderTest();
    for (const body of [
      { unitId: '320000', kind: 'province', name: '江苏省' },
      { unitId: '320100', kind: 'city', name: '南京市', parentId: '320000' },
      { unitId: '320102', kind: 'county', name: '玄武区', parentId: '320100' },
      { unitId: 'S-XW-02', kind: 'school', name: '玄武区第二中学', parentId: '320102', fullTimeTeachers: 40 },
    ]) {
      expectEvents(await act(importer, '2020-10-08T09:00:00', 'RegisterOrgUnit', body), ['OrgUnitRegistered']);
    }
    expectEvents(
      await act(provinceAdmin, '2020-10-10T09:00:00', 'LaunchProgramme', {
        programmeId: 'JS-2.0',
        name: '江苏省中小学教师信息技术应用能力提升工程2.0专项培训',
        provinceId: '320000',
        rulebook: 'jiangsu-2.0',
      }),
      ['ProgrammeLaunched'],
    );
    expectEvents(
      await act(provinceAdmin, '2020-10-20T09:00:00', 'ScheduleBatch', {
        programmeId: 'JS-2.0',
        batchId: BATCH,
        name: '第一批次',
        startsOn: '2020-11-01',
        endsOn: '2021-10-31',
        sharePercent: 20,
        periods: [{ periodId: '1', startsOn: '2020-11-01', endsOn: '2020-11-30' }],
      }),
      ['BatchScheduled'],
    );
  }, 120_000);
  afterAll(async () => api?.stop());

  it('leaves a past week’s notice as it was, and runs later weeks to the new end, saying why', async () => {
    const before = new Map<string, Body | string>();
    for (const format of formats) {
      const response = await notice('2021-W20', format);
      expect(response.status).toBe(200);
      before.set(format, response.body);
    }
    expect(before.get('json')).toMatchObject({
      pacePercent: 55.9,
      batchEndsOn: '2021-10-31',
      extensions: [],
      unit: { thisWeek: { required: 40 }, behind: true },
    });

    const [extended] = expectEvents(
      await act(provinceAdmin, '2021-10-25T09:00:00', 'ExtendBatch', {
        batchId: BATCH,
        endsOn: '2021-12-31',
        reason: REASON,
      }),
      ['BatchExtended'],
    );
    expect(extended).toMatchObject({ previousEndsOn: '2021-10-31', endsOn: '2021-12-31' });

    // The week before the extension, asked again: the same notice, byte for byte in csv and html —
    // but for the line naming the signed history it was read from, which has grown by the extension.
    for (const format of formats) {
      expect(withoutSource((await notice('2021-W20', format)).body)).toEqual(withoutSource(before.get(format)));
    }

    // A week after it: the new end, the pace to it, the extension and its reason.
    const after = (await notice('2021-W44', 'json')).body as Body & { summary: string };
    expect(after).toMatchObject({
      pacePercent: 87.3,
      batchEndsOn: '2021-12-31',
      batchScheduledEndsOn: '2021-10-31',
      extensions: [
        { endsOn: '2021-12-31', previousEndsOn: '2021-10-31', reason: REASON, at: '2021-10-25T01:00:00.000Z' },
      ],
    });
    expect(after.summary).toContain(
      `本批次原定2021年10月31日结束，已延期（延至2021年12月31日，原因：${REASON}），现于2021年12月31日结束。`,
    );
    expect(await notice('2021-W44', 'html').then((response) => response.body)).toContain(
      '批次结束：2021-12-31（原定2021-10-31，已延期）',
    );

    // The views show it too.
    const batch = await view<Body>(provinceAdmin, `/views/batches/${BATCH}/progress`);
    expect(batch.body).toMatchObject({
      endsOn: '2021-12-31',
      scheduledEndsOn: '2021-10-31',
      extensions: [{ endsOn: '2021-12-31', reason: REASON }],
    });
    const unit = await view<Body>(provinceAdmin, `/views/units/320102/progress?batchId=${BATCH}`);
    expect(unit.body).toMatchObject({
      batchEnd: { endsOn: '2021-12-31', scheduledEndsOn: '2021-10-31', extensions: [{ reason: REASON }] },
    });
  });
});
