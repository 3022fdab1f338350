import { parse as parseCsv } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { parse as parseHtml } from 'node-html-parser';
import { noticeRow, ranked, zeroCounts } from './notice-measures';
import { noticeSummary } from './notice-summary';
import { stringify } from 'csv-stringify/sync';
import { csvText, renderNoticeCsv, renderNoticeHtml, renderNoticeXlsx } from './render-notice';
import type { NoticeCounts, NoticeRow, UnitKind, WeeklyNotice } from './weekly-notice';

const TARGET = 20;
const EVIL_NAME = '海州实验<script>&"中学';

function row(
  kind: UnitKind,
  unitId: string,
  name: string,
  parentId: string,
  thisWeek: Partial<NoticeCounts>,
  lastWeek: Partial<NoticeCounts>,
): NoticeRow {
  return noticeRow({
    unit: { unitId, name, kind, parentId },
    requiredSource: 'registered',
    thisWeek: { ...zeroCounts(), ...thisWeek },
    lastWeek: { ...zeroCounts(), ...lastWeek },
    targetPercent: TARGET,
  });
}

// 完成率: 新海 24.0%, 海州实验 25.0% (both on target), 赣榆 10.0% (behind by 10); hours go from 8.3 to 12.5.
const schools = [
  row(
    'school',
    '32070601',
    '新海高级中学',
    '320706',
    { required: 100, enrolled: 100, confirmed: 98, assessed: 30, passed: 24, trained: 24, hoursRecognised: 1200 },
    { required: 100, enrolled: 100, confirmed: 95, assessed: 20, passed: 16, trained: 16, hoursRecognised: 800 },
  ),
  row(
    'school',
    '32070602',
    EVIL_NAME,
    '320706',
    { required: 80, enrolled: 80, confirmed: 80, assessed: 20, passed: 20, trained: 20, hoursRecognised: 1000 },
    { required: 80, enrolled: 78, confirmed: 76, assessed: 20, passed: 20, trained: 20, hoursRecognised: 1000 },
  ),
  row(
    'school',
    '32070701',
    '赣榆高级中学',
    '320707',
    { required: 120, enrolled: 110, confirmed: 100, assessed: 15, passed: 12, trained: 12, hoursRecognised: 12.5 },
    { required: 120, enrolled: 105, confirmed: 90, assessed: 14, passed: 11, trained: 11, hoursRecognised: 8.3 },
  ),
];
const counties = [
  row(
    'county',
    '320706',
    '海州区',
    '320700',
    { required: 180, enrolled: 180, confirmed: 178, assessed: 50, passed: 44, trained: 44, hoursRecognised: 2200 },
    { required: 180, enrolled: 178, confirmed: 171, assessed: 40, passed: 36, trained: 36, hoursRecognised: 1800 },
  ),
  row(
    'county',
    '320707',
    '赣榆区',
    '320700',
    { required: 120, enrolled: 110, confirmed: 100, assessed: 15, passed: 12, trained: 12, hoursRecognised: 12.5 },
    { required: 120, enrolled: 105, confirmed: 90, assessed: 14, passed: 11, trained: 11, hoursRecognised: 8.3 },
  ),
];
const city = row(
  'city',
  '320700',
  '连云港市',
  '320000',
  { required: 300, enrolled: 290, confirmed: 278, assessed: 65, passed: 56, trained: 56, hoursRecognised: 2212.5 },
  { required: 300, enrolled: 283, confirmed: 261, assessed: 54, passed: 47, trained: 47, hoursRecognised: 1808.3 },
);

const partial: Omit<WeeklyNotice, 'summary'> = {
  batchId: 'LYG-2016',
  batchName: '第一批',
  programmeId: 'LYG-1.0',
  programmeName: '连云港市中小学教师教育技术能力（高级）全员培训',
  heading: {
    issuingOffice: '连云港市教育局项目办',
    documentNumber: '连教办师〔2016〕12号',
    issuedOn: '2021-01-25',
    title: '关于连云港市中小学教师教育技术能力（高级）全员培训第一批培训进度的通报（2021年第3周）',
  },
  week: '2021-W03',
  previousWeek: '2021-W02',
  weekStartsOn: '2021-01-18',
  weekEndsOn: '2021-01-24',
  asOf: '2021-01-24T16:00:00.000Z',
  timeZone: 'Asia/Shanghai',
  batchStartsOn: '2020-11-01',
  batchEndsOn: '2021-10-31',
  batchScheduledEndsOn: '2021-10-31',
  extensions: [],
  pacePercent: 45,
  targetPercent: TARGET,
  lastWeekTargetPercent: 19.5,
  aimPercent: null,
  quotas: true,
  graded: true,
  pilotSchools: null,
  unit: { ...city, rank: 1 },
  levels: [
    { kind: 'county', rows: ranked(counties) },
    { kind: 'school', rows: ranked(schools) },
  ],
};
const notice: WeeklyNotice = { ...partial, summary: noticeSummary(partial) };

describe('csvText', () => {
  it('writes what csv-stringify writes (BOM, CRLF, quoting), for every field made of the characters that matter', () => {
    const alphabet = ['a', ',', '"', '\r', '\n', ' ', '=', '-', '\t', '学', ''];
    // Every field of up to three characters of these, in records of varying width.
    const fields: string[] = [''];
    for (const a of alphabet) for (const b of alphabet) for (const c of alphabet) fields.push(a + b + c);
    const records: string[][] = [];
    for (let start = 0; start < fields.length; start += 7) records.push(fields.slice(start, start + 1 + (start % 5)));
    expect(csvText(records)).toBe(stringify(records, { bom: true, record_delimiter: 'windows' }));
    expect(csvText([])).toBe(stringify([], { bom: true, record_delimiter: 'windows' }));
  });
});

describe('renderNoticeCsv', () => {
  const text = renderNoticeCsv(notice);
  const [header, ...rows] = parseCsv(text, { bom: true }) as string[][];
  const cell = (unitId: string, column: string): string | undefined =>
    rows.find((r) => r[2] === unitId)?.[header.indexOf(column)];

  it('starts with a BOM so Excel reads the Chinese as UTF-8', () => {
    expect(text.startsWith('\uFEFF')).toBe(true);
  });

  it('has one Chinese header: the unit, then 本周/上周/变化 per measure, the target and behind', () => {
    expect(header.slice(0, 8)).toEqual([
      '层级',
      '排名',
      '单位代码',
      '单位名称',
      '应训人数来源',
      '应训人数本周',
      '应训人数上周',
      '应训人数变化',
    ]);
    expect(header).toEqual(
      expect.arrayContaining([
        '完成人数本周',
        '参训率本周',
        '合格率变化',
        '完成率上周',
        '目标进度',
        '落后(百分点)',
        '滞后',
      ]),
    );
    expect(header).toEqual(expect.arrayContaining(['认定学时本周', '分配名额', '参训学校', '已结项学校']));
  });

  it('lists the unit first, then every level in order, each by rank', () => {
    expect(rows.map((r) => r[2])).toEqual(['320700', '320706', '320707', '32070602', '32070601', '32070701']);
    expect(rows.map((r) => r[0])).toEqual(['市', '县(市、区)', '县(市、区)', '学校', '学校', '学校']);
  });

  it("gives a unit's this-week, last-week and change values, rates to one decimal", () => {
    expect(cell('32070701', '完成人数本周')).toBe('12');
    expect(cell('32070701', '完成人数上周')).toBe('11');
    expect(cell('32070701', '完成人数变化')).toBe('+1');
    expect(cell('32070701', '认定学时变化')).toBe('+4.2');
    expect(cell('32070701', '完成率本周')).toBe('10.0');
    expect(cell('32070701', '完成率变化')).toBe('+0.8');
    expect(cell('32070701', '目标进度')).toBe('20.0');
    expect(cell('32070701', '落后(百分点)')).toBe('10.0');
    expect(cell('32070701', '滞后')).toBe('是');
    expect(cell('32070601', '滞后')).toBe('');
    expect(cell('32070602', '单位名称')).toBe(EVIL_NAME);
    expect(cell('32070602', '应训人数来源')).toBe('登记');
  });

  it('defuses names Excel would run as formulas', () => {
    const hostile = { ...notice, unit: { ...notice.unit, name: '=HYPERLINK("x")' }, levels: [] };
    const [, first] = parseCsv(renderNoticeCsv(hostile), { bom: true }) as string[][];
    expect(first[3]).toBe('\'=HYPERLINK("x")');
  });

  it('leaves out the seats where the programme hands out none', () => {
    const [noSeats] = parseCsv(renderNoticeCsv({ ...notice, quotas: false }), { bom: true }) as string[][];
    expect(noSeats).not.toContain('分配名额');
  });
});

describe('renderNoticeXlsx', () => {
  let workbook: ExcelJS.Workbook;
  beforeAll(async () => {
    const buffer = await renderNoticeXlsx(notice);
    expect(Buffer.isBuffer(buffer)).toBe(true);
    workbook = new ExcelJS.Workbook();
    // exceljs types load() as taking an ArrayBuffer, which a Node Buffer no longer satisfies (ES2024 lib).
    await workbook.xlsx.load(new Uint8Array(buffer).buffer);
  });
  const sheet = (name: string): ExcelJS.Worksheet => {
    const found = workbook.getWorksheet(name);
    if (!found) throw new Error(`no sheet ${name}`);
    return found;
  };
  const columnOf = (ws: ExcelJS.Worksheet, group: string, label?: string): number => {
    for (let c = 1; c <= ws.columnCount; c++) {
      const top = ws.getCell(4, c).value;
      if (top === group && !label) return c;
      if (top === group && label) {
        const offset = ['本周', '上周', '变化'].indexOf(label);
        return c + offset;
      }
    }
    throw new Error(`no column ${group} ${label ?? ''}`);
  };
  const rowOf = (ws: ExcelJS.Worksheet, unitId: string): ExcelJS.Row => {
    for (let r = 6; r <= ws.rowCount; r++) if (ws.getCell(r, 3).value === unitId) return ws.getRow(r);
    throw new Error(`no row for ${unitId}`);
  };

  it('has one sheet per level, the unit first', () => {
    expect(workbook.worksheets.map((ws) => ws.name)).toEqual(['市', '县(市、区)', '学校']);
    expect(sheet('学校').actualRowCount).toBe(5 + 3);
  });

  it('is headed with the title, the issuing office, 文号 and date, the period, and a two-row frozen header', () => {
    const ws = sheet('学校');
    expect(ws.getCell(1, 1).value).toBe(notice.heading.title);
    expect(ws.getCell(2, 1).value).toBe('连云港市教育局项目办\u3000连教办师〔2016〕12号\u30002021年1月25日');
    expect(String(ws.getCell(3, 1).value)).toContain('2021-01-25 00:00');
    expect([1, 2, 3, 4].map((c) => ws.getCell(4, c).value)).toEqual(['层级', '排名', '单位代码', '单位名称']);
    expect([6, 7, 8].map((c) => ws.getCell(5, c).value)).toEqual(['本周', '上周', '变化']);
    expect(ws.getCell(4, 6).value).toBe('应训人数');
    expect(ws.views[0]).toMatchObject({ state: 'frozen', xSplit: 4, ySplit: 5 });
  });

  it('holds counts as numbers and rates as percents', () => {
    const ws = sheet('学校');
    const school = rowOf(ws, '32070701');
    expect(school.getCell(columnOf(ws, '完成人数', '本周')).value).toBe(12);
    expect(school.getCell(columnOf(ws, '完成人数', '变化')).value).toBe(1);
    expect(school.getCell(columnOf(ws, '认定学时', '本周')).value).toBe(12.5);
    const completion = school.getCell(columnOf(ws, '完成率', '本周'));
    expect(completion.value).toBeCloseTo(0.1, 10);
    expect(completion.numFmt).toBe('0.0%');
    expect(school.getCell(columnOf(ws, '完成率', '变化')).numFmt).toBe('+0.0%;-0.0%;0.0%');
    expect(school.getCell(columnOf(ws, '目标进度')).value).toBeCloseTo(0.2, 10);
    expect(school.getCell(columnOf(ws, '落后(百分点)')).value).toBe(10);
    expect(school.getCell(2).value).toBe(3);
    expect(rowOf(sheet('市'), '320700').getCell(columnOf(ws, '应训人数', '本周')).value).toBe(300);
  });

  it('fills the behind rows light red, and only those', () => {
    const ws = sheet('学校');
    const fill = (unitId: string): unknown => rowOf(ws, unitId).getCell(4).fill;
    expect(fill('32070701')).toMatchObject({ type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFFFC7CE' } });
    expect(fill('32070601')).toBeUndefined();
  });

  it("puts the summary under the unit's own figures", () => {
    const ws = sheet('市');
    expect(ws.getCell(8, 1).value).toBe(notice.summary);
  });
});

describe('renderNoticeHtml', () => {
  const html = renderNoticeHtml(notice);
  const root = parseHtml(html);
  const cellsOf = (unitId: string, part: 0 | 1): string[] => {
    const tr = root
      .querySelectorAll('section')
      .flatMap((section) => section.querySelectorAll('table')[part]?.querySelectorAll('tbody tr') ?? [])
      .find((r) => r.getAttribute('data-unit-id') === unitId);
    if (!tr) throw new Error(`no row for ${unitId}`);
    return tr.querySelectorAll('td').map((td) => td.text);
  };

  it('is a standalone, printable Chinese document', () => {
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(root.querySelector('html')?.getAttribute('lang')).toBe('zh-CN');
    expect(root.querySelector('meta')?.getAttribute('charset')).toBe('utf-8');
    const css = root.querySelector('style')?.text ?? '';
    expect(css).toMatch(/@page\s*{\s*size:\s*A4 landscape;\s*margin:\s*12mm\s*}/);
    expect(css).toMatch(/table-layout:\s*fixed/);
    expect(root.querySelectorAll('script, link, img')).toHaveLength(0);
  });

  it('names the batch’s end in the period line once it has been extended, and the end as scheduled', () => {
    expect(root.querySelector('p.period')?.text).not.toContain('批次结束');
    const extension = {
      endsOn: '2021-12-31',
      previousEndsOn: '2021-10-31',
      reason: '疫情',
      at: '2021-01-20T01:00:00.000Z',
    };
    const extended = { ...notice, batchEndsOn: '2021-12-31', extensions: [extension] };
    expect(parseHtml(renderNoticeHtml(extended)).querySelector('p.period')?.text).toContain(
      '批次结束：2021-12-31（原定2021-10-31，已延期）',
    );
  });

  it('is headed as a bureau heads it: office, 文号, title, period, summary; signed and dated at the foot', () => {
    expect(root.querySelector('.office')?.text).toBe('连云港市教育局项目办');
    expect(root.querySelector('.docno')?.text).toBe('连教办师〔2016〕12号');
    expect(root.querySelector('h1')?.text).toBe(notice.heading.title);
    expect(root.querySelector('p.period')?.text).toContain('目标进度：20.0%');
    expect(root.querySelector('p.summary')?.text).toBe(notice.summary);
    expect(root.querySelector('footer')?.text).toBe('连云港市教育局项目办2021年1月25日');
  });

  it('has a section per level, each with the counts and the rates as two tables', () => {
    expect(root.querySelectorAll('section h2').map((h) => h.text)).toEqual([
      '一、连云港市（合计）',
      '二、县(市、区)',
      '三、学校',
    ]);
    for (const section of root.querySelectorAll('section')) {
      expect(section.querySelectorAll('h3').map((h) => h.text)).toEqual(['（一）培训人数', '（二）比率与学时']);
      expect(section.querySelectorAll('table')).toHaveLength(2);
    }
  });

  it('escapes unit names so they read back as text', () => {
    expect(cellsOf('32070602', 0)[1]).toBe(EVIL_NAME);
    expect(html).not.toContain('<script>');
  });

  it('shows counts with signed changes, rates to one decimal, — where there is none', () => {
    // rank, name, source, then 应训人数 本周/上周/变化 … 完成人数 本周/上周/变化.
    expect(cellsOf('32070701', 0).slice(0, 3)).toEqual(['3', '赣榆高级中学', '登记']);
    expect(cellsOf('32070701', 0).slice(-3)).toEqual(['12', '11', '+1']);
    // rank, name, 参训率 ×3, 合格率 ×3, 完成率 ×3, 目标, 落后, 滞后, 认定学时 ×3, 名额, 学校, 结项.
    const rates = cellsOf('32070701', 1);
    expect(rates.slice(8, 14)).toEqual(['10.0', '9.2', '+0.8', '20.0', '10.0', '是']);
    expect(rates.slice(14, 17)).toEqual(['12.5', '8.3', '+4.2']);
    const unassessed = { ...notice, unit: row('city', '320700', '连云港市', '320000', { required: 5 }, {}) };
    const none = parseHtml(renderNoticeHtml(unassessed))
      .querySelector('section')
      ?.querySelectorAll('table')[1]
      ?.querySelectorAll('td')
      .map((td) => td.text);
    expect(none?.slice(5, 8)).toEqual(['—', '—', '—']);
  });

  it('marks behind rows', () => {
    const behind = root
      .querySelectorAll('section')
      .flatMap((section) => section.querySelectorAll('table')[0].querySelectorAll('tr.behind'));
    expect(behind.map((tr) => tr.getAttribute('data-unit-id'))).toEqual(['320700', '320707', '32070701']);
  });
});

describe('A notice where the rulebook designates pilots (Yueyang)', () => {
  const rule = { ownerPilots: 2, perCounty: 2, dueBy: '2021-12-31' };
  const standing = (over: Partial<NonNullable<NoticeRow['pilots']>>): NoticeRow['pilots'] => ({
    total: 0,
    late: 0,
    required: null,
    askedAs: null,
    counted: 0,
    short: false,
    dueBy: rule.dueBy,
    finishBy: null,
    ...over,
  });
  const pilots: Record<string, NoticeRow['pilots']> = {
    '320700': standing({ total: 3, late: 1, required: 2, askedAs: 'owner', counted: 2 }),
    '320706': standing({ total: 1, late: 1, required: 2, askedAs: 'county', counted: 1, short: true }),
    '320707': standing({ required: 2, askedAs: 'county', short: true }),
    '32070601': standing({ total: 1, late: 1, counted: 1, finishBy: '2021-12-31' }),
  };
  const withPilots = (each: NoticeRow): NoticeRow => ({ ...each, pilots: pilots[each.unitId] ?? standing({}) });
  const yueyang: WeeklyNotice = {
    ...notice,
    pilotSchools: rule,
    unit: withPilots(notice.unit),
    levels: notice.levels.map((level) => ({ ...level, rows: level.rows.map(withPilots) })),
  };

  it('gives each unit its pilots against its ask, short, late and the pilot’s finishBy in csv', () => {
    const [header, ...rows] = parseCsv(renderNoticeCsv(yueyang), { bom: true }) as string[][];
    const cells = (unitId: string) =>
      ['试点校(所)', '应有试点校(所)', '试点不足', '逾期试点校(所)', '试点完成期限'].map(
        (column) => rows.find((r) => r[2] === unitId)?.[header.indexOf(column)],
      );
    expect(cells('320700')).toEqual(['2', '2', '', '1', '']);
    expect(cells('320706')).toEqual(['1', '2', '是', '1', '']);
    expect(cells('320707')).toEqual(['0', '2', '是', '0', '']);
    expect(cells('32070601')).toEqual(['1', '', '', '1', '2021-12-31']);
    // Not a pilot rulebook: no pilot columns at all.
    expect(renderNoticeCsv(notice)).not.toContain('试点');
  });

  it('shows a third table per level in html, the short and late rows marked', () => {
    const root = parseHtml(renderNoticeHtml(yueyang));
    for (const section of root.querySelectorAll('section')) {
      expect(section.querySelectorAll('h3').map((h) => h.text)).toEqual([
        '（一）培训人数',
        '（二）比率与学时',
        '（三）试点学校',
      ]);
    }
    const alerts = root
      .querySelectorAll('section')
      .flatMap((section) => section.querySelectorAll('table')[2].querySelectorAll('tr.pilot-alert'))
      .map((tr) => tr.getAttribute('data-unit-id'));
    expect(alerts).toEqual(['320700', '320706', '320707', '32070601']);
  });

  it('carries the pilot columns in xlsx, read back as numbers and marks', async () => {
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(new Uint8Array(await renderNoticeXlsx(yueyang)).buffer);
    const ws = workbook.worksheets[1];
    const header = (label: string) => {
      for (let c = 1; c <= ws.columnCount; c++) if (ws.getCell(4, c).value === label) return c;
      throw new Error(`no column ${label}`);
    };
    const rowOf = (unitId: string) => {
      for (let r = 6; r <= ws.rowCount; r++) if (ws.getCell(r, 3).value === unitId) return r;
      throw new Error(`no row ${unitId}`);
    };
    expect(ws.getCell(rowOf('320706'), header('试点校(所)')).value).toBe(1);
    expect(ws.getCell(rowOf('320706'), header('试点不足')).value).toBe('是');
    expect(ws.getCell(rowOf('320707'), header('逾期试点校(所)')).value).toBe(0);
  });
});
