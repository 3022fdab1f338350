import { accessSync, constants } from 'node:fs';
import type { Browser } from 'playwright-core';

/** Debian's Chromium (`apt-get install chromium`); set TIP_CHROMIUM to use another build. */
export const CHROMIUM_ENV = 'TIP_CHROMIUM';
export const DEFAULT_CHROMIUM = '/usr/bin/chromium';
/** Why there is no browser for this run (set by the browser project's globalSetup outside CI instead of failing). */
export const TEST_BROWSER_UNAVAILABLE_ENV = 'TIP_TEST_BROWSER_UNAVAILABLE';

/**
 * Headless, and quiet on the network: without the background-networking flags Chromium keeps
 * trying to reach Google's hosts, which a closed network refuses, many at a time. Playwright
 * gives every launch a fresh, empty profile (--user-data-dir) of its own.
 */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function chromiumPath(): string {
  return process.env[CHROMIUM_ENV] || DEFAULT_CHROMIUM;
}

/** Why Chromium cannot run here, or undefined when it can. */
export function chromiumUnavailableReason(): string | undefined {
  const path = chromiumPath();
  try {
    accessSync(path, constants.X_OK);
    return undefined;
  } catch {
    return `no Chromium at ${path} (apt-get install -y chromium, or set ${CHROMIUM_ENV})`;
  }
}

export class BrowserUnavailableError extends Error {
  constructor(reason: string) {
    super(`No browser for this test: ${reason}`);
    this.name = new.target.name;
  }
}

export async function launchChromium(): Promise<Browser> {
  const reason = chromiumUnavailableReason();
  if (reason) throw new BrowserUnavailableError(reason);
  // Loaded here, not at the top: bench code imports this library and needs no browser.
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: chromiumPath(), headless: true, args: CHROMIUM_FLAGS });
}

/**
 * `describe` for suites that drive a real browser. Without Chromium the suite is skipped with
 * the reason in its title and a warning, except under CI=true, where it fails with the reason.
 */
export function describeWithBrowser(name: string, fn: () => void): void {
  const reason = process.env[TEST_BROWSER_UNAVAILABLE_ENV] || chromiumUnavailableReason();
  if (reason === undefined) {
    describe(name, fn);
    return;
  }
  if (process.env.CI === 'true') {
    describe(name, () => {
      it('has a browser (CI=true: browser suites fail rather than skip)', () => {
        throw new BrowserUnavailableError(reason);
      });
    });
    return;
  }
  console.warn(`\n!!! SKIPPING "${name}": ${reason}.\n!!! (Under CI=true this fails instead.)\n`);
  describe.skip(`${name} [SKIPPED, no browser: ${reason}]`, fn);
}
