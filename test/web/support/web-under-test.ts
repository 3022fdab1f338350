import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { mintToken } from '@tip/auth';
import { Clock } from '@tip/application';
import { Actor } from '@tip/domain';
import { createTestDatabase, launchChromium, TestDatabase } from '@tip/testing';
import { RunningTip, startTip } from '../../../apps/api/src/bootstrap';
import { loadConfig } from '../../../apps/api/src/config';
import { NOW, seedScenario } from './scenario';

const REPO_ROOT = path.resolve(__dirname, '../../..');
/** Every page the tests visit is photographed here (tmp/ is not committed). */
export const SCREENSHOT_DIR = path.join(REPO_ROOT, 'tmp', 'browser-screenshots');
/** With TIP_UPDATE_SCREENSHOTS=1 the tests also refresh the small PNGs the docs show. */
const DOCS_SCREENSHOT_DIR = path.join(REPO_ROOT, 'docs', 'screenshots');

export const PASSWORD = 'correct-horse-7';

export interface Account {
  userId: string;
  name: string;
  role: Actor['role'];
  unitId?: string;
}

/** A clock the test moves: business time stands still unless the test says otherwise. */
export class TestClock implements Clock {
  private ms: number;
  constructor(at: string) {
    this.ms = Date.parse(at);
  }
  now(): Date {
    return new Date(this.ms);
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

export interface WebUnderTest {
  /** http://127.0.0.1:PORT — the web app at /, the API at /api */
  origin: string;
  tip: RunningTip;
  clock: TestClock;
  browser: Browser;
  /** A fresh browser (own cookies) at a viewport, its clock in step with the API's. */
  newPage(options?: BrowserContextOptions): Promise<{ context: BrowserContext; page: Page }>;
  /** Signs in through the sign-in page and waits for the page the role starts on. */
  signIn(page: Page, userId: string, password?: string): Promise<void>;
  /** Fills in the sign-in page and sends it, waiting for nothing (for refusals). */
  submitSignIn(page: Page, userId: string, password: string): Promise<void>;
  /** A full-page screenshot in the test output, and (TIP_UPDATE_SCREENSHOTS=1) a copy for the docs. */
  screenshot(page: Page, name: string): Promise<void>;
  /** GET /api… as the system (for comparing what the page shows with what the API says). */
  api<T>(pathUnderApi: string): Promise<T>;
  /** A bearer token of the system role at the API's clock, for set-up the scenario lacks. */
  systemToken(): Promise<string>;
  stop(): Promise<void>;
}

async function submitSignIn(page: Page, userId: string, password: string): Promise<void> {
  if (new URL(page.url()).pathname !== '/login') await page.goto('/login');
  await page.locator('input[name="username"]').fill(userId);
  await page.locator('input[name="password"]').fill(password);
  await page.getByTestId('login-submit').click();
}

export interface WebUnderTestOptions {
  /** A port known before the start (an OpenID provider's redirect URI names it); else any free port. */
  port?: number;
  /** More configuration, as environment variables (TIP_OIDC_*). */
  config?: Record<string, string>;
}

/** The API on a fresh database with the scenario and its accounts, and one Chromium. */
export async function startWebUnderTest(accounts: Account[], options: WebUnderTestOptions = {}): Promise<WebUnderTest> {
  const secret = randomBytes(32).toString('hex');
  const clock = new TestClock(NOW);
  let database: TestDatabase | undefined;
  let tip: RunningTip | undefined;
  let browser: Browser | undefined;
  try {
    database = await createTestDatabase();
    tip = await startTip(
      // Views wait for the scenario's last event as long as a loaded machine needs.
      loadConfig({
        DATABASE_URL: database.url,
        PORT: String(options.port ?? 0),
        TIP_JWT_SECRET: secret,
        TIP_LOG_LEVEL: 'warn',
        TIP_VIEW_WAIT_MS: '60000',
        ...options.config,
      }),
      { clock },
    );
    const url = tip.url;
    const seeded = await seedScenario(url, secret, clock.now());
    const system = await mintToken(secret, { sub: 'operator', role: 'system' }, '1h', { now: clock.now() });
    for (const account of accounts) {
      const response = await fetch(`${url}/commands/AddUser`, {
        method: 'POST',
        headers: { authorization: `Bearer ${system}`, 'content-type': 'application/json' },
        body: JSON.stringify({ ...account, password: PASSWORD }),
      });
      if (response.status !== 200) throw new Error(`AddUser ${account.userId}: ${await response.text()}`);
    }
    // The pages read without minPosition: every read model has the scenario before the first page opens.
    const ready = await fetch(`${url}/views/batches?minPosition=${seeded}`, {
      headers: { authorization: `Bearer ${system}` },
    });
    if (ready.status !== 200) throw new Error(`The read models did not reach the scenario: ${await ready.text()}`);
    browser = await launchChromium();
  } catch (error) {
    await browser?.close();
    await tip?.stop();
    await database?.drop();
    throw error;
  }
  const [started, db, chromium] = [tip, database, browser];
  const origin = started.url.replace(/\/api$/, '');
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const checker = () => mintToken(secret, { sub: 'checker', role: 'system' }, '1h', { now: clock.now() });

  return {
    origin,
    tip: started,
    clock,
    browser: chromium,
    async newPage(options = {}) {
      const context = await chromium.newContext({
        baseURL: origin,
        locale: 'zh-CN',
        timezoneId: 'Asia/Shanghai',
        viewport: { width: 1280, height: 800 },
        acceptDownloads: true,
        ...options,
      });
      const page = await context.newPage();
      // The page's own clock reads the API's business time (countdowns, the weeks on offer).
      await page.clock.setFixedTime(clock.now());
      return { context, page };
    },
    submitSignIn,
    async signIn(page, userId, password = PASSWORD) {
      await submitSignIn(page, userId, password);
      await page.waitForURL((url) => !url.pathname.startsWith('/login'));
    },
    async screenshot(page, name) {
      await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
      if (process.env.TIP_UPDATE_SCREENSHOTS === '1') {
        mkdirSync(DOCS_SCREENSHOT_DIR, { recursive: true });
        // The viewport only, not the whole page: small files for the docs.
        await page.screenshot({ path: path.join(DOCS_SCREENSHOT_DIR, `${name}.png`) });
      }
    },
    systemToken: checker,
    async api<T>(pathUnderApi: string) {
      const response = await fetch(`${started.url}${pathUnderApi}`, {
        headers: { authorization: `Bearer ${await checker()}` },
      });
      if (response.status !== 200) throw new Error(`GET ${pathUnderApi}: ${response.status} ${await response.text()}`);
      return (await response.json()) as T;
    },
    async stop() {
      await chromium.close();
      await started.stop();
      await db.drop();
    },
  };
}
