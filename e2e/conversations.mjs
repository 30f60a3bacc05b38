// The browser test's several-conversations pass (issue 12, W2): with
// `lock_to_single_conversation` off on the inbox settings page, a visitor
// starts a second conversation from the widget, lists both, switches between
// them, and sees a reply in the other one as news on the list. A phone in
// German, with screenshots.

import { LIVE, OWNER, bubbles, fail, step, visible, shot, guard, login, widget } from './lib.mjs';

export /** A visitor with several conversations in one inbox. */
async function conversationsPass(browser, base) {
  const adminCtx = await browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 860 } });
  const visitorCtx = await browser.newContext({ locale: 'de-DE', viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const admin = await adminCtx.newPage();
  guard(admin, 'conversations admin');
  /** @param {boolean} on */
  const single = async (on) => {
    await admin.goto(`${base}/app/settings/embed`);
    const box = admin.locator('[data-testid="inbox-lock"]');
    await visible(box, 'the "one conversation at a time" setting');
    if ((await box.isChecked()) !== on) await box.setChecked(on);
    await admin.locator('[data-testid="inbox-save"]').click();
    await visible(admin.locator('.toast'), 'the saved toast');
  };
  try {
    await step('an administrator lets visitors have several conversations (inbox settings)', async () => {
      await login(admin, base, OWNER);
      await single(false);
    });

    const v = await visitorCtx.newPage();
    guard(v, 'conversations visitor');
    const w = widget(v);
    const frame = w.frame;
    await step('a visitor starts a second conversation from the widget and lists both', async () => {
      await v.goto(`${base}/demo`);
      await w.open();
      await w.send('Frage zur Bestellung');
      await visible(frame.locator('[data-testid="message"][data-status="sent"] .text', { hasText: 'Frage zur Bestellung' }), 'the first message sent', LIVE);
      await frame.locator('[data-testid="widget-conversations"]').click();
      await visible(frame.locator('[data-testid="widget-conversation"]'), 'the conversation list');
      await frame.locator('[data-testid="widget-new-conversation"]').click();
      await visible(frame.locator('#welcome:not(.compact)'), 'a fresh conversation');
      await w.send('Frage zur Rechnung');
      await visible(frame.locator('[data-testid="message"][data-status="sent"] .text', { hasText: 'Frage zur Rechnung' }), 'the second message sent', LIVE);
      if (await bubbles(frame, 'Frage zur Bestellung').count()) fail('the new conversation shows the first one\'s message');
      await frame.locator('[data-testid="widget-conversations"]').click();
      const items = frame.locator('[data-testid="widget-conversation"]');
      await visible(items.nth(1), 'two conversations in the list', LIVE);
      const previews = await items.locator('.conv-preview').allInnerTexts();
      if (!previews[0].includes('Frage zur Rechnung') || !previews[1].includes('Frage zur Bestellung')) fail(`list previews, newest first: ${previews}`);
      await shot(v, 'phone-widget-conversations-de');
    });

    await step('the visitor switches conversations, and a reply in the other one shows as news', async () => {
      const items = frame.locator('[data-testid="widget-conversation"]');
      const older = Number(await items.nth(1).getAttribute('data-conversation-id'));
      const newer = Number(await items.nth(0).getAttribute('data-conversation-id'));
      await items.nth(1).click();
      await visible(bubbles(frame, 'Frage zur Bestellung'), 'the first conversation\'s message');
      if (await bubbles(frame, 'Frage zur Rechnung').count()) fail('the first conversation shows the second one\'s message');
      // The team answers in the other conversation: a dot on the way back to the list.
      const status = await admin.evaluate(async (id) => {
        const r = await fetch(`/api/v1/accounts/${document.body.dataset.accountId || 1}/conversations/${id}/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ content: 'Die Rechnung kommt heute.' }) });
        return r.status;
      }, newer);
      if (status !== 200) fail(`the reply answered ${status}`);
      await visible(frame.locator('[data-testid="widget-conversations"].has-news'), 'news on the list button', LIVE);
      if (await bubbles(frame, 'Die Rechnung kommt heute.').count()) fail('a reply in another conversation shows in this one');
      await frame.locator('[data-testid="widget-conversations"]').click();
      await visible(frame.locator(`[data-testid="widget-conversation"][data-conversation-id="${newer}"].unread`), 'the answered conversation marked new');
      const preview = await frame.locator(`[data-testid="widget-conversation"][data-conversation-id="${newer}"] .conv-preview`).innerText();
      if (!preview.includes('Die Rechnung kommt heute.')) fail(`the list previews "${preview}", not the reply`);
      await shot(v, 'phone-widget-conversations-news-de');
      await frame.locator(`[data-testid="widget-conversation"][data-conversation-id="${newer}"]`).click();
      await visible(bubbles(frame, 'Die Rechnung kommt heute.'), 'the reply in its conversation');
      // The choice holds across the site's pages.
      await v.reload();
      await visible(bubbles(frame, 'Die Rechnung kommt heute.'), 'the same conversation after a page load', LIVE);
      if (older === newer) fail('the two conversations have one id');
    });
  } finally {
    await single(true).catch(() => {});
    await adminCtx.close();
    await visitorCtx.close();
  }
}
