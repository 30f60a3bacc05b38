// The browser test's team pass (issue 12): an administrator invites an
// agent, who opens the setup link, chooses a password and goes busy on their
// profile page; the administrator sees it, edits the inbox's greeting and colour and copies the
// snippet; a visitor's widget shows the new greeting. Screenshots of each
// settings page, desktop and phone, English and German.

import { LIVE, OWNER, fail, step, visible, shot, guard, login } from './lib.mjs';

const BEN = { name: 'Ben Berger', email: 'ben@example.com', password: 'bens own password' };
const GREETING = 'Moin! We usually answer within minutes.';
// A 2×2 PNG (orange): the photo the new agent uploads.
const PHOTO = 'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAEklEQVR4nGP40KPx60QUA4QCADX2B4EXNVm9AAAAAElFTkSuQmCC';

export /** Invitations, setup links, inbox settings and the widget that follows them. */
async function teamPass(browser, base) {
  const ctx = await browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 860 } });
  await ctx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
  const benCtx = await browser.newContext({ locale: 'de-DE', viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const visitorCtx = await browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 860 } });
  try {
    const page = await ctx.newPage();
    guard(page, 'team admin');
    let setupUrl = '';
    let ben;
    await step('an administrator opens the settings and invites an agent, getting a setup link to copy', async () => {
      await login(page, base, OWNER);
      await page.locator('[data-testid="open-settings"]').click();
      await page.waitForURL(/\/app\/settings\/agents/);
      await visible(page.locator('[data-testid="agent-row"]').first(), 'the agents list');
      await page.locator('[data-testid="agent-name"]').fill(BEN.name);
      await page.locator('[data-testid="agent-email"]').fill(BEN.email);
      await page.locator('[data-testid="agent-add"]').click();
      await visible(page.locator('[data-testid="setup-link"]'), 'the setup link notice', LIVE);
      setupUrl = await page.locator('[data-testid="setup-url"]').inputValue();
      if (!/\/setup\/[0-9a-f]{64}$/.test(setupUrl)) fail(`setup url looks wrong: ${setupUrl}`);
      await page.locator('[data-testid="setup-url-copy"]').click();
      const copied = await page.evaluate(() => navigator.clipboard.readText());
      if (copied !== setupUrl) fail(`the clipboard holds "${copied}", not the setup link`);
      await visible(page.locator(`[data-testid="agent-row"][data-email="${BEN.email}"]`), 'Ben in the list');
      await shot(page, 'desktop-settings-agents-en');
    });

    await step('the invited agent opens the link on a phone (German), chooses a password and lands in the inbox', async () => {
      ben = await benCtx.newPage();
      guard(ben, 'team invitee');
      await ben.goto(setupUrl);
      await visible(ben.locator('[data-testid="setup-password"]'), 'the setup form');
      if (!(await ben.locator('h1').innerText()).includes('Passwort')) fail('the setup page is not in German');
      await shot(ben, 'phone-setup-de');
      await ben.locator('[data-testid="setup-password"]').fill(BEN.password);
      await ben.locator('[data-testid="setup-confirm"]').fill(BEN.password);
      await ben.locator('[data-testid="setup-submit"]').click();
      await ben.waitForURL('**/app');
      await visible(ben.locator('[data-testid="status-tab-open"]'), 'the inbox after setting the password');
      // The link worked once.
      await ben.goto(setupUrl);
      await visible(ben.locator('[data-testid="setup-gone"]'), 'the used-link page');
    });

    await step('the new agent goes busy on their profile page, and the administrator sees it', async () => {
      await ben.goto(`${base}/app`);
      await ben.locator('[data-testid="open-profile"]').click();
      await ben.waitForURL(/\/app\/profile/);
      await ben.locator('[data-testid="profile-photo-input"]').setInputFiles({ name: 'ben.png', mimeType: 'image/png', buffer: Buffer.from(PHOTO, 'base64') });
      await visible(ben.locator('[data-testid="profile-photo"] img[src^="/blobs/avatars/"]'), 'the uploaded photo', LIVE);
      await ben.locator('[data-testid="profile-availability"]').selectOption('busy');
      await visible(ben.locator('.toast'), 'the saved toast');
      await shot(ben, 'phone-profile-de');
      await page.reload();
      const value = await page.locator(`[data-testid="agent-row"][data-email="${BEN.email}"] select[name="availability"]`).inputValue();
      if (value !== 'busy') fail(`availability seen by the administrator: ${value}`);
    });

    await step('the administrator edits the greeting and colour and copies the snippet', async () => {
      await page.locator('[data-testid="nav-inbox"]').first().click();
      await visible(page.locator('[data-testid="inbox-form"]'), 'the inbox settings');
      await page.locator('[data-testid="inbox-greeting-enabled"]').check();
      await page.locator('[data-testid="inbox-greeting"]').fill(GREETING);
      await page.locator('[data-testid="inbox-color"]').fill('#0f766e');
      await page.locator('[data-testid="inbox-photo-input"]').setInputFiles({ name: 'logo.png', mimeType: 'image/png', buffer: Buffer.from(PHOTO, 'base64') });
      await visible(page.locator('[data-testid="inbox-photo"] img[src^="/blobs/avatars/"]'), "the inbox's picture", LIVE);
      await page.locator('[data-testid="inbox-save"]').click();
      await visible(page.locator('.toast'), 'the saved toast');
      await page.locator('[data-testid="snippet-copy"]').click();
      const copied = await page.evaluate(() => navigator.clipboard.readText());
      if (!/<script src="[^"]+\/widget\.js" data-website-token="[0-9a-f]+" async><\/script>/.test(copied)) fail(`snippet: ${copied}`);
      await shot(page, 'desktop-settings-inbox-en');
    });

    let visitor;
    await step('a visitor opening the widget sees the new greeting', async () => {
      const v = (visitor = await visitorCtx.newPage());
      guard(v, 'team visitor');
      await v.goto(`${base}/demo`);
      const launcher = v.locator('parlor-widget [data-testid="launcher"]');
      await visible(launcher, 'the launcher');
      await launcher.click();
      const greeting = v.frameLocator('parlor-widget iframe').locator('[data-testid="widget-greeting"]');
      await visible(greeting, 'the greeting in the widget', LIVE);
      if ((await greeting.innerText()).trim() !== GREETING) fail(`greeting: ${await greeting.innerText()}`);
      await visible(v.frameLocator('parlor-widget iframe').locator('#head-avatar img[src^="/blobs/avatars/"]'), "the inbox's picture in the widget header");
      await shot(v, 'desktop-widget-greeting-en');
    });

    await step('once the chat is assigned to the new agent, the widget shows their name and photo', async () => {
      const frame = visitor.frameLocator('parlor-widget iframe');
      await frame.locator('[data-testid="widget-input"]').fill('Who will help me?');
      await frame.locator('[data-testid="widget-input"]').press('Enter');
      await visible(frame.locator('[data-testid="message-status"]').first().or(frame.locator('.bubble').first()), 'the sent message', LIVE);
      const assigned = await page.evaluate(async (email) => {
        const base = `/api/v1/accounts/${document.body.dataset.accountId}`;
        const agents = await (await fetch(`${base}/agents`)).json();
        const ben = agents.find((a) => a.email === email);
        for (let i = 0; i < 50; i++) {
          const list = await (await fetch(`${base}/conversations?status=open&assignee_type=all`)).json();
          const newest = list.data.payload.sort((a, b) => b.id - a.id)[0];
          if (newest) {
            const r = await fetch(`${base}/conversations/${newest.id}/assignments`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ assignee_id: ben.id }) });
            return r.status;
          }
          await new Promise((r) => setTimeout(r, 100));
        }
        return 0;
      }, BEN.email);
      if (assigned !== 200) fail(`assigning answered ${assigned}`);
      // The inbox has a picture too: wait for the agent's name, then their face.
      await visible(frame.locator('#head-title', { hasText: BEN.name }), "the agent's name in the widget header", LIVE);
      await visible(frame.locator('#head-avatar .agent-face img[src^="/blobs/avatars/"]'), "the agent's photo in the widget header", LIVE);
      await shot(visitor, 'desktop-widget-assigned-photo-en');
      // In the inbox, the assignee's avatar carries their availability (busy, chosen above).
      await page.goto(`${base}/app`);
      await visible(page.locator('[data-testid="conversation-row"] [data-availability="busy"]').first(), "the assignee's busy dot in the list", LIVE);
    });

    await step('an English browser, German chosen on the profile: the pages speak German', async () => {
      await page.goto(`${base}/app/profile`);
      await page.locator('[data-testid="profile-language"]').selectOption('de');
      await Promise.all([page.waitForEvent('load'), page.locator('[data-testid="profile-save"]').click()]);
      await page.waitForFunction(() => document.documentElement.lang === 'de');
      await visible(page.locator('[data-testid="profile-language"]'), 'the profile page again');
      await shot(page, 'desktop-profile-de');
      await page.goto(`${base}/app`);
      if ((await page.evaluate(() => document.documentElement.lang)) !== 'de') fail('the inbox is not in the chosen language');
      await page.goto(`${base}/app/profile`);
      await page.locator('[data-testid="profile-language"]').selectOption('');
      await Promise.all([page.waitForEvent('load'), page.locator('[data-testid="profile-save"]').click()]);
      await page.waitForFunction(() => document.documentElement.lang === 'en');
    });

    await step('the settings pages fit a phone in German', async () => {
      const phone = await browser.newContext({ locale: 'de-DE', viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
      try {
        const p = await phone.newPage();
        guard(p, 'team phone');
        await login(p, base, OWNER);
        for (const [url, name] of [['/app/settings/agents', 'phone-settings-agents-de'], ['/app/settings/embed', 'phone-settings-inbox-de'], ['/app/profile', 'phone-profile-owner-de']]) {
          await p.goto(`${base}${url}`);
          await visible(p.locator('#settings-body > *').first(), `${url} on a phone`);
          const wide = await p.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
          if (wide) fail(`${url} scrolls sideways on a phone`);
          await shot(p, name);
        }
      } finally {
        await phone.close();
      }
    });
  } finally {
    await ctx.close();
    await benCtx.close();
    await visitorCtx.close();
  }
}
