/// <reference lib="dom" />
// (page.evaluate callbacks run in the browser)
import { readFile } from 'node:fs/promises';
import ExcelJS from 'exceljs';
import type { Locator, Page } from 'playwright-core';
import { describeWithBrowser } from '@tip/testing';
import {
  BATCH,
  CERTIFIED_TEACHER,
  COUNTIES,
  expectedCompletion,
  EXPECTED_TARGET_PERCENT,
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

const COUNTY = COUNTIES[0]; // 玄武区: 实验小学 83.3% (on track), 第二中学 16.7% (behind), target 20%
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
  // ECharts labels the element it draws in once it has drawn.
  const chart = page.locator(`[data-testid="${testId}"][aria-label]`);
  await chart.waitFor();
  const label = await chart.getAttribute('aria-label');
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

/** Waits until the element's text has all of `texts` (pages fill in as their answers arrive), and gives the text. */
async function textOf(locator: Locator, ...texts: string[]): Promise<string> {
  await locator.first().waitFor();
  const deadline = Date.now() + 15_000;
  for (;;) {
    const text = (await locator.first().textContent()) ?? '';
    if (texts.every((each) => text.includes(each)) || Date.now() > deadline) return text;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A page's content fits its width: nothing scrolls sideways. */
async function overflowsSideways(page: Page): Promise<boolean> {
  return page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth);
}

describeWithBrowser('The web app in Chromium', () => {
  let web: WebUnderTest;
  // A page, its answers and Chromium on a busy 2-core machine: seconds, not the default 30.
  jest.setTimeout(120_000);

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
    expect(await textOf(page.getByTestId('unit-name'), COUNTY.name)).toContain(COUNTY.name);

    // The bars: one per school of the county, each at the completion its own progress view gives,
    // which is the scenario's figure worked out by hand; the target line at the batch's pace.
    const [bars] = await chartData(page, 'completion-chart');
    const schools = SCHOOLS.filter((school) => school.countyId === COUNTY.unitId);
    const completion = expectedCompletion();
    expect(bars).toEqual(schools.map((school) => ({ name: school.name, value: completion.get(school.schoolId) })));
    const children = await web.api<{
      targetPercent: number;
      children: { name: string; rates: { completionPercent: number | null } }[];
    }>(`/views/units/${COUNTY.unitId}/children?batchId=${BATCH}`);
    expect(bars).toEqual(
      children.children.map((child) => ({ name: child.name, value: child.rates.completionPercent ?? 0 })),
    );
    for (const school of schools) {
      const progress = await web.api<{ rates: { completionPercent: number } }>(
        `/views/units/${school.schoolId}/progress?batchId=${BATCH}`,
      );
      expect(bars.find((bar) => bar.name === school.name)?.value).toBe(progress.rates.completionPercent);
    }
    expect(children.targetPercent).toBe(EXPECTED_TARGET_PERCENT);
    expect(await textOf(page.getByTestId('completion-chart'), `${EXPECTED_TARGET_PERCENT}%`)).toContain(
      `目标进度 ${EXPECTED_TARGET_PERCENT}%`,
    );
    // The school under the target is listed as behind; the one above it is not.
    const behind = page.getByTestId('behind-units');
    expect(await textOf(behind, OTHER_SCHOOL.name)).toContain(OTHER_SCHOOL.name);
    expect(await textOf(behind, OTHER_SCHOOL.name)).not.toContain(SCHOOL.name);
    const [trend, target] = await chartData(page, 'trend-chart');
    expect(trend.at(-1)?.value).toBe(completion.get(COUNTY.unitId));
    expect(target.at(-1)?.value).toBe(EXPECTED_TARGET_PERCENT);
    // The county's one pilot school, due on 2021-03-01 and not closed by today: late.
    const pilots = page.getByTestId('pilot-schools');
    expect(await textOf(pilots, '逾期')).toContain('共 1 所，已结项 0 所，逾期 1 所');
    const pilotRow = pilots.locator('tr', { hasText: SCHOOL.name });
    expect(await textOf(pilotRow, '逾期')).toMatch(/玄武区实验小学.*玄武区.*项目办试点.*2021-03-01.*参训中.*逾期/);
    await web.screenshot(page, 'county-dashboard');

    // Down to the school, then to its teachers.
    await page.getByTestId('children-table').getByRole('link', { name: SCHOOL.name }).click();
    await page.waitForURL(`**/schools/${SCHOOL.schoolId}`);
    expect(await textOf(page.getByTestId('unit-name'), SCHOOL.name)).toContain(SCHOOL.name);
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
    expect(await textOf(table.locator('tr', { hasText: failed?.teacherId ?? '?' }), '不合格')).toContain('不合格');
    await web.screenshot(page, 'teachers');
    await context.close();
  });

  it('previews the weekly notice, prints it, and downloads it in every format; the xlsx reads back with the figures', async () => {
    const { context, page } = await web.newPage();
    await web.signIn(page, 'xw-admin');
    await page.goto(`/units/${COUNTY.unitId}/notice`);
    const frame = page.frameLocator('[data-testid="notice-preview"]');
    expect(await textOf(frame.locator('body'), SCHOOL.name)).toContain(SCHOOL.name);
    await web.screenshot(page, 'notice');

    // The last week finished by the API's clock (2021-03-15 is the Monday of 2021-W11) is the one offered first.
    const week = '2021-W10';
    expect(await textOf(page.getByTestId('notice-week'), week)).toContain(week);
    for (const format of ['html', 'xlsx', 'csv', 'json'] as const) {
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.locator(`a[data-format="${format}"]`).click(),
      ]);
      expect(new URL(download.url()).searchParams.get('week')).toBe(week);
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
            headers.some((header) => /^合格/.test(header[column] ?? '')) &&
            headers.some((header) => header[column] === '本周'),
        );
        expect(Number(row[passedThisWeek])).toBe(
          school.grades.filter((grade) => grade === 'pass' || grade === 'excellent').length,
        );
      }
    }
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
    const qr = certificate.locator('img.qr');
    await qr.waitFor();
    await expect(qr.getAttribute('data-qr-text')).resolves.toBe(verifyUrl);
    await expect(page.getByTestId('hours-total').textContent()).resolves.toBe('51');
    expect(await overflowsSideways(page)).toBe(false);
    await web.screenshot(page, 'teacher-phone');

    // The verification link works for anyone: a fresh browser, nobody signed in.
    const { context: stranger, page: outside } = await web.newPage({ viewport: { width: 390, height: 844 } });
    await outside.goto(verifyUrl);
    const check = outside.getByTestId('certificate-check');
    expect(await textOf(check, '有效')).toContain('有效');
    expect(await textOf(check, `${CERTIFIED_TEACHER.name[0]}*`)).toContain(`${CERTIFIED_TEACHER.name[0]}*`);
    await web.screenshot(outside, 'certificate-check');
    await stranger.close();
    await context.close();
  });

  it('refuses a wrong password, and keeps a locked account locked, even with the right password', async () => {
    const { context, page } = await web.newPage();
    await web.submitSignIn(page, 'qh-admin', 'not-the-password');
    const alert = page.getByTestId('api-error');
    expect(await textOf(alert, '账号或密码错误')).toContain('账号或密码错误');
    expect(await textOf(alert, '用户名或密码错误')).toContain('用户名或密码错误');
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
      await page.goto('/login');
      await web.submitSignIn(page, 'qh-admin', PASSWORD);
      expect(await textOf(alert, '账号因多次登录失败已被锁定')).toContain('账号因多次登录失败已被锁定');
      expect(await textOf(alert, 'ACCOUNT_LOCKED')).toContain('ACCOUNT_LOCKED');
      // The API's own message comes in Chinese too: the page asks for zh-CN.
      expect(await textOf(alert, '账号已临时锁定')).toContain('登录失败次数过多，账号已临时锁定');
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
    expect(await textOf(alert, '尚未上传学校规划书')).toContain('尚未上传学校规划书');
    expect(await textOf(alert, 'PLAN_NOT_UPLOADED')).toContain('PLAN_NOT_UPLOADED');
    await web.screenshot(page, 'school-admin');
    await context.close();
  });

  it('shows the province dashboard and its quota; an inspector draws a sample and records a finding; an auditor reads a stream as of a date and verifies the log', async () => {
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

    // The inspector draws a sample (rate, seed) and records a finding on a school in it.
    const inspector = await web.newPage();
    await web.signIn(inspector.page, 'expert');
    await inspector.page.waitForURL('**/inspections');
    const draw = inspector.page.locator('[data-command="DrawInspectionSample"]');
    await draw.locator('input[name="seed"]').fill('2021-spring');
    await draw.locator('input[name="sampleId"]').fill('INS-2021-1');
    await draw.getByRole('button', { name: '提交' }).click();
    const sample = inspector.page.getByTestId('sample');
    await sample.waitFor();
    const drawn = await web.api<{ schools: { schoolId: string }[]; candidatesTotal: number }>(
      '/inspections/INS-2021-1',
    );
    // 10% of the four schools taking part, at least one.
    expect(drawn).toMatchObject({ candidatesTotal: SCHOOLS.length, schools: [expect.anything()] });
    expect(await textOf(sample, 'INS-2021-1', drawn.schools[0].schoolId)).toContain('尚未记录');
    const finding = inspector.page.locator('[data-command="RecordInspectionFinding"]');
    await finding.locator('.el-select').first().click();
    await inspector.page.getByRole('option', { name: drawn.schools[0].schoolId }).click();
    await finding.locator('.el-select').nth(1).click();
    await inspector.page.getByRole('option', { name: '需改进' }).click();
    await finding.locator('textarea[name="notes"]').fill('规划书与实施不符，需整改。');
    await finding.getByRole('button', { name: '提交' }).click();
    expect(await textOf(sample, '规划书与实施不符')).toContain('需改进');
    await web.screenshot(inspector.page, 'inspections');
    await inspector.context.close();

    // The auditor browses a teacher's stream, rebuilds its state as of a date, and verifies the chains.
    const auditor = await web.newPage();
    await web.signIn(auditor.page, 'auditor');
    await auditor.page.waitForURL('**/audit');
    await auditor.page.locator('input[name="streamId"]').fill(`enrollment-${BATCH}:${CERTIFIED_TEACHER.teacherId}`);
    await auditor.page.getByRole('button', { name: '查看' }).first().click();
    const events = auditor.page.getByTestId('stream-events');
    expect(await textOf(events, 'TeacherEnrolled', 'CertificateIssued')).toContain('PracticeAssessed');
    await auditor.page.locator('input[name="asOf"]').fill('2021-01-01T00:00:00');
    await auditor.page.keyboard.press('Enter');
    await auditor.page.getByRole('button', { name: '某日状态' }).click();
    // On New Year's Day 2021 the teacher had studied online and was not assessed yet.
    const state = await textOf(auditor.page.getByTestId('state-as-of'), '"status"');
    expect(state).toContain('"lastAssessedAt": null');
    expect(state).toContain('"status": "confirmed"');
    await web.screenshot(auditor.page, 'audit');
    await auditor.page.getByRole('tab', { name: '校验哈希链' }).click();
    await auditor.page.getByTestId('verify-chains').click();
    expect(await textOf(auditor.page.getByTestId('verify-result'), '全部事件流完整')).toContain('全部事件流完整');
    await web.screenshot(auditor.page, 'audit-verify');
    await auditor.context.close();
  });
});
