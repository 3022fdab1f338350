import { describeWithBrowser, describeWithOidc, ensureWebAppBuilt, testOidcProvider } from '@tip/testing';
import { freePorts } from '../../libs/testing/src/kafka/kafka-broker';
import { startWebUnderTest, WebUnderTest } from './support/web-under-test';

/**
 * The web app's sign-in page with an OpenID provider set up: Chromium follows its button to a real
 * Keycloak (the oidc project starts it), fills in Keycloak's own form and comes back signed in.
 * The test realm's county-wang is 县级管理员 of 320703, which TIP_OIDC_ROLE_MAP makes a county admin.
 */
describeWithOidc('The web app signs in through an OpenID provider', () => {
  describeWithBrowser('in Chromium', () => {
    let web: WebUnderTest;

    beforeAll(async () => {
      // The oidc project's setup builds nothing: the app is built here when its sources changed.
      await ensureWebAppBuilt();
      const provider = testOidcProvider();
      const [port] = await freePorts(1);
      web = await startWebUnderTest([], {
        port,
        config: {
          TIP_OIDC_ISSUER: provider.issuer,
          TIP_OIDC_CLIENT_ID: provider.clientId,
          TIP_OIDC_CLIENT_SECRET: provider.clientSecret,
          TIP_OIDC_REDIRECT_URI: `http://127.0.0.1:${port}/api/auth/oidc/callback`,
          TIP_OIDC_ROLE_MAP: JSON.stringify({ 县级管理员: 'county-admin' }),
        },
      });
      // The realm's county is not in the browser scenario: registered here under its province.
      const system = await web.systemToken();
      for (const [unitId, kind, name, parentId] of [
        ['320700', 'city', '连云港市', '320000'],
        ['320703', 'county', '连云区', '320700'],
      ] as const) {
        const response = await fetch(`${web.tip.url}/commands/RegisterOrgUnit`, {
          method: 'POST',
          headers: { authorization: `Bearer ${system}`, 'content-type': 'application/json' },
          body: JSON.stringify({ unitId, kind, name, parentId }),
        });
        expect(response.status).toBe(200);
      }
    }, 180_000);
    afterAll(() => web?.stop());

    it('leaves for the provider from the sign-in page, comes back as the county admin it vouched for, and signs out', async () => {
      const { context, page } = await web.newPage();
      try {
        // Fails with what it waited for before the test's own time runs out.
        page.setDefaultTimeout(15_000);
        await page.goto('/login');
        const button = page.getByTestId('login-oidc');
        await button.waitFor();
        await web.screenshot(page, 'login-oidc');
        await button.click();
        // Keycloak's own sign-in form, on the provider's origin.
        await page.waitForURL((url) => url.origin !== web.origin);
        await page.locator('input[name="username"]').fill('county-wang');
        await page.locator('input[name="password"]').fill('wang-password');
        await page.locator('[type="submit"]').click();
        // Back at TIP, through the callback, on the county admin's dashboard.
        await page.waitForURL((url) => url.origin === web.origin && url.pathname === '/units/320703');
        await page.getByTestId('current-user').getByText('王 主任').waitFor();
        await page.getByText('连云区').first().waitFor();
        await web.screenshot(page, 'oidc-county-dashboard');
        const me = await page.evaluate(async () => (await fetch('/api/auth/me')).json());
        expect(me).toMatchObject({ user: { sub: 'county-wang', role: 'county-admin', unitId: '320703' } });
        // Signing out ends the session for the API too.
        await page.getByTestId('logout').click();
        await page.waitForURL((url) => url.pathname === '/login');
        expect(await page.evaluate(async () => (await fetch('/api/auth/me')).status)).toBe(401);
      } finally {
        await context.close();
      }
    }, 60_000);
  });
});
