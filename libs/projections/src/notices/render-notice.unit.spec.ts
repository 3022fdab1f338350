import { parse as parseCsv } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { parse as parseHtml } from 'node-html-parser';
import { renderNoticeCsv, renderNoticeHtml, renderNoticeXlsx } from './render-notice';
import type { NoticeFigures, NoticeRow, UnitKind, WeeklyNotice } from './weekly-notice';

const PACE = 45;
const EVIL_NAME = '海州实验<script>&"中学';

const ZERO: NoticeFigures = {
  seatsReceived: 0,
  enrolled: 0,
  confirmed: 0,
  pointsSelected: 0,
  onlinePassed: 0,
  assessed: 0,
  passed: 0,
  excellent: 0,
  certified: 0,
  hoursCredited: 0,
  excellentVideos: 0,
  schoolsTotal: 0,
  schoolsClosed: 0,
};

function row(
  kind: UnitKind,
  unitId: string,
  name: string,
  rank: number,
  thisWeek: Partial<NoticeFigures>,
  lastWeek: Partial<NoticeFigures>,
): NoticeRow {
  const now = { ...ZERO, ...thisWeek };
  const before = { ...ZERO, ...lastWeek };
  const change = { ...ZERO };
  for (const key of Object.keys(ZERO) as (keyof NoticeFigures)[]) change[key] = now[key] - before[key];
  const progressPercent = now.seatsReceived ? (now.passed / now.seatsReceived) * 100 : 0;
  return {
    unitId,
    name,
    kind,
    rank,
    thisWeek: now,
    lastWeek: before,
    change,
    progressPercent,
    behind: progressPercent < PACE,
  };
}

const schools = [
  row(
    'school',
    '32070601',
    '新海高级中学',
    1,
    { seatsReceived: 100, enrolled: 100, confirmed: 98, passed: 66, excellent: 12, hoursCredited: 30, schoolsTotal: 1 },
    { seatsReceived: 100, enrolled: 100, confirmed: 95, passed: 52, excellent: 9, hoursCredited: 26, schoolsTotal: 1 },
  ),
  row(
    'school',
    '32070602',
    EVIL_NAME,
    2,
    { seatsReceived: 80, enrolled: 80, confirmed: 80, passed: 40, excellent: 5, hoursCredited: 20.5, schoolsTotal: 1 },
    { seatsReceived: 80, enrolled: 78, confirmed: 76, passed: 37, excellent: 5, hoursCredited: 18, schoolsTotal: 1 },
  ),
  // Behind the 45% pace; hours go from 8.3 to 12.5, whose difference is not exact in floating point.
  row(
    'school',
    '32070701',
    '赣榆高级中学',
    3,
    {
      seatsReceived: 120,
      enrolled: 110,
      confirmed: 100,
      passed: 30,
      excellent: 2,
      hoursCredited: 12.5,
      schoolsTotal: 1,
    },
    { seatsReceived: 120, enrolled: 105, confirmed: 90, passed: 33, excellent: 2, hoursCredited: 8.3, schoolsTotal: 1 },
  ),
];

const notice: WeeklyNotice = {
  batchId: 'b-2021-1',
  batchName: '2021年信息技术应用能力提升工程2.0',
  week: '2021-W03',
  previousWeek: '2021-W02',
  weekStartsOn: '2021-01-18',
  weekEndsOn: '2021-01-24',
  asOf: '2021-01-24T16:00:00.000Z',
  timeZone: 'Asia/Shanghai',
  pacePercent: PACE,
  unit: row(
    'city',
    '320700',
    '连云港市',
    1,
    {
      seatsReceived: 300,
      enrolled: 290,
      confirmed: 278,
      passed: 136,
      excellent: 19,
      hoursCredited: 63,
      schoolsTotal: 3,
    },
    {
      seatsReceived: 300,
      enrolled: 283,
      confirmed: 261,
      passed: 122,
      excellent: 16,
      hoursCredited: 52.3,
      schoolsTotal: 3,
    },
  ),
  levels: [
    {
      kind: 'county',
      rows: [
        row(
          'county',
          '320706',
          '海州区',
          1,
          {
            seatsReceived: 180,
            enrolled: 180,
            confirmed: 178,
            passed: 106,
            excellent: 17,
            hoursCredited: 50.5,
            schoolsTotal: 2,
          },
          {
            seatsReceived: 180,
            enrolled: 178,
            confirmed: 171,
            passed: 89,
            excellent: 14,
            hoursCredited: 44,
            schoolsTotal: 2,
          },
        ),
        row(
          'county',
          '320707',
          '赣榆区',
          2,
          {
            seatsReceived: 120,
            enrolled: 110,
            confirmed: 100,
            passed: 30,
            excellent: 2,
            hoursCredited: 12.5,
            schoolsTotal: 1,
          },
          {
            seatsReceived: 120,
            enrolled: 105,
            confirmed: 90,
            passed: 33,
            excellent: 2,
            hoursCredited: 8.3,
            schoolsTotal: 1,
          },
        ),
      ],
    },
    { kind: 'school', rows: schools },
  ],
};

describe('renderNoticeCsv', () => {
  const text = renderNoticeCsv(notice);
  const [header, ...rows] = parseCsv(text, { bom: true }) as string[][];
  const cell = (unitId: string, column: string): string | undefined =>
    rows.find((r) => r[2] === unitId)?.[header.indexOf(column)];

  it('starts with a BOM so Excel reads the Chinese as UTF-8', () => {
    expect(text.startsWith('\uFEFF')).toBe(true);
  });

  it('has the Chinese header with three columns per figure', () => {
    expect(header.slice(0, 7)).toEqual([
      '层级',
      '排名',
      '单位代码',
      '单位名称',
      '分配名额本周',
      '分配名额上周',
      '分配名额变化',
    ]);
    expect(header.slice(-3)).toEqual(['完成率%', '时间进度%', '滞后']);
    expect(header).toHaveLength(4 + 13 * 3 + 3);
  });

  it('lists the unit first, then every level in order', () => {
    expect(rows.map((r) => r[2])).toEqual(['320700', '320706', '320707', '32070601', '32070602', '32070701']);
    expect(rows.map((r) => r[0])).toEqual(['市', '县(市、区)', '县(市、区)', '学校', '学校', '学校']);
  });

  it("gives a unit's this-week, last-week and change values", () => {
    expect(cell('32070701', '合格(含优秀)本周')).toBe('30');
    expect(cell('32070701', '合格(含优秀)上周')).toBe('33');
    expect(cell('32070701', '合格(含优秀)变化')).toBe('-3');
    expect(cell('32070701', '认定学时本周')).toBe('12.5');
    expect(cell('32070701', '认定学时变化')).toBe('4.2');
    expect(cell('32070701', '完成率%')).toBe('25.0');
    expect(cell('32070701', '时间进度%')).toBe('45.0');
    expect(cell('32070701', '滞后')).toBe('是');
    expect(cell('32070601', '滞后')).toBe('');
    expect(cell('32070602', '单位名称')).toBe(EVIL_NAME);
  });

  it('defuses names Excel would run as formulas', () => {
    const hostile = { ...notice, unit: { ...notice.unit, name: '=HYPERLINK("x")' }, levels: [] };
    const [, first] = parseCsv(renderNoticeCsv(hostile), { bom: true }) as string[][];
    expect(first[3]).toBe('\'=HYPERLINK("x")');
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
  const rowOf = (ws: ExcelJS.Worksheet, unitId: string): ExcelJS.Row => {
    for (let r = 5; r <= ws.rowCount; r++) if (ws.getCell(r, 3).value === unitId) return ws.getRow(r);
    throw new Error(`no row for ${unitId}`);
  };

  it('has one sheet per level, the unit first', () => {
    expect(workbook.worksheets.map((ws) => ws.name)).toEqual(['市', '县(市、区)', '学校']);
    expect(workbook.creator).toBe('TIP');
    expect(sheet('学校').rowCount).toBe(4 + 3);
  });

  it('has a title and a two-row Chinese header', () => {
    const ws = sheet('学校');
    expect(ws.getCell(1, 1).value).toBe('2021年信息技术应用能力提升工程2.0 第3周 培训进度周通报');
    expect(String(ws.getCell(2, 1).value)).toContain('2021-01-25 00:00');
    expect([1, 2, 3, 4].map((c) => ws.getCell(3, c).value)).toEqual(['层级', '排名', '单位代码', '单位名称']);
    expect([5, 8].map((c) => ws.getCell(3, c).value)).toEqual(['分配名额', '报名人数']);
    expect([5, 6, 7].map((c) => ws.getCell(4, c).value)).toEqual(['本周', '上周', '变化']);
    expect(ws.getCell(3, 44).value).toBe('完成率%');
    expect(ws.views[0]).toMatchObject({ state: 'frozen', ySplit: 4 });
  });

  it('holds figures as numbers', () => {
    const school = rowOf(sheet('学校'), '32070701');
    const passedThisWeek = 4 + 6 * 3 + 1; // the seventh figure, 合格(含优秀)
    expect(school.getCell(passedThisWeek).value).toBe(30);
    expect(school.getCell(passedThisWeek + 2).value).toBe(-3);
    expect(school.getCell(4 + 9 * 3 + 1).value).toBe(12.5);
    expect(school.getCell(44).value).toBe(25);
    expect(school.getCell(2).value).toBe(3);
    expect(rowOf(sheet('市'), '320700').getCell(5).value).toBe(300);
  });

  it('fills the behind rows light red, and only those', () => {
    const ws = sheet('学校');
    const fill = (unitId: string): unknown => rowOf(ws, unitId).getCell(4).fill;
    expect(fill('32070701')).toMatchObject({ type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFFFC7CE' } });
    expect(fill('32070601')).toBeUndefined();
  });
});

describe('renderNoticeHtml', () => {
  const html = renderNoticeHtml(notice);
  const root = parseHtml(html);
  const rowOf = (unitId: string): string[] => {
    const tr = root.querySelectorAll('tbody tr').find((r) => r.querySelectorAll('td')[2]?.text === unitId);
    if (!tr) throw new Error(`no row for ${unitId}`);
    return tr.querySelectorAll('td').map((td) => td.text);
  };

  it('is a standalone, printable Chinese document', () => {
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(root.querySelector('html')?.getAttribute('lang')).toBe('zh-CN');
    expect(root.querySelector('meta')?.getAttribute('charset')).toBe('utf-8');
    const css = root.querySelector('style')?.text ?? '';
    expect(css).toMatch(/@page\s*{\s*size:\s*A4 landscape;\s*margin:\s*12mm\s*}/);
    expect(css).toMatch(/thead\s*{\s*display:\s*table-header-group\s*}/);
    expect(root.querySelectorAll('script, link, img')).toHaveLength(0);
  });

  it('has a section, heading and table per level', () => {
    expect(root.querySelectorAll('section h2').map((h) => h.text)).toEqual(['市', '县(市、区)', '学校']);
    expect(root.querySelectorAll('section > table')).toHaveLength(3);
  });

  it('escapes unit names so they read back as text', () => {
    expect(rowOf('32070602')[3]).toBe(EVIL_NAME);
    expect(html).not.toContain('<script>');
  });

  it('shows figures, signed changes and percents', () => {
    const cells = rowOf('32070701');
    const passedThisWeek = 4 + 6 * 3;
    expect(cells.slice(passedThisWeek, passedThisWeek + 3)).toEqual(['30', '33', '−3']);
    expect(cells.slice(4 + 9 * 3, 4 + 9 * 3 + 3)).toEqual(['12.5', '8.3', '+4.2']);
    expect(cells.slice(-3)).toEqual(['25.0', '45.0', '是']);
    expect(rowOf('32070601')[4 + 2]).toBe('0'); // 分配名额变化
  });

  it('marks behind rows', () => {
    expect(root.querySelectorAll('tr.behind').map((tr) => tr.querySelectorAll('td')[2]?.text)).toEqual([
      '320707',
      '32070701',
    ]);
  });
});
