// The browser test's newcomer pass: what a new site owner or agent trips
// over (issue 12): a failed list load, and a snippet with a wrong token.
//
// The site for the wrong token is a real HTTP server on another loopback
// port: a page Playwright routes for a made-up origin counts as a public
// site, and Chromium's local-network rules then block its request for
// widget.js on 127.0.0.1 before Parlor sees it.

import http from 'node:http';

import { LIVE, fail, freePort, step, visible, hidden, shot, guard, inbox, login, waitFor } from './lib.mjs';

export /** A failed list load says so and retries. */
async function newcomerPass(browser, base) {
  const ctx = await browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 820 } });
  try {
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
    await step('a snippet with a wrong website token draws no launcher and warns the site owner once', async () => {
      const port = await freePort();
      const site = http.createServer((_req, res) => {
        res.setHeader('content-type', 'text/html; charset=utf-8');
        res.end(`<!doctype html><title>Shop</title><h1>A shop</h1><script src="${base}/widget.js" data-website-token="${'0f'.repeat(12)}" async></script>`);
      });
      await new Promise((resolve) => site.listen(port, '127.0.0.1', () => resolve(undefined)));
      try {
        const p = await ctx.newPage();
        guard(p, 'wrong-token site');
        /** @type {string[]} */
        const warnings = [];
        p.on('console', (m) => m.type() === 'warning' && m.text().startsWith('Parlor') && warnings.push(m.text()));
        await p.goto(`http://127.0.0.1:${port}/`);
        await waitFor('the console warning about the token', async () => warnings.length > 0, LIVE);
        await p.waitForTimeout(500);
        if (warnings.length !== 1 || !warnings[0].includes('0f0f0f')) fail(`console warnings: ${JSON.stringify(warnings)}`);
        if (await p.locator('parlor-widget').count()) fail('the widget stays on the page for a wrong token');
        await p.close();
      } finally {
        site.close();
      }
    });
  } finally {
    await ctx.close();
  }
}
