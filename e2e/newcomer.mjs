// The browser test's newcomer pass: what a new site owner or agent trips
// over (issue 12): a wrong website token, a failed list load.

import { LIVE, fail, step, waitFor, visible, hidden, shot, guard, inbox, login } from './lib.mjs';

export /** A wrong token draws no launcher and warns once; a failed list load says so and retries. */
async function newcomerPass(browser, base) {
  const ctx = await browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 820 } });
  const page = await ctx.newPage();
  try {
    await step('a wrong data-website-token draws no launcher and warns the site owner once', async () => {
      const warnings = [];
      page.on('console', (msg) => msg.type() === 'warning' && msg.text().includes('Parlor') && warnings.push(msg.text()));
      // A site of the owner's, served by the test: the snippet with a token no inbox has.
      await page.route('http://owner.test/', (route) =>
        route.fulfill({ contentType: 'text/html', body: `<!doctype html><title>Owner</title><h1>Shop</h1><script src="${base}/widget.js" data-website-token="${'0'.repeat(32)}" async></script>` }),
      );
      await page.goto('http://owner.test/');
      await waitFor('the console warning', async () => (warnings.length ? true : 'none yet'), LIVE);
      await page.waitForTimeout(500);
      if (warnings.length !== 1) fail(`expected one warning, got ${JSON.stringify(warnings)}`);
      if (!warnings[0].includes('0'.repeat(32))) fail(`the warning should name the token: ${warnings[0]}`);
      if (await page.locator('parlor-widget [data-testid="launcher"]').isVisible()) fail('a launcher shows for a wrong token');
    });

    const aPage = await ctx.newPage();
    guard(aPage, 'newcomer agent');
    const a = inbox(aPage);
    await step('a failed conversation list load shows an error with a retry, not "all done"', async () => {
      await aPage.route(/\/api\/v1\/accounts\/\d+\/conversations\?/, (route) => route.abort());
      await login(aPage, base);
      await visible(aPage.locator('[data-testid="list-failed"]'), 'the list error', LIVE);
      if (await aPage.locator('[data-testid="list-empty"]').count()) fail('the empty "all done" state shows after a failed load');
      await shot(aPage, 'desktop-inbox-list-failed-en');
      await aPage.unroute(/\/api\/v1\/accounts\/\d+\/conversations\?/);
      await aPage.locator('[data-testid="list-retry"]').click();
      await hidden(aPage.locator('[data-testid="list-failed"]'), 'the list error after retrying', LIVE);
      await visible(a.rows.or(aPage.locator('[data-testid="list-empty"]')), 'the list after retrying', LIVE);
    });
  } finally {
    await ctx.close();
  }
}
