import { chromiumUnavailableReason, TEST_BROWSER_UNAVAILABLE_ENV } from '../browser/chromium';
import { ensureWebAppBuilt } from '../browser/web-build';
import postgresGlobalSetup from './global-setup';

/**
 * The browser project's globalSetup: the test PostgreSQL (as for the int project), the web app
 * built from its current sources, and Debian's Chromium found — or, outside CI, a loud reason why
 * every *.browser.spec.ts suite is skipped.
 */
export default async function browserGlobalSetup(): Promise<void> {
  const log = (line: string): void => void process.stderr.write(`\n[browser] ${line}\n`);
  log(await ensureWebAppBuilt());
  const reason = chromiumUnavailableReason();
  if (reason) {
    if (process.env.CI === 'true') throw new Error(`CI=true and no browser for the browser tests: ${reason}`);
    process.env[TEST_BROWSER_UNAVAILABLE_ENV] = reason;
    const bar = '!'.repeat(100);
    log(
      `${bar}\n!!! NO BROWSER: every *.browser.spec.ts suite is SKIPPED in this run (it would fail under CI=true).\n!!! ${reason}\n${bar}`,
    );
    return;
  }
  await postgresGlobalSetup();
}
