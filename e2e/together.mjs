// The browser test's working-together pass (issue 13): two agents and a
// visitor at once. Both agents open the visitor's conversation and see each
// other above the reply editor; Anna types a reply and Olga reads "Anna is
// replying…"; Olga's own reply is held back until she chooses "Send anyway".
// Screenshots, desktop and phone, English and German.

import { AGENT, LIVE, OWNER, expectCount, fail, step, visible, hidden, shot, guard, login, waitFor, widget } from './lib.mjs';

const BOT_GREETING = 'Hi! I am Robo. A person will be with you shortly.';

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

    await step('an administrator makes a team on the teams page, with Anna in it', async () => {
      const settings = await olgaCtx.newPage();
      guard(settings, 'together settings');
      await settings.goto(`${base}/app/settings/teams`);
      await visible(settings.locator('[data-testid="add-team"]'), 'the add-team form');
      await settings.locator('[data-testid="team-name"]').fill('Billing');
      await settings.locator('[data-testid="team-description"]').fill('Invoices and refunds');
      await settings.locator('[data-testid="team-add"]').click();
      const card = settings.locator('[data-testid="team-card"][data-team="Billing"]');
      await visible(card, 'the new team', LIVE);
      await card.locator('label', { hasText: AGENT.name }).locator('input').check();
      await card.locator('[data-testid="team-save"]').click();
      await visible(settings.locator('.toast'), 'the saved toast');
      await shot(settings, 'desktop-settings-teams-en');
      await settings.setViewportSize({ width: 390, height: 844 });
      await shot(settings, 'phone-settings-teams-en');
      await settings.close();
    });

    await step('Olga assigns the chat to Anna from the dropdown, and the widget shows Anna', async () => {
      await olga.reload();
      await visible(olga.locator('[data-testid="assign-button"]'), 'the assignee button', LIVE);
      await olga.locator('[data-testid="assign-button"]').click();
      await visible(olga.locator('[data-testid="assign-menu"]'), 'the assignee dropdown');
      await visible(olga.locator('[data-testid="assign-team"]', { hasText: 'Billing' }), 'the team in the dropdown');
      await shot(olga, 'desktop-assign-menu-en');
      await olga.locator('[data-testid="assign-search"]').fill('anna');
      await olga.locator('[data-testid="assign-search"]').press('ArrowDown');
      await olga.keyboard.press('Enter');
      await visible(olga.locator('[data-testid="assignee-name"]', { hasText: AGENT.name }), 'Anna as the assignee', LIVE);
      const title = w.frame.locator('#head-title');
      await visible(title.filter({ hasText: AGENT.name }), 'Anna\'s name in the widget header', LIVE);
      await visible(olga.locator('.timeline .activity', { hasText: AGENT.name }), 'the assignment line', LIVE);
    });

    await step('the conversation goes to the team, and the team filter lists it', async () => {
      await olga.locator('[data-testid="assign-button"]').click();
      await olga.locator('[data-testid="assign-team"]', { hasText: 'Billing' }).click();
      await visible(olga.locator('[data-testid="thread-team"]', { hasText: 'Billing' }), 'the team chip', LIVE);
      const filter = olga.locator('[data-testid="team-filter"]');
      await visible(filter, 'the team filter');
      await filter.selectOption({ label: 'Billing' });
      await expectCount(olga.locator('[data-testid="conversation-row"]'), 1, 'conversations of the team');
      await visible(olga.locator('[data-testid="conversation-row"][aria-current="true"]'), 'the open conversation as the team\'s one');
      await shot(olga, 'desktop-team-filter-en');
      await filter.selectOption({ value: '' });
    });

    await step('Olga mentions Anna in a comment; Anna gets the notification, the visitor never sees it', async () => {
      const before = Number((await anna.locator('[data-testid="bell-count"]').textContent()) || 0);
      await olga.locator('[data-testid="composer-tab-comment"]').click();
      const input = olga.locator('[data-testid="composer-input"]');
      await input.fill('');
      await input.pressSequentially('@Ann');
      await visible(olga.locator('[data-testid="mention-option"]', { hasText: AGENT.name }), 'Anna offered in the mention list');
      await shot(olga, 'desktop-mention-menu-en');
      await input.press('Enter');
      await input.pressSequentially('please check the refund');
      await input.press('Enter');
      await visible(olga.locator('[data-private="true"] [data-testid="mention"]', { hasText: `@${AGENT.name}` }), 'the mention chip in the comment', LIVE);
      const preview = olga.locator('.row-preview', { hasText: 'please check the refund' }).first();
      await visible(preview, 'the comment as the row\'s preview', LIVE);
      if (!((await preview.textContent()) ?? '').includes(`@${AGENT.name} please`)) fail(`the row preview shows the mention's markup: ${await preview.textContent()}`);
      const count = async () => Number((await anna.locator('[data-testid="bell-count"]').textContent()) || 0);
      await waitFor('Anna\'s bell count to grow', async () => (await count()) > before, LIVE);
      await waitFor('Anna\'s title badge', async () => (await anna.title()).startsWith('('), LIVE);
      // On a phone the bell is in the list's header; the back button's dot says so.
      await visible(anna.locator('[data-testid="back-button"].has-news'), 'the news dot on the back button', LIVE);
      await shot(anna, 'phone-back-dot-de');
      await anna.locator('[data-testid="back-button"]').click();
      await anna.locator('[data-testid="bell"]').click();
      await visible(anna.locator('[data-testid="bell-item"][data-type="conversation_mention"]'), 'the mention in Anna\'s bell');
      await shot(anna, 'phone-bell-de');
      await anna.locator('[data-testid="bell-item"][data-type="conversation_mention"]').click();
      await waitFor('the bell count once read', async () => (await count()) === before, LIVE);
      if (await w.frame.locator('body', { hasText: 'please check the refund' }).count()) fail('the comment reached the widget');
      await olga.locator('[data-testid="composer-tab-reply"]').click();
    });

    await step('Anna leaves the conversation and Olga\'s bar empties within seconds', async () => {
      await anna.locator('[data-testid="composer-input"]').fill('');
      await anna.close();
      await hidden(olga.locator('[data-testid="viewer-bar"]'), 'the viewer bar once Anna left', LIVE);
    });

    await step('an administrator turns the greeter bot on in the inbox settings', async () => {
      const settings = await olgaCtx.newPage();
      guard(settings, 'greeter settings');
      await settings.goto(`${base}/app/settings/embed`);
      await visible(settings.locator('[data-testid="greeter-form"]'), 'the greeter card');
      await settings.locator('[data-testid="greeter-enabled"]').check();
      await settings.locator('[data-testid="greeter-name"]').fill('Robo');
      await settings.locator('[data-testid="greeter-greeting"]').fill(BOT_GREETING);
      await settings.locator('[data-testid="greeter-save"]').click();
      await visible(settings.locator('[data-testid="greeter-version"]', { hasText: '1' }), 'the saved version');
      await settings.locator('[data-testid="greeter-form"]').scrollIntoViewIfNeeded();
      await shot(settings, 'desktop-settings-greeter-en');
      await settings.close();
    });

    const v2ctx = await browser.newContext({ locale: 'de-DE', viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    try {
      const v2 = await v2ctx.newPage();
      guard(v2, 'bot visitor');
      const w2 = widget(v2);
      await step('a new visitor is greeted by the bot, whose name shows in the widget', async () => {
        await v2.goto(`${base}/demo`);
        await w2.open();
        await w2.send('Hallo, ich habe eine Frage');
        await visible(w2.frame.locator('.text', { hasText: BOT_GREETING }), 'the bot\'s greeting', LIVE);
        await visible(w2.frame.locator('#head-title', { hasText: 'Robo' }), 'the bot in the widget header', LIVE);
        await shot(v2, 'phone-widget-bot-de');
      });

      await step('the visitor wrote to the bot: Olga\'s bell says someone waits for a person', async () => {
        const item = olga.locator('[data-testid="bell-item"][data-type="conversation_bot_handoff"]');
        await olga.locator('[data-testid="bell"]').click();
        await visible(item, 'the bot handoff in Olga\'s bell', LIVE);
        await shot(olga, 'desktop-bell-handoff-en');
        await olga.locator('[data-testid="bell"]').click();
      });

      await step('Olga finds it under Bot, her reply waits for the takeover, and the widget switches to her', async () => {
        await olga.locator('[data-testid="status-tab-pending"]').click();
        // The only conversation the bot has.
        const row = olga.locator('[data-testid="conversation-row"]').first();
        await visible(row, 'the bot conversation under Bot', LIVE);
        await row.click();
        await visible(olga.locator('[data-testid="bot-bar"]', { hasText: 'Robo' }), 'the bot bar', LIVE);
        await olga.locator('[data-testid="composer-input"]').fill('Hi, Olga here. What can I do?');
        await olga.locator('[data-testid="send-button"]').click();
        await visible(olga.locator('[data-testid="bot-bar"].waiting'), 'the reply waiting for the takeover');
        await shot(olga, 'desktop-bot-takeover-en');
        if (await w2.frame.locator('.text', { hasText: 'Olga here' }).count()) fail('the reply went out before the takeover');
        await olga.locator('[data-testid="take-over"]').click();
        await hidden(olga.locator('[data-testid="bot-bar"]'), 'the bot bar after the takeover', LIVE);
        await visible(w2.frame.locator('.text', { hasText: 'Olga here' }), 'the reply in the widget', LIVE);
        await visible(w2.frame.locator('#head-title', { hasText: OWNER.name }), 'Olga in the widget header', LIVE);
        await visible(olga.locator('.timeline .activity', { hasText: 'took over from the bot' }), 'the takeover line', LIVE);
        await shot(v2, 'phone-widget-after-takeover-de');
      });
    } finally {
      await v2ctx.close();
    }

    await step('with the greeter off and automatic assignment on, a new chat goes straight to Olga', async () => {
      const settings = await olgaCtx.newPage();
      guard(settings, 'assignment settings');
      await settings.goto(`${base}/app/settings/embed`);
      await visible(settings.locator('[data-testid="greeter-form"]'), 'the greeter card');
      await settings.locator('[data-testid="greeter-enabled"]').uncheck();
      await settings.locator('[data-testid="greeter-save"]').click();
      await visible(settings.locator('.toast'), 'the greeter saved');
      await settings.locator('[data-testid="inbox-auto-assign"]').check();
      await settings.locator('[data-testid="inbox-assign-limit"]').fill('5');
      await settings.locator('[data-testid="inbox-save"]').click();
      await expectCount(settings.locator('.toast:not(.bad)'), 2, 'the inbox saved too');
      await settings.close();

      const v3ctx = await browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 860 } });
      try {
        const v3 = await v3ctx.newPage();
        guard(v3, 'assigned visitor');
        const w3 = widget(v3);
        await v3.goto(`${base}/demo`);
        await w3.open();
        await w3.send('Where is my parcel?');
        // It goes at once to one of the agents online (Olga, or the first pass's
        // agent whose inbox is still open), in turn, and the widget names them.
        const head = w3.frame.locator('#head-title');
        await waitFor('an online agent in the widget header', async () => {
          const title = (await head.textContent()) ?? '';
          return [OWNER.name, AGENT.name].some((n) => title.includes(n)) || `header: ${title}`;
        }, LIVE);
        await olga.locator('[data-testid="status-tab-open"]').click();
        await olga.locator('[data-testid="assignee-tab-all"]').click();
        const row = olga.locator('[data-testid="conversation-row"]', { hasText: 'Where is my parcel?' });
        await visible(row, 'the new chat in the list', LIVE);
        await row.click();
        await visible(olga.locator('.timeline .activity', { hasText: 'automatically' }), 'the automatic assignment line', LIVE);
        await shot(olga, 'desktop-auto-assigned-en');
      } finally {
        await v3ctx.close();
      }
    });

    await step('the new screens in German on a desktop and in English on a phone', async () => {
      for (const [lang, locale, mobile] of [['de', 'de-DE', false], ['en', 'en-US', true]]) {
        const tag = mobile ? 'phone' : 'desktop';
        const viewport = mobile ? { width: 390, height: 844 } : { width: 1280, height: 860 };
        const ctx = await browser.newContext({ locale, viewport, isMobile: mobile, hasTouch: mobile });
        try {
          const p = await ctx.newPage();
          guard(p, `screens ${tag} ${lang}`);
          await login(p, base, OWNER);
          await p.locator('[data-testid="bell"]').click();
          await visible(p.locator('[data-testid="bell-item"]').first(), 'the bell\'s list');
          await shot(p, `${tag}-bell-${lang}`);
          await p.locator('[data-testid="bell"]').click();
          await p.locator('[data-testid="assignee-tab-all"]').click();
          await p.locator('[data-testid="conversation-row"]').first().click();
          await p.locator('[data-testid="assign-button"]').click();
          await visible(p.locator('[data-testid="assign-menu"]'), 'the assignee dropdown');
          await shot(p, `${tag}-assign-menu-${lang}`);
          await p.goto(`${base}/app/settings/teams`);
          await visible(p.locator('[data-testid="team-card"]').first(), 'the teams page');
          await shot(p, `${tag}-settings-teams-${lang}`);
          await p.goto(`${base}/app/settings/embed`);
          await visible(p.locator('[data-testid="greeter-form"]'), 'the greeter card');
          await p.locator('[data-testid="greeter-form"]').scrollIntoViewIfNeeded();
          await shot(p, `${tag}-settings-greeter-${lang}`);
        } finally {
          await ctx.close();
        }
      }
    });
  } finally {
    await olgaCtx.close();
    await annaCtx.close();
    await visitorCtx.close();
  }
}
