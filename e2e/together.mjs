// The browser test's working-together pass (issue 13): two agents and a
// visitor at once. Both agents open the visitor's conversation and see each
// other above the reply editor; Anna types a reply and Olga reads "Anna is
// replying…"; Olga's own reply is held back until she chooses "Send anyway".
// Screenshots, desktop and phone, English and German.

import { AGENT, LIVE, OWNER, fail, step, visible, hidden, shot, guard, login, widget } from './lib.mjs';

export /** Two agents on one conversation. */
async function togetherPass(browser, base) {
  const olgaCtx = await browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 860 } });
  const annaCtx = await browser.newContext({ locale: 'de-DE', viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const visitorCtx = await browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 860 } });
  try {
    const v = await visitorCtx.newPage();
    guard(v, 'together visitor');
    const w = widget(v);
    await v.goto(`${base}/demo`);
    await w.open();
    await w.send('Can two of you help me at once?');
    await visible(w.frame.locator('[data-testid="message"][data-status="sent"]'), 'the visitor\'s message sent', LIVE);

    const olga = await olgaCtx.newPage();
    guard(olga, 'together olga');
    const anna = await annaCtx.newPage();
    guard(anna, 'together anna');
    /** @param {import('playwright-core').Page} page */
    const openIt = async (page) => {
      await page.locator('[data-testid="assignee-tab-all"]').click();
      const row = page.locator('[data-testid="conversation-row"]', { hasText: 'Can two of you help me at once?' }).first();
      await visible(row, 'the visitor\'s conversation in the list', LIVE);
      await row.click();
      await visible(page.locator('[data-testid="composer-input"]'), 'the reply editor');
    };
    await step('two agents open the same conversation and each sees the other above the editor', async () => {
      await login(olga, base, OWNER);
      await openIt(olga);
      await login(anna, base, AGENT);
      await openIt(anna);
      await visible(olga.locator('[data-testid="viewer-bar"]', { hasText: AGENT.name }), 'Anna above Olga\'s editor', LIVE);
      await visible(anna.locator('[data-testid="viewer-bar"]', { hasText: OWNER.name }), 'Olga above Anna\'s editor', LIVE);
      const annaText = await anna.locator('[data-testid="viewer-text"]').innerText();
      if (!annaText.includes('sieht sich')) fail(`Anna's (German) bar says "${annaText}"`);
      await visible(olga.locator('[data-testid="row-viewers"]').first(), 'Anna\'s face on the list row', LIVE);
    });

    await step('Anna types a reply; Olga reads that she is replying, and her own reply waits for "send anyway"', async () => {
      await anna.locator('[data-testid="composer-input"]').fill('Ich kümmere mich darum');
      await visible(olga.locator('[data-testid="viewer-text"]', { hasText: `${AGENT.name} is replying` }), '"Anna is replying…"', LIVE);
      await shot(olga, 'desktop-viewers-replying-en');
      await shot(anna, 'phone-viewers-de');
      await olga.locator('[data-testid="composer-input"]').fill('I have it, Anna');
      await olga.locator('[data-testid="send-button"]').click();
      await visible(olga.locator('[data-testid="collision-bar"]', { hasText: AGENT.name }), 'the collision question', LIVE);
      await shot(olga, 'desktop-collision-en');
      if (await w.frame.locator('.text', { hasText: 'I have it, Anna' }).count()) fail('the held-back reply reached the visitor');
      await olga.locator('[data-testid="collision-send"]').click();
      await hidden(olga.locator('[data-testid="collision-bar"]'), 'the collision question, answered');
      await visible(w.frame.locator('.text', { hasText: 'I have it, Anna' }), 'the reply sent anyway, in the widget', LIVE);
    });

    await step('Anna leaves the conversation and Olga\'s bar empties within seconds', async () => {
      await anna.locator('[data-testid="composer-input"]').fill('');
      await anna.close();
      await hidden(olga.locator('[data-testid="viewer-bar"]'), 'the viewer bar once Anna left', LIVE);
    });
  } finally {
    await olgaCtx.close();
    await annaCtx.close();
    await visitorCtx.close();
  }
}
