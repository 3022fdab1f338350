import * as path from 'node:path';
import { chromiumUnavailableReason, TEST_BROWSER_UNAVAILABLE_ENV } from '../browser/chromium';
import postgresGlobalSetup from './global-setup';

// Plain JavaScript shared with `npm start`: builds dist/web only when apps/web changed.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { ensureWebBuilt } = require(path.resolve(__dirname, '../../../../scripts/build-web.js')) as {
  ensureWebBuilt(options?: { log?: (line: string) => void }): Promise<boolean>;
};

/**
 * The browser project's globalSetup: the test PostgreSQL (as for the int project), the web app
 * built from its current sources, and Debian's Chromium found — or, outside CI, a loud reason why
 * every *.browser.spec.ts suite is skipped.
 */
export default async function browserGlobalSetup(): Promise<void> {
  const log = (line: string): void => void process.stderr.write(`\n[browser] ${line}\n`);
  await ensureWebBuilt({ log });
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
