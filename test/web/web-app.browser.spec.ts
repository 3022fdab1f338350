/// <reference lib="dom" />
// (page.evaluate callbacks run in the browser)
import { readFile } from 'node:fs/promises';
import ExcelJS from 'exceljs';
import type { Page } from 'playwright-core';
import { describeWithBrowser } from '@tip/testing';
import {
  BATCH,
  CERTIFIED_TEACHER,
  COUNTIES,
  expectedCompletion,
  expectedPacePercent,
  PROVINCE,
  SCHOOLS,
  TEACHERS,
} from './support/scenario';
import { Account, PASSWORD, startWebUnderTest, WebUnderTest } from './support/web-under-test';

/**
 * The web app as people use it: Debian's Chromium driven by Playwright against `/` of a real TIP
 * (PostgreSQL, the built app, the scenario in ./support/scenario.ts), signing in with real
 * accounts. What the pages show is compared with the API's views and with figures worked out by
 * hand from the scenario.
 */

const COUNTY = COUNTIES[0]; // 玄武区: 实验小学 83.3% (on track), 第二中学 16.7% (behind), target 36.8%
const SCHOOL = SCHOOLS[0];
const OTHER_SCHOOL = SCHOOLS[1];

const ACCOUNTS: Account[] = [
  { userId: 'xw-admin', name: '玄武区项目办', role: 'county-admin', unitId: COUNTY.unitId },
  { userId: 'js-admin', name: '江苏省项目办', role: 'province-admin', unitId: PROVINCE.unitId },
  { userId: 'xw01-admin', name: '实验小学管理员', role: 'school-admin', unitId: SCHOOL.schoolId },
  { userId: 'xw02-admin', name: '第二中学管理员', role: 'school-admin', unitId: OTHER_SCHOOL.schoolId },
  { userId: 'qh-admin', name: '秦淮区项目办', role: 'county-admin', unitId: COUNTIES[1].unitId },
  { userId: CERTIFIED_TEACHER.teacherId, name: CERTIFIED_TEACHER.name, role: 'teacher', unitId: SCHOOL.schoolId },
  { userId: 'expert', name: '省电教馆专家', role: 'inspector', unitId: PROVINCE.unitId },
  { userId: 'auditor', name: '审计员', role: 'auditor' },
];

interface ChartPoint {
  name: string;
  value: number;
}

/**
 * The data a chart draws, as the chart itself describes it to screen readers (ECharts' aria
 * label: "…其数据是——A的数据是0，83.3，B的数据是1，16.7。"; the last number of each item is its value).
 */
async function chartData(page: Page, testId: string): Promise<ChartPoint[][]> {
  const label = await page.getByTestId(testId).locator('[aria-label]').first().getAttribute('aria-label');
  if (!label) throw new Error(`${testId} has no aria-label`);
  return label
    .split(/其数据是——/)
    .slice(1)
    .map((series) =>
      [...series.matchAll(/([^，；。—]+?)的数据是((?:-?[\d.]+，?)+)/g)].map(([, name, values]) => ({
        name,
        value: Number(values.replace(/，$/, '').split('，').at(-1)),
      })),
    );
}

/** A page's content fits its width: nothing scrolls sideways. */
async function overflowsSideways(page: Page): Promise<boolean> {
  return page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth);
}

describeWithBrowser('The web app in Chromium', () => {
  let web: WebUnderTest;

  beforeAll(async () => {
    web = await startWebUnderTest(ACCOUNTS);
  }, 180_000);
  afterAll(async () => web?.stop());

  it("signs a county admin in to the county's dashboard, whose bars are the progress views', and drills down to a school and its teachers", async () => {
    const { context, page } = await web.newPage();
    await page.goto('/');
    await page.waitForURL('**/login');
    await web.screenshot(page, 'login');
    await web.signIn(page, 'xw-admin');
    await page.waitForURL(`**/units/${COUNTY.unitId}`);
    await page.getByTestId('completion-chart').locator('[aria-label]').waitFor();
    await expect(page.getByTestId('unit-name').textContent()).resolves.toContain(COUNTY.name);

    // The bars: one per school of the county, each at the completion its own progress view gives,
    // which is the scenario's figure worked out by hand; the target line at the batch's pace.
    const [bars] = await chartData(page, 'completion-chart');
    const schools = SCHOOLS.filter((school) => school.countyId === COUNTY.unitId);
    const completion = expectedCompletion();
    expect(bars).toEqual(schools.map((school) => ({ name: school.name, value: completion.get(school.schoolId) })));
    const children = await web.api<{ pacePercent: number; children: { name: string; progressPercent: number }[] }>(
      `/views/units/${COUNTY.unitId}/children?batchId=${BATCH}`,
    );
    expect(bars).toEqual(children.children.map((child) => ({ name: child.name, value: child.progressPercent })));
    for (const school of schools) {
      const progress = await web.api<{ teachers: { passed: number }; seatTotals: { received: number } }>(
        `/views/units/${school.schoolId}/progress?batchId=${BATCH}`,
      );
      const value = Math.round((progress.teachers.passed / progress.seatTotals.received) * 1000) / 10;
      expect(bars.find((bar) => bar.name === school.name)?.value).toBe(value);
    }
    expect(children.pacePercent).toBe(expectedPacePercent());
    await expect(page.getByTestId('completion-chart').textContent()).resolves.toContain(`${expectedPacePercent()}%`);
    // The school under the target is listed as behind; the one above it is not.
    const behind = page.getByTestId('behind-units');
    await expect(behind.textContent()).resolves.toContain(OTHER_SCHOOL.name);
    await expect(behind.textContent()).resolves.not.toContain(SCHOOL.name);
    const [trend, target] = await chartData(page, 'trend-chart');
    expect(trend.at(-1)?.value).toBe(completion.get(COUNTY.unitId));
    expect(target.at(-1)?.value).toBe(expectedPacePercent());
    await web.screenshot(page, 'county-dashboard');

    // Down to the school, then to its teachers.
    await page.getByTestId('children-table').getByRole('link', { name: SCHOOL.name }).click();
    await page.waitForURL(`**/schools/${SCHOOL.schoolId}`);
    await expect(page.getByTestId('unit-name').textContent()).resolves.toContain(SCHOOL.name);
    await page.getByTestId('closure-steps').waitFor();
    await web.screenshot(page, 'school-as-county-admin');
    await page.getByRole('link', { name: '教师名单' }).first().click();
    await page.waitForURL(`**/units/${SCHOOL.schoolId}/teachers`);
    const table = page.getByTestId('teachers-table');
    for (const teacher of TEACHERS.filter((each) => each.schoolId === SCHOOL.schoolId)) {
      await table.getByRole('link', { name: teacher.name }).waitFor();
    }
    // 5 of 6 passed and one failed: the failed one is marked so.
    const failed = TEACHERS.find((each) => each.schoolId === SCHOOL.schoolId && each.grade === 'fail');
    await expect(table.locator('tr', { hasText: failed?.teacherId ?? '?' }).textContent()).resolves.toContain('不合格');
    await web.screenshot(page, 'teachers');
    await context.close();
  });

  it('previews the weekly notice, prints it, and downloads it in every format; the xlsx reads back with the figures', async () => {
    const { context, page } = await web.newPage();
    await web.signIn(page, 'xw-admin');
    await page.goto(`/units/${COUNTY.unitId}/notice`);
    const frame = page.frameLocator('[data-testid="notice-preview"]');
    await expect(frame.locator('body').textContent()).resolves.toContain(SCHOOL.name);
    await web.screenshot(page, 'notice');

    const week = await page.getByTestId('notice-week').locator('input').inputValue();
    for (const format of ['html', 'xlsx', 'csv', 'json'] as const) {
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.locator(`a[data-format="${format}"]`).click(),
      ]);
      const file = await download.path();
      const bytes = await readFile(file);
      expect({ format, size: bytes.length > 100 }).toEqual({ format, size: true });
      if (format !== 'xlsx') continue;
      // Read back: a sheet per level, the county's schools in the school sheet with their passed teachers this week.
      const workbook = new ExcelJS.Workbook();
      await workbook.xlsx.load(bytes as unknown as ArrayBuffer);
      const cells = workbook.worksheets.flatMap((sheet) => {
        const rows: string[][] = [];
        sheet.eachRow((row) => rows.push((row.values as unknown[]).slice(1).map((value) => String(value ?? ''))));
        return [{ sheet, rows }];
      });
      for (const school of SCHOOLS.filter((each) => each.countyId === COUNTY.unitId)) {
        const found = cells.find(({ rows }) => rows.some((row) => row.includes(school.schoolId)));
        expect({ school: school.schoolId, found: Boolean(found) }).toEqual({ school: school.schoolId, found: true });
        const rows = found?.rows ?? [];
        const row = rows.find((each) => each.includes(school.schoolId)) ?? [];
        expect(row).toContain(school.name);
        const headers = rows.slice(0, rows.indexOf(row));
        const passedThisWeek = row.findIndex(
          (_, column) =>
            headers.some((header) => /合格/.test(header[column] ?? '') && !/率/.test(header[column] ?? '')) &&
            headers.some((header) => header[column] === '本周'),
        );
        expect(Number(row[passedThisWeek])).toBe(
          school.grades.filter((grade) => grade === 'pass' || grade === 'excellent').length,
        );
      }
    }
    expect(week).toMatch(/^\d{4}-W\d{2}$/);
    // Printing prints the notice itself (the frame), not the app around it.
    await page.evaluate(() => {
      const frameWindow = document.querySelector<HTMLIFrameElement>('[data-testid="notice-preview"]')?.contentWindow;
      if (frameWindow) frameWindow.print = () => void document.body.setAttribute('data-printed', 'yes');
    });
    await page.getByTestId('notice-print').click();
    await expect(page.locator('body').getAttribute('data-printed')).resolves.toBe('yes');
    await context.close();
  });

  it('shows a teacher on a 390-px phone their certificate, its public verification link and a QR code of it', async () => {
    const { context, page } = await web.newPage({
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
    });
    await web.signIn(page, CERTIFIED_TEACHER.teacherId);
    await page.waitForURL('**/me');
    const certificate = page.getByTestId('certificate');
    await certificate.waitFor();
    const code = (await page.getByTestId('certificate-code').textContent())?.trim() ?? '';
    const transcript = await web.api<{ batches: { certificate: { code: string } | null }[] }>(
      `/views/teachers/${CERTIFIED_TEACHER.teacherId}/transcript`,
    );
    expect(code).toBe(transcript.batches[0].certificate?.code);
    const verifyUrl = `${web.origin}/verify/${code}`;
    await expect(certificate.locator('img.qr').getAttribute('data-qr-text')).resolves.toBe(verifyUrl);
    await expect(page.getByTestId('hours-total').textContent()).resolves.toBe('51');
    expect(await overflowsSideways(page)).toBe(false);
    await web.screenshot(page, 'teacher-phone');

    // The verification link works for anyone: a fresh browser, nobody signed in.
    const { context: stranger, page: outside } = await web.newPage({ viewport: { width: 390, height: 844 } });
    await outside.goto(verifyUrl);
    const check = outside.getByTestId('certificate-check');
    await expect(check.textContent()).resolves.toContain('有效');
    await expect(check.textContent()).resolves.toContain(`${CERTIFIED_TEACHER.name[0]}*`);
    await web.screenshot(outside, 'certificate-check');
    await stranger.close();
    await context.close();
  });

  it('refuses a wrong password, and keeps a locked account locked, even with the right password', async () => {
    const { context, page } = await web.newPage();
    await web.signIn(page, 'qh-admin', 'not-the-password').catch(() => undefined);
    const alert = page.getByTestId('api-error');
    await expect(alert.textContent()).resolves.toContain('账号或密码错误');
    expect(new URL(page.url()).pathname).toBe('/login');
    await web.screenshot(page, 'login-refused');

    // More failures in a row, each after the slow-down has passed, until the account locks.
    let locked = false;
    for (let attempt = 2; attempt <= 20 && !locked; attempt++) {
      web.clock.advance(61_000);
      const response = await page.request.post('/api/auth/login', {
        data: { username: 'qh-admin', password: `wrong-${attempt}` },
      });
      locked = response.status() === 423;
    }
    expect(locked).toBe(true);
    for (const wait of [0, 5 * 60_000]) {
      web.clock.advance(wait);
      await web.signIn(page, 'qh-admin', PASSWORD).catch(() => undefined);
      await expect(alert.textContent()).resolves.toContain('账号因多次登录失败已被锁定');
      await expect(alert.textContent()).resolves.toContain('ACCOUNT_LOCKED');
      expect(new URL(page.url()).pathname).toBe('/login');
    }
    await web.screenshot(page, 'login-locked');
    await context.close();
  });

  it("keeps a school admin out of another school's pages, and the API refuses them too", async () => {
    const { context, page } = await web.newPage();
    await web.signIn(page, 'xw02-admin');
    await page.waitForURL(`**/schools/${OTHER_SCHOOL.schoolId}`);
    for (const path of [
      `/schools/${SCHOOL.schoolId}`,
      `/units/${SCHOOL.schoolId}/teachers`,
      `/units/${SCHOOL.schoolId}/notice`,
    ]) {
      await page.goto(path);
      await page.getByTestId('forbidden').waitFor();
    }
    await web.screenshot(page, 'forbidden');
    for (const path of [
      `/api/views/units/${SCHOOL.schoolId}/progress?batchId=${BATCH}`,
      `/api/views/units/${SCHOOL.schoolId}/teachers?batchId=${BATCH}`,
      `/api/views/teachers/${CERTIFIED_TEACHER.teacherId}/transcript`,
      `/api/notices/weekly?unitId=${SCHOOL.schoolId}&batchId=${BATCH}&week=2021-W10&format=json`,
    ]) {
      const response = await page.request.get(path);
      expect({ path, status: response.status() }).toEqual({ path, status: 403 });
    }
    // Its own school's figures are there.
    const own = await page.request.get(`/api/views/units/${OTHER_SCHOOL.schoolId}/progress?batchId=${BATCH}`);
    expect(own.status()).toBe(200);
    await context.close();
  });

  it("explains a refused command in Chinese on the school admin's page, with the API's code", async () => {
    const { context, page } = await web.newPage();
    await web.signIn(page, 'xw02-admin');
    await page.getByTestId('school-actions').getByRole('tab', { name: '申请结项' }).click();
    const form = page.locator('[data-command="ApplyForClosure"]');
    await form.getByRole('button', { name: '提交' }).click();
    const alert = form.getByTestId('api-error');
    await expect(alert.textContent()).resolves.toContain('尚未上传学校规划书');
    await expect(alert.textContent()).resolves.toContain('PLAN_NOT_UPLOADED');
    await web.screenshot(page, 'school-admin');
    await context.close();
  });

  it('shows the province dashboard, the quota, and the inspector and auditor pages', async () => {
    const { context, page } = await web.newPage();
    await web.signIn(page, 'js-admin');
    await page.waitForURL(`**/units/${PROVINCE.unitId}`);
    const [bars] = await chartData(page, 'completion-chart');
    const completion = expectedCompletion();
    expect(bars.map((bar) => bar.value)).toEqual(['320100', '320500'].map((city) => completion.get(city)));
    await web.screenshot(page, 'province-dashboard');
    await page.goto(`/units/${PROVINCE.unitId}/quota`);
    await page.getByTestId('quota-table').waitFor();
    await web.screenshot(page, 'quota');
    await context.close();

    const inspector = await web.newPage();
    await web.signIn(inspector.page, 'expert');
    await inspector.page.waitForURL('**/inspections');
    await web.screenshot(inspector.page, 'inspections');
    await inspector.context.close();

    const auditor = await web.newPage();
    await web.signIn(auditor.page, 'auditor');
    await auditor.page.waitForURL('**/audit');
    await auditor.page.getByRole('tab', { name: '校验哈希链' }).click();
    await auditor.page.getByTestId('verify-chains').click();
    await expect(auditor.page.getByTestId('verify-result').textContent()).resolves.toContain('全部事件流完整');
    await web.screenshot(auditor.page, 'audit');
    await auditor.context.close();
  });
});
