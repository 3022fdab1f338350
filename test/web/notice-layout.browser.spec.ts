/// <reference lib="dom" />
// (page.evaluate callbacks run in the browser)
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { describeWithBrowser, launchChromium } from '@tip/testing';
import {
  NoticeCounts,
  noticeRow,
  NoticeRow,
  noticeSummary,
  ranked,
  renderNoticeHtml,
  UnitKind,
  WeeklyNotice,
  zeroCounts,
} from '@tip/projections';
import { SCREENSHOT_DIR } from './support/web-under-test';

/**
 * The weekly notice's HTML as a bureau uses it, laid out by Debian's Chromium: on a 1280-px
 * screen and printed on A4 landscape, nothing scrolls sideways and no table or cell is cut. The
 * notice is the widest one the renderer makes — quotas, pilot schools, long names, seven-digit
 * figures and signed changes in every column — so a narrower real one fits if this one does.
 */

/** A4 landscape less the notice's @page margins (12 mm each side), in CSS px (96 per inch). */
const A4_LANDSCAPE_PRINT_WIDTH = Math.floor(((297 - 2 * 12) / 25.4) * 96);
const A4_LANDSCAPE_POINTS = { width: 842, height: 595 };

const LONG_NAMES = [
  '连云港市赣榆区青口镇中心小学附属幼儿园第二教学点',
  '岳阳市华容县万庾镇九年一贯制学校（原万庾中学）',
  'Lianyungang Haizhou Experimental Senior High School No.2',
];

function wide(base: number, seed: number): NoticeCounts {
  return {
    ...zeroCounts(),
    required: base,
    enrolled: base - seed,
    confirmed: base - 2 * seed,
    pointsSelected: base - 3 * seed,
    onlinePassed: Math.round(base * 0.61),
    assessed: Math.round(base * 0.52),
    passed: Math.round(base * 0.43) + seed,
    excellent: Math.round(base * 0.11),
    trained: Math.round(base * 0.17) + seed,
    certified: Math.round(base * 0.17),
    othersEnrolled: 12_345 + seed,
    hoursCredited: base * 50.25,
    hoursRecognised: base * 8.75 + 0.25,
    seatsReceived: base + 1_234_567,
    schoolsTotal: 13_000,
    schoolsClosed: 9_999,
  };
}

function row(kind: UnitKind, unitId: string, name: string, parentId: string, seed: number): NoticeRow {
  return noticeRow({
    unit: { unitId, name, kind, parentId },
    requiredSource: seed % 3 === 0 ? 'mixed' : 'declared',
    // Last week far higher: every change column is a long negative figure.
    thisWeek: wide(1_234_567 + seed, seed),
    lastWeek: wide(9_876_543 - seed, 2 * seed),
    targetPercent: 99.9,
    pilots: {
      total: 12_345,
      late: 1_234 + seed,
      required: 12_345,
      askedAs: kind === 'county' ? 'county' : 'owner',
      counted: 1_234,
      short: true,
      dueBy: '2021-12-31',
      finishBy: kind === 'school' ? '2021-12-31' : null,
    },
  });
}

function widestNotice(): WeeklyNotice {
  const counties = [0, 1, 2].map((i) => row('county', `4306${i}${i}`, `${LONG_NAMES[i]}所在县`, '430600', i + 1));
  const schools = Array.from({ length: 24 }, (_, i) =>
    row('school', `4306${i % 3}${i % 3}S${String(i).padStart(4, '0')}`, LONG_NAMES[i % 3], `4306${i % 3}${i % 3}`, i),
  );
  const partial: Omit<WeeklyNotice, 'summary'> = {
    batchId: 'YY-2021-WITH-A-LONG-BATCH-IDENTIFIER',
    batchName: '第一批（信息技术应用能力提升工程2.0整校推进第一阶段）',
    programmeId: 'YY-2.0',
    programmeName: '岳阳市中小学教师信息技术应用能力提升工程2.0',
    heading: {
      issuingOffice: '岳阳市中小学教师信息技术应用能力提升工程2.0项目管理办公室',
      documentNumber: '岳教师培办〔2021〕第123号',
      issuedOn: '2021-11-15',
      title:
        '关于岳阳市中小学教师信息技术应用能力提升工程2.0第一批（信息技术应用能力提升工程2.0整校推进第一阶段）培训进度的通报（2021年第45周）',
    },
    week: '2021-W45',
    previousWeek: '2021-W44',
    weekStartsOn: '2021-11-08',
    weekEndsOn: '2021-11-14',
    asOf: '2021-11-14T16:00:00.000Z',
    timeZone: 'Asia/Shanghai',
    batchStartsOn: '2021-03-01',
    batchEndsOn: '2022-06-30',
    batchScheduledEndsOn: '2021-12-31',
    extensions: [
      { endsOn: '2022-06-30', previousEndsOn: '2021-12-31', reason: '疫情影响，延期半年', at: '2021-10-08T09:00:00Z' },
    ],
    pacePercent: 99.9,
    targetPercent: 99.9,
    lastWeekTargetPercent: 98.7,
    aimPercent: 100,
    quotas: true,
    graded: true,
    pilotSchools: { ownerPilots: 12_345, perCounty: 12_345, dueBy: '2021-12-31' },
    unit: { ...row('city', '430600', '岳阳市（含经济技术开发区、南湖新区、屈原管理区）', '430000', 7), rank: 1 },
    levels: [
      { kind: 'county', rows: ranked(counties) },
      { kind: 'school', rows: ranked(schools) },
    ],
    source: {
      position: 123_456_789,
      treeSize: 123_456_789,
      rootHash: 'f'.repeat(64),
      signedAt: '2021-11-15T01:00:00.000Z',
      keyId: 'e'.repeat(64),
    },
  };
  return { ...partial, summary: noticeSummary(partial) };
}

interface Overflow {
  /** The document scrolls sideways: scrollWidth > clientWidth. */
  page: { scrollWidth: number; clientWidth: number } | null;
  /** Tables (by section and index) reaching past the page's right edge or starting left of it. */
  tables: string[];
  /** Cells whose content is wider than the cell: cut off or spilling over the next one. */
  cells: string[];
}

/** What sticks out of the page, or out of its own cell, as laid out now. */
function overflowOf(page: Page): Promise<Overflow> {
  return page.evaluate(() => {
    const root = document.documentElement;
    const width = root.clientWidth;
    const tables = Array.from(document.querySelectorAll('table')).flatMap((table, index) => {
      const box = table.getBoundingClientRect();
      return box.left < 0 || box.right > width + 0.5
        ? [`table ${index} (${table.closest('section')?.dataset.kind ?? '?'}): ${box.left}–${box.right} of ${width}`]
        : [];
    });
    const cells = Array.from(document.querySelectorAll('th, td')).flatMap((cell) =>
      cell.scrollWidth > cell.clientWidth
        ? [`"${cell.textContent}": ${cell.scrollWidth} px in ${cell.clientWidth} px`]
        : [],
    );
    return {
      page:
        root.scrollWidth > root.clientWidth ? { scrollWidth: root.scrollWidth, clientWidth: root.clientWidth } : null,
      tables: tables.slice(0, 10),
      cells: cells.slice(0, 10),
    };
  });
}

const FITS: Overflow = { page: null, tables: [], cells: [] };

describeWithBrowser('The weekly notice in Chromium', () => {
  let browser: Browser;
  jest.setTimeout(120_000);
  const html = renderNoticeHtml(widestNotice());

  beforeAll(async () => {
    browser = await launchChromium();
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
  }, 60_000);
  afterAll(async () => browser?.close());

  const open = async (width: number, media: 'screen' | 'print', content = html) => {
    const context = await browser.newContext({ viewport: { width, height: 900 }, locale: 'zh-CN' });
    const page = await context.newPage();
    await page.emulateMedia({ media });
    await page.setContent(content, { waitUntil: 'load' });
    return { context, page };
  };

  it('fits a 1280-px screen: nothing scrolls sideways, no table or cell is cut', async () => {
    const { context, page } = await open(1280, 'screen');
    // Every section has its tables: counts, rates and hours, pilots.
    await expect(page.locator('section').count()).resolves.toBe(3);
    await expect(page.locator('table').count()).resolves.toBe(9);
    expect(await overflowOf(page)).toEqual(FITS);
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'notice-1280.png'), fullPage: true });
    await context.close();
  });

  it('prints on A4 landscape: laid out at the printable width nothing is cut, and the PDF has A4 landscape pages', async () => {
    const { context, page } = await open(A4_LANDSCAPE_PRINT_WIDTH, 'print');
    expect(await overflowOf(page)).toEqual(FITS);
    const pdf = await page.pdf({ format: 'A4', landscape: true, printBackground: true, preferCSSPageSize: true });
    const pages = [...pdf.toString('latin1').matchAll(/\/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]/g)].map(
      ([, width, height]) => ({ width: Math.round(Number(width)), height: Math.round(Number(height)) }),
    );
    // 28 units' three tables do not fit one sheet: the notice runs on, each page A4 landscape.
    expect(pages.length).toBeGreaterThan(1);
    expect(new Set(pages.map((each) => `${each.width}×${each.height}`))).toEqual(
      new Set([`${A4_LANDSCAPE_POINTS.width}×${A4_LANDSCAPE_POINTS.height}`]),
    );
    await context.close();
  });

  it('would see a notice that does not fit (the checks above can fail)', async () => {
    // The same notice with its tables forced wider than the page and a cell that cannot wrap.
    const tooWide = html.replace(
      '</style>',
      'table { width: 1400px } td.text { overflow-wrap: normal; white-space: nowrap; overflow: hidden }</style>',
    );
    for (const [width, media] of [
      [1280, 'screen'],
      [A4_LANDSCAPE_PRINT_WIDTH, 'print'],
    ] as const) {
      const { context, page } = await open(width, media, tooWide);
      const overflow = await overflowOf(page);
      expect(overflow.page).not.toBeNull();
      expect(overflow.tables.length).toBeGreaterThan(0);
      expect(overflow.cells.length).toBeGreaterThan(0);
      await context.close();
    }
  });
});
