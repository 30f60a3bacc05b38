// The browser test's phone pass: the same product on a 390×844 phone, the
// widget in English and the inbox in German, then both on a wide screen.

import path from 'node:path';

import { shotsDir, LIVE, fail, step, bubbles, waitFor, visible, hidden, shot, guard, widget, inbox, login } from './lib.mjs';

export /** The same product on a 390×844 phone: widget in English, inbox in German. */
async function phonePass(browser, base) {
  const phone = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };
  const vCtx = await browser.newContext({ ...phone, locale: 'en-US' });
  const aCtx = await browser.newContext({ ...phone, locale: 'de-DE' });
  const vPage = await vCtx.newPage();
  const aPage = await aCtx.newPage();
  guard(vPage, 'phone visitor');
  guard(aPage, 'phone agent');
  const w = widget(vPage);
  const a = inbox(aPage);
  try {
    await step('phone: the widget opens full screen with a close button, in English', async () => {
      await vPage.goto(`${base}/demo`);
      await visible(w.launcher, 'the launcher on a phone');
      await shot(vPage, 'phone-demo-en');
      await w.open();
      const box = await vPage.locator('parlor-widget iframe').boundingBox();
      if (!box || box.width < 380 || box.height < 800) fail(`opened widget should fill the phone screen, is ${JSON.stringify(box)}`);
      await shot(vPage, 'phone-widget-welcome-en');
      await w.send('Hello from my phone');
      await visible(w.frame.locator('[data-testid="message"][data-status="sent"] .text', { hasText: 'Hello from my phone' }), 'the phone message sent', LIVE);
      const placeholder = await w.input.getAttribute('placeholder');
      if (!/message/i.test(placeholder || '')) fail(`widget should be in English on an en-US phone, placeholder "${placeholder}"`);
    });

    await step('phone: the inbox shows one pane at a time, in German', async () => {
      await aPage.goto(`${base}/login`);
      const htmlLang = await aPage.evaluate(() => document.documentElement.lang);
      if (htmlLang !== 'de') console.log(`    note: server rendered the login page with lang="${htmlLang}" for a de-DE browser`);
      await shot(aPage, 'phone-login-de');
      await login(aPage, base);
      await visible(a.rows, 'conversation rows on a phone', LIVE);
      await shot(aPage, 'phone-inbox-list-de');
      await a.rows.first().click();
      await visible(aPage.locator('[data-testid="back-button"]'), 'the back button');
      if (await aPage.locator('#conversation-list').isVisible()) fail('list and thread are both visible on a phone');
      await visible(bubbles(a.thread, 'Hello from my phone'), 'the phone visitor\'s message', LIVE);
      await a.send('Danke, wir melden uns gleich!');
      await visible(bubbles(w.frame, 'Danke, wir melden uns gleich!'), 'the reply on the phone widget', LIVE);
      await shot(aPage, 'phone-inbox-thread-de');
      await shot(vPage, 'phone-widget-chat-en');
      await aPage.locator('[data-testid="toggle-contact"]').click();
      await visible(aPage.locator('[data-testid="context-page-url"]'), 'contact details on a phone');
      await shot(aPage, 'phone-inbox-contact-de');
      await aPage.locator('#contact-pane .icon-btn').first().click();
      await aPage.locator('[data-testid="back-button"]').click();
      await visible(aPage.locator('#conversation-list'), 'the list after going back');
      const scrollW = await aPage.evaluate(() => document.documentElement.scrollWidth);
      if (scrollW > 390) fail(`the inbox scrolls sideways on a phone (scrollWidth ${scrollW})`);
    });

    await step('phone: the widget close button closes it; a new reply shows an unread badge', async () => {
      await w.frame.locator('[data-testid="widget-close"]').click();
      await waitFor('the launcher to come back', async () => (await w.launcher.getAttribute('aria-expanded')) === 'false');
      await visible(w.launcher, 'the launcher after closing');
      await a.rows.first().click();
      await a.send('Are you still there?');
      const badge = vPage.locator('parlor-widget [data-testid="launcher-badge"]');
      await visible(badge, 'the unread badge on the launcher', LIVE);
      if (((await badge.textContent()) || '').trim() !== '1') fail(`unread badge should say 1, says "${await badge.textContent()}"`);
      await shot(vPage, 'phone-demo-unread-en');
      await w.open();
      await hidden(badge, 'the unread badge after opening');
    });

    await step('the other language on desktop too (screenshots)', async () => {
      await aPage.setViewportSize({ width: 1440, height: 900 });
      await vPage.setViewportSize({ width: 1280, height: 820 });
      await visible(aPage.locator('[data-testid="close-conversation"]'), 'the inbox thread on a wide screen');
      await shot(aPage, 'desktop-inbox-thread-de');
      await shot(vPage, 'desktop-widget-chat-en');
    });
  } catch (err) {
    await vPage.screenshot({ path: path.join(shotsDir, 'failure-phone-visitor.png') }).catch(() => {});
    await aPage.screenshot({ path: path.join(shotsDir, 'failure-phone-agent.png') }).catch(() => {});
    throw err;
  }
  await vCtx.close();
  await aCtx.close();
}
