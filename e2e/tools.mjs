// The browser test's inbox-tools pass (issue 14): an administrator makes
// labels on the labels page; an agent labels a conversation from the thread's
// Labels menu, sees the chip on the row and the line in the timeline, and
// filters the list by the label; snoozes it, finds it under Snoozed, reopens
// it, marks it pending; sorts the list. Screenshots, desktop and phone, English and
// German.

import { LIVE, OWNER, expectCount, fail, step, visible, shot, guard, login, waitFor, widget } from './lib.mjs';

/** Waits until the list (of the current tab) has no row with `text`. */
async function hiddenRow(page, text) {
  await expectCount(page.locator('[data-testid="conversation-row"]', { hasText: text }), 0, `no row "${text}" in this tab`);
}

export /** Labels, and (as issue 14 grows) search, bulk actions, the contact sidebar, tickets. */
async function toolsPass(browser, base) {
  const ctx = await browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 860 } });
  const phoneCtx = await browser.newContext({ locale: 'de-DE', viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const visitorCtx = await browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 860 } });
  try {
    const admin = await ctx.newPage();
    guard(admin, 'tools admin');
    await step('an administrator makes two labels on the labels page', async () => {
      await login(admin, base, OWNER);
      await admin.goto(`${base}/app/settings/labels`);
      await visible(admin.locator('[data-testid="add-label"]'), 'the add-label form');
      for (const [title, color] of [['billing', '#e5484d'], ['vip', '#8e4ec6']]) {
        await admin.locator('[data-testid="label-title"]').fill(title);
        await admin.locator('[data-testid="label-color"]').fill(color);
        await admin.locator('[data-testid="label-add"]').click();
        await visible(admin.locator(`[data-testid="label-card"][data-label="${title}"]`), `the label ${title}`, LIVE);
      }
      // A title with a space is refused with a clear message, nothing added.
      await admin.locator('[data-testid="label-title"]').fill('two words');
      await admin.locator('[data-testid="label-add"]').click();
      await expectCount(admin.locator('[data-testid="label-card"]'), 2, 'still two labels');
      await shot(admin, 'desktop-settings-labels-en');
    });

    const v = await visitorCtx.newPage();
    guard(v, 'tools visitor');
    const w = widget(v);
    await step('a visitor writes, and the agent labels the chat from the thread\'s Labels menu', async () => {
      await v.goto(`${base}/demo`);
      await w.open();
      await w.send('My invoice shows the wrong address');
      await visible(w.frame.locator('[data-testid="message"][data-status="sent"]'), 'the visitor\'s message sent', LIVE);
      await admin.goto(`${base}/app`);
      await admin.locator('[data-testid="status-tab-open"]').click();
      await admin.locator('[data-testid="assignee-tab-all"]').click();
      const row = admin.locator('[data-testid="conversation-row"]', { hasText: 'My invoice shows the wrong address' }).first();
      await visible(row, 'the visitor\'s conversation', LIVE);
      await row.click();
      await admin.locator('[data-testid="labels-button"]').click();
      await visible(admin.locator('[data-testid="label-menu"]'), 'the labels menu');
      await admin.locator('[data-testid="label-option"][data-label="billing"] input').check();
      await visible(admin.locator('[data-testid="label-bar"] [data-testid="label-chip"][data-label="billing"]'), 'the chip under the header', LIVE);
      await shot(admin, 'desktop-label-menu-en');
      await admin.keyboard.press('Escape');
      await visible(row.locator('[data-testid="label-chip"][data-label="billing"]'), 'the chip on the row', LIVE);
      await visible(admin.locator('.timeline .activity', { hasText: 'added billing' }), 'the label line', LIVE);
      if (await w.frame.locator('body', { hasText: 'billing' }).count()) fail('the label reached the widget');
    });

    await step('the label filter shows only the labelled chats', async () => {
      const filter = admin.locator('[data-testid="label-filter"]');
      await visible(filter, 'the label filter');
      await filter.selectOption('billing');
      await expectCount(admin.locator('[data-testid="conversation-row"]'), 1, 'one labelled chat in the list');
      await shot(admin, 'desktop-label-filter-en');
      await filter.selectOption('');
    });

    await step('the agent snoozes the chat for an hour, finds it under Snoozed, reopens it, and marks it pending', async () => {
      const row = admin.locator('[data-testid="conversation-row"]', { hasText: 'My invoice shows the wrong address' }).first();
      await row.click();
      await admin.locator('[data-testid="snooze-button"]').click();
      await visible(admin.locator('[data-testid="snooze-menu"]'), 'the snooze menu');
      await shot(admin, 'desktop-snooze-menu-en');
      await admin.locator('[data-testid="snooze-hour"]').click();
      await visible(admin.locator('[data-testid="thread-status"]', { hasText: 'Snoozed until' }), 'the snoozed status', LIVE);
      await hiddenRow(admin, 'My invoice shows the wrong address');
      await admin.locator('[data-testid="status-tab-snoozed"]').click();
      await visible(row, 'the chat under Snoozed', LIVE);
      await admin.locator('[data-testid="reopen-conversation"]').click();
      await visible(admin.locator('[data-testid="thread-status"]', { hasText: 'Open' }), 'open again', LIVE);
      await admin.locator('[data-testid="snooze-button"]').click();
      await admin.locator('[data-testid="mark-pending"]').click();
      await visible(admin.locator('[data-testid="thread-status"]', { hasText: 'Pending' }), 'the pending status', LIVE);
      await admin.locator('[data-testid="status-tab-pending"]').click();
      await visible(row, 'the chat under Pending', LIVE);
      await admin.locator('[data-testid="reopen-conversation"]').click();
      await admin.locator('[data-testid="status-tab-open"]').click();
      await visible(row, 'the chat under Open again', LIVE);
    });

    await step('the list sorts by oldest and newest first, and by who has waited longest', async () => {
      const sort = admin.locator('[data-testid="sort-by"]');
      const ids = async () => (await admin.locator('[data-testid="conversation-row"]').evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-conversation-id')))));
      await sort.selectOption('created_at_asc');
      await waitFor('the oldest first', async () => {
        const got = await ids();
        return (got.length > 2 && got.every((id, i) => i === 0 || id > got[i - 1])) || `ids ${got}`;
      }, LIVE);
      await sort.selectOption('created_at_desc');
      await waitFor('the newest first', async () => {
        const got = await ids();
        return (got.length > 2 && got.every((id, i) => i === 0 || id < got[i - 1])) || `ids ${got}`;
      }, LIVE);
      await sort.selectOption('waiting_since_asc');
      await visible(admin.locator('[data-testid="conversation-row"]').first(), 'the list by waiting time', LIVE);
      await shot(admin, 'desktop-sort-waiting-en');
      await sort.selectOption('last_activity_at_desc');
    });

    await step('on a phone, in German, the labels page and the labelled chat read well', async () => {
      const p = await phoneCtx.newPage();
      guard(p, 'tools phone');
      await login(p, base, OWNER);
      await p.goto(`${base}/app/settings/labels`);
      await visible(p.locator('[data-testid="label-card"]').first(), 'the labels page');
      await shot(p, 'phone-settings-labels-de');
      await p.goto(`${base}/app`);
      await p.locator('[data-testid="assignee-tab-all"]').click();
      const row = p.locator('[data-testid="conversation-row"]', { hasText: 'My invoice shows the wrong address' }).first();
      await visible(row.locator('[data-testid="label-chip"]'), 'the chip on the row', LIVE);
      await shot(p, 'phone-label-row-de');
      await row.click();
      await visible(p.locator('[data-testid="label-bar"] [data-testid="label-chip"]'), 'the chip under the header');
      await shot(p, 'phone-label-bar-de');
    });
  } finally {
    await ctx.close();
    await phoneCtx.close();
    await visitorCtx.close();
  }
}
