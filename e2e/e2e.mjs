// Parlor end-to-end browser test: a visitor on the demo shop and an agent in
// the inbox, at the same time, in real Chromium (W1 W2 W4 W7 W10 W11, I1 I2 I8).
//
//   PARLOR_BIN=target/debug/parlor node e2e/e2e.mjs
//
// Screenshots (desktop + phone, widget + inbox, English + German) are written
// to <repo>/target/e2e/. Exits non-zero with a clear message on any failure.

import { chromium } from 'playwright-core';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { repo, shotsDir, BIN, CHROMIUM, AGENT, OWNER, LIVE, tally, problems, Failure, fail, step, bubbles, waitFor, expectCount, visible, hidden, texts, assertOrder, shot, freePort, guard, widget, inbox, login } from './lib.mjs';
import { phonePass } from './phone.mjs';
import { newcomerPass } from './newcomer.mjs';
import { teamPass } from './team.mjs';
import { conversationsPass } from './conversations.mjs';
import { togetherPass } from './together.mjs';
import { toolsPass } from './tools.mjs';

// ------------------------------------------------------------------ main

async function main() {
  if (!fs.existsSync(BIN)) fail(`PARLOR_BIN not found: ${BIN} (build with cargo build -p parlor)`);
  if (!fs.existsSync(CHROMIUM)) fail(`Chromium not found at ${CHROMIUM} (apt-get install -y chromium)`);
  fs.mkdirSync(shotsDir, { recursive: true });
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'parlor-e2e-'));

  console.log(`parlor e2e: ${BIN}, data in ${dataDir}`);
  // The documented form puts --data-dir after the subcommand; a binary whose
  // options are global-only takes it before. Try both, documented form first.
  const userArgs = ['--account', '1', '--email', AGENT.email, '--name', AGENT.name, '--password', AGENT.password, '--role', 'agent'];
  let created;
  try {
    created = execFileSync(BIN, ['admin', 'create-user', '--data-dir', dataDir, ...userArgs], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    console.log(`  note: "admin create-user --data-dir" was refused (${String(err.stderr || err.message).split('\n')[0]}); trying "--data-dir DIR admin create-user"`);
    created = execFileSync(BIN, ['--data-dir', dataDir, 'admin', 'create-user', ...userArgs], { encoding: 'utf8' });
  }
  try {
    JSON.parse(created.trim().split('\n').pop() || '');
  } catch {
    fail(`admin create-user did not print a JSON line: ${created}`);
  }
  // An administrator for the team pass (settings pages).
  execFileSync(BIN, ['admin', 'create-user', '--data-dir', dataDir, '--account', '1', '--email', OWNER.email, '--name', OWNER.name, '--password', OWNER.password, '--role', 'administrator'], { encoding: 'utf8' });

  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const log = [];
  let exited = null;
  const start = (argv) => {
    exited = null;
    const child = spawn(BIN, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    for (const s of [child.stdout, child.stderr]) s.on('data', (b) => log.push(String(b)));
    child.on('exit', (code) => (exited = code));
    return child;
  };
  let server = start(['serve', '--data-dir', dataDir, '--listen', `127.0.0.1:${port}`]);
  await new Promise((r) => setTimeout(r, 300));
  if (exited === 2) {
    console.log('  note: "serve --data-dir --listen" was refused; trying "--data-dir DIR --listen ADDR serve"');
    server = start(['--data-dir', dataDir, '--listen', `127.0.0.1:${port}`, 'serve']);
  }

  let browser;
  try {
    await waitFor('GET /readyz to answer 200', async () => {
      if (exited !== null) fail(`parlor serve exited with ${exited}:\n${log.join('').slice(-4000)}`);
      const r = await fetch(`${base}/readyz`).catch(() => null);
      return r?.status === 200;
    }, 30_000);

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    await run(browser, base);
  } catch (err) {
    if (log.length) console.log(`\n--- server log (tail) ---\n${log.join('').slice(-3000)}`);
    throw err;
  } finally {
    await browser?.close().catch(() => {});
    server.kill('SIGTERM');
    await new Promise((r) => (exited !== null ? r() : server.once('exit', r)));
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

async function run(browser, base) {
  const visitorCtx = await browser.newContext({ locale: 'de-DE', viewport: { width: 1280, height: 820 } });
  const agentCtx = await browser.newContext({ locale: 'en-US', viewport: { width: 1440, height: 900 } });
  const vPage = await visitorCtx.newPage();
  const aPage = await agentCtx.newPage();
  guard(vPage, 'visitor');
  guard(aPage, 'agent');
  const w = widget(vPage);
  const a = inbox(aPage);
  const pages = [vPage, aPage];

  try {
    await step('agent signs in and the inbox is live before the visitor writes', async () => {
      await aPage.goto(`${base}/login`);
      await shot(aPage, 'desktop-login-en');
      await aPage.locator('input[name="password"]').fill('wrong password');
      await aPage.locator('input[name="email"]').fill(AGENT.email);
      await aPage.locator('button[type="submit"]').click();
      await visible(aPage.locator('[data-testid="login-error"]'), 'the wrong-password message');
      await shot(aPage, 'desktop-login-error-en');
      await login(aPage, base);
      await aPage.locator('[data-testid="status-tab-open"]').click();
      await aPage.locator('[data-testid="assignee-tab-all"]').click();
      await a.online();
      await visible(aPage.locator('[data-testid="list-empty"]'), 'the empty list state');
      await shot(aPage, 'desktop-inbox-empty-en');
    });

    await step('visitor opens /demo and the widget, writes "Hallo", sees it delivered', async () => {
      await vPage.goto(`${base}/demo`);
      await visible(w.launcher, 'the launcher');
      await shot(vPage, 'desktop-demo-de');
      await w.open();
      await shot(vPage, 'desktop-widget-welcome-de');
      await w.send('Hallo');
      await visible(bubbles(w.frame, 'Hallo'), 'the visitor\'s "Hallo" bubble', 3000);
      await visible(w.frame.locator('[data-testid="message"][data-status="sent"] .text', { hasText: 'Hallo' }), '"Hallo" marked as sent', LIVE);
      await expectCount(bubbles(w.frame, 'Hallo'), 1, '"Hallo" bubbles in the widget');
    });

    let convId;
    await step('agent sees the conversation appear live and opens it with its context', async () => {
      await visible(a.rows, 'a conversation row in the list', LIVE);
      await expectCount(a.rows, 1, 'conversation rows');
      convId = await a.rows.first().getAttribute('data-conversation-id');
      await visible(a.rows.first().locator('[data-testid="presence-online"]'), 'the visitor shown online in the list', LIVE);
      await a.rows.first().click();
      await visible(bubbles(a.thread, 'Hallo'), '"Hallo" in the agent thread');
      const link = aPage.locator('[data-testid="context-page-url"]');
      await visible(link, 'the page where the chat started');
      const text = (await link.textContent()) || '';
      if (!text.includes('/demo')) fail(`context page URL should mention /demo, got "${text}"`);
    });

    await step('agent sees the visitor typing', async () => {
      await w.online();
      await w.input.pressSequentially('Ich habe eine Frage', { delay: 40 });
      const ind = aPage.locator('[data-testid="typing-indicator"]');
      await visible(ind, 'the "typing" indicator in the inbox', LIVE);
      const text = (await ind.textContent()) || '';
      if (!/typing/i.test(text)) fail(`typing indicator says "${text}"`);
      await w.input.fill('');
    });

    await step('agent replies; the visitor sees the agent typing, then the reply with "Anna Agent"', async () => {
      await a.input.click();
      await a.input.pressSequentially('Hi! How can I help you today?', { delay: 40 });
      const typing = w.frame.locator('[data-testid="agent-typing"]');
      await visible(typing, 'the agent-typing line in the widget', LIVE);
      const text = (await typing.textContent()) || '';
      if (!text.includes('Anna Agent')) fail(`widget typing line should name Anna Agent, says "${text}"`);
      await a.input.press('Enter');
      await visible(bubbles(w.frame, 'Hi! How can I help you today?'), 'the agent reply in the widget', LIVE);
      await visible(w.frame.locator('.msg-name', { hasText: 'Anna Agent' }), 'the agent name on the reply');
      await visible(w.frame.locator('.head-title', { hasText: 'Anna Agent' }), 'the agent name in the widget header');
      await hidden(typing, 'the agent-typing line after the reply', LIVE);
      await shot(vPage, 'desktop-widget-chat-de');
    });

    await step('assignment: unassign and assign to me; "Mine" counts it', async () => {
      const button = aPage.locator('[data-testid="assign-button"]');
      const mineCount = async () => ((await aPage.locator('[data-testid="assignee-tab-me"] .count').textContent()) || '').trim();
      const isMine = async () => ((await aPage.locator('[data-testid="assignee-name"]').textContent()) || '').trim() === AGENT.name;
      // The server may assign a conversation to the agent who replies first; let that settle.
      await waitFor('auto-assignment after the first reply', isMine, 3000).catch(() => {});
      if (await isMine()) {
        await button.click();
        await aPage.locator('[data-testid="assign-none"]').click();
        await waitFor('the conversation to be unassigned', async () => !(await isMine()) && (await mineCount()) === '0', LIVE);
      }
      // The dropdown lists me first.
      await button.click();
      await aPage.locator('[data-testid="assign-agent"]').first().click();
      await waitFor('the conversation to be mine', isMine, LIVE);
      await waitFor('the Mine tab to count 1', async () => (await mineCount()) === '1', LIVE);
      // The visitor reads who joined, in German, and never the assignment lines.
      await visible(w.frame.locator('.activity', { hasText: 'Anna Agent ist dem Chat beigetreten' }), 'the joined line in the widget', LIVE);
      await expectCount(w.frame.locator('.activity', { hasText: /übernommen|Zuweisung/ }), 0, 'assignment lines in the widget', 1000);
    });

    await step('an internal comment never reaches the widget', async () => {
      await aPage.locator('[data-testid="composer-tab-comment"]').click();
      await a.send('Internal: VIP customer, be nice');
      await visible(aPage.locator('[data-private="true"] .text', { hasText: 'Internal: VIP customer' }), 'the comment in the agent thread');
      await aPage.locator('[data-testid="composer-tab-reply"]').click();
      await a.send('Anything else?');
      await visible(bubbles(w.frame, 'Anything else?'), 'the follow-up reply in the widget', LIVE);
      const leaked = await w.frame.locator('body', { hasText: 'VIP customer' }).count();
      if (leaked) fail('the internal comment is visible in the widget');
    });

    await step('markup in messages shows as text on both sides, no script runs', async () => {
      const evil = '<img src=x onerror=alert(1)>';
      await w.send(evil);
      await visible(bubbles(a.thread, evil), 'the visitor\'s markup as text in the inbox', LIVE);
      await a.send(evil);
      await expectCount(bubbles(w.frame, evil), 2, 'markup bubbles in the widget');
      await expectCount(bubbles(a.thread, evil), 2, 'markup bubbles in the inbox');
      if (await w.frame.locator('.thread img').count()) fail('an <img> element was created in the widget');
      if (await aPage.locator('.timeline img').count()) fail('an <img> element was created in the inbox');
      await shot(aPage, 'desktop-inbox-thread-en');
    });

    await step('online, the widget sends over its socket, not by POST, and sees it acknowledged', async () => {
      await w.online();
      let posts = 0;
      const count = (req) => {
        if (req.method() === 'POST' && /\/conversations\/\d+\/messages$/.test(req.url())) posts += 1;
      };
      vPage.on('request', count);
      await w.send('Over the socket');
      await visible(bubbles(a.thread, 'Over the socket'), 'the socket message in the inbox', LIVE);
      await visible(w.frame.locator('[data-testid="message"][data-status="sent"] .text', { hasText: 'Over the socket' }), 'the socket message acknowledged', LIVE);
      vPage.off('request', count);
      if (posts) fail(`the widget POSTed ${posts} message(s) while its socket was online`);
      await expectCount(bubbles(w.frame, 'Over the socket'), 1, 'the socket message once in the widget', 1000);
    });

    await step('the conversation survives a reload and navigation to /demo/pricing', async () => {
      await vPage.reload();
      await w.open();
      await visible(bubbles(w.frame, 'Hallo'), 'history after reload', LIVE);
      await visible(bubbles(w.frame, 'Hi! How can I help you today?'), 'the agent reply after reload');
      await vPage.locator('a[href="/demo/pricing"]').first().click();
      await vPage.waitForURL('**/demo/pricing');
      // Open on the last page, open on this one, without a click.
      await waitFor('the widget open again after navigating', async () => (await w.launcher.getAttribute('aria-expanded')) === 'true', LIVE);
      await w.open();
      await visible(bubbles(w.frame, 'Hallo'), 'history on /demo/pricing', LIVE);
      await expectCount(bubbles(w.frame, 'Hallo'), 1, '"Hallo" after navigation');
      await shot(vPage, 'desktop-widget-pricing-de');
    });

    await step('messages written while offline arrive once, in order, on the other side', async () => {
      await w.online();
      await a.online();
      const wf = await w.handle();
      await visitorCtx.setOffline(true);
      await agentCtx.setOffline(true);
      await wf.evaluate(() => window.parlorDebug.dropConnection(3000));
      await aPage.evaluate(() => window.parlorDebug.dropConnection(3000));
      const vMsgs = ['Bin kurz offline – Nachricht 1', 'Bin kurz offline – Nachricht 2'];
      const aMsgs = ['Agent offline message 1', 'Agent offline message 2'];
      for (const m of vMsgs) await w.send(m);
      for (const m of aMsgs) await a.send(m);
      for (const m of vMsgs) await visible(w.frame.locator('[data-testid="message"][data-status="pending"] .text', { hasText: m }), `"${m}" pending in the widget`, 3000);
      for (const m of aMsgs) await visible(aPage.locator('[data-testid="message"][data-status="pending"] .text', { hasText: m }), `"${m}" pending in the inbox`, 3000);
      await vPage.waitForTimeout(1000); // stay offline a moment: nothing may leak through
      await visible(aPage.locator('[data-testid="offline-banner"]'), 'the offline banner in the inbox', 5000);
      await expectCount(aPage.locator('[data-testid="presence-online"]'), 0, 'visitors shown online while the inbox is offline', 3000);
      await visible(w.frame.locator('[data-testid="widget-offline"]'), 'the reconnecting line in the widget', 5000);
      await shot(vPage, 'desktop-widget-offline-de');
      await shot(aPage, 'desktop-inbox-offline-en');
      await visitorCtx.setOffline(false);
      await agentCtx.setOffline(false);
      await hidden(aPage.locator('[data-testid="offline-banner"]'), 'the offline banner after reconnecting', LIVE);
      for (const m of vMsgs) await expectCount(bubbles(a.thread, m), 1, `"${m}" in the inbox`);
      for (const m of aMsgs) await expectCount(bubbles(w.frame, m), 1, `"${m}" in the widget`);
      for (const m of vMsgs) await visible(w.frame.locator('[data-testid="message"][data-status="sent"] .text', { hasText: m }), `"${m}" sent`, LIVE);
      for (const m of aMsgs) await visible(aPage.locator('[data-testid="message"][data-status="sent"] .text', { hasText: m }), `"${m}" sent`, LIVE);
      await vPage.waitForTimeout(1500); // late duplicates would show up now
      for (const m of [...vMsgs, ...aMsgs]) {
        await expectCount(bubbles(a.thread, m), 1, `"${m}" once in the inbox`, 1000);
        await expectCount(bubbles(w.frame, m), 1, `"${m}" once in the widget`, 1000);
      }
      assertOrder(await texts(a.thread), vMsgs, 'inbox');
      assertOrder(await texts(w.frame), aMsgs, 'widget');
      assertOrder(await texts(a.thread), aMsgs, 'inbox (own messages)');
      assertOrder(await texts(w.frame), vMsgs, 'widget (own messages)');
    });

    await step('agent closes: the widget shows the ended notice; reopen brings it back', async () => {
      await aPage.locator('[data-testid="close-conversation"]').click();
      await visible(aPage.locator('[data-testid="reopen-conversation"]'), 'the Reopen button');
      await visible(w.frame.locator('[data-testid="conversation-ended"]'), 'the ended notice in the widget', LIVE);
      await visible(w.frame.locator('[data-testid="start-new-conversation"]'), 'the start-new link');
      // Who closed it is the team's business: the visitor sees the notice, no closing line.
      await expectCount(w.frame.locator('.activity', { hasText: 'geschlossen' }), 0, 'closing lines in the widget', 1500);
      await shot(vPage, 'desktop-widget-ended-de');
      await shot(aPage, 'desktop-inbox-closed-en');
      await aPage.locator('[data-testid="reopen-conversation"]').click();
      await visible(aPage.locator('[data-testid="close-conversation"]'), 'the Close button again');
      await hidden(w.frame.locator('[data-testid="conversation-ended"]'), 'the ended notice after reopening', LIVE);
      await visible(w.input, 'the widget composer after reopening');
    });

    await step('after a close, "Start a new conversation" starts a second conversation', async () => {
      await aPage.locator('[data-testid="close-conversation"]').click();
      await visible(w.frame.locator('[data-testid="start-new-conversation"]'), 'the start-new link', LIVE);
      await w.frame.locator('[data-testid="start-new-conversation"]').click();
      await visible(w.input, 'the composer for a new conversation');
      await w.send('Neue Frage zur Lieferung');
      await visible(w.frame.locator('[data-testid="message"][data-status="sent"] .text', { hasText: 'Neue Frage zur Lieferung' }), 'the new message sent', LIVE);
      await expectCount(bubbles(w.frame, 'Hallo'), 0, 'old messages in the new conversation', 3000);
      await aPage.locator('[data-testid="status-tab-open"]').click();
      await waitFor('a second conversation in the inbox', async () => {
        const ids = await a.rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-conversation-id')));
        return ids.some((id) => id !== convId) ? true : `rows ${JSON.stringify(ids)}`;
      }, LIVE);
    });

    await step('keyboard: j/k move through the list, ? shows help, c/r pick the editor', async () => {
      await a.input.focus();
      await a.input.press('Escape'); // leave the editor so keys are shortcuts
      const before = await aPage.evaluate(() => location.hash);
      await aPage.keyboard.press('j');
      await aPage.keyboard.press('k');
      await aPage.keyboard.press('j');
      await waitFor('j/k to open another conversation', async () => (await aPage.evaluate(() => location.hash)) !== '' && (await aPage.evaluate(() => location.hash)) !== before || (await a.rows.count()) < 2);
      await aPage.keyboard.press('?');
      await visible(aPage.locator('dialog.shortcuts'), 'the shortcut help');
      await aPage.keyboard.press('Escape');
      await hidden(aPage.locator('dialog.shortcuts'), 'the shortcut help after Escape');
      await aPage.keyboard.press('c');
      await waitFor('c to focus the comment editor', async () => (await aPage.locator('[data-testid="composer-tab-comment"]').getAttribute('aria-selected')) === 'true' && (await a.input.evaluate((el) => el === document.activeElement)));
      await a.input.press('Escape');
      await aPage.keyboard.press('r');
      await waitFor('r to focus the reply editor', async () => (await aPage.locator('[data-testid="composer-tab-reply"]').getAttribute('aria-selected')) === 'true');
    });

    await step('a tall message keeps both threads at their end; away from it, "New messages" appears', async () => {
      await a.rows.first().click();
      const atEnd = (scroller) => scroller.evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight < 4);
      const widgetScroll = w.frame.locator('#scroll');
      const inboxScroll = aPage.locator('.thread-scroll');
      const tall = (who) => Array.from({ length: 14 }, (_, i) => `${who} line ${i + 1}`).join('\n');
      await a.send(tall('Agent'));
      await visible(w.frame.locator('.bubble', { hasText: 'Agent line 14' }), 'the tall reply in the widget', LIVE);
      await waitFor('the widget at the end of the tall reply', () => atEnd(widgetScroll));
      await w.send(tall('Besucher'));
      await visible(aPage.locator('.bubble', { hasText: 'Besucher line 14' }), 'the tall visitor message in the inbox', LIVE);
      await waitFor('the inbox at the end of the tall message', () => atEnd(inboxScroll));
      await w.send('Und kurz');
      await visible(aPage.locator('.bubble', { hasText: 'Und kurz' }), 'a short message after the tall one', LIVE);
      await waitFor('the inbox still following', () => atEnd(inboxScroll));
      await waitFor('the widget still following', () => atEnd(widgetScroll));
      // The visitor scrolls up to read: a new reply offers a button instead of moving the thread.
      await widgetScroll.evaluate((el) => el.scrollTo({ top: 0 }));
      await a.send('A reply while you read back');
      const jump = w.frame.locator('[data-testid="new-messages"]');
      await visible(jump, 'the "New messages" button in the widget', LIVE);
      await shot(vPage, 'desktop-widget-new-messages-de');
      await jump.click();
      await waitFor('the widget at the end after the button', () => atEnd(widgetScroll));
      await hidden(jump, 'the button once at the end');
    });

    await step('dark theme renders (screenshots)', async () => {
      await vPage.emulateMedia({ colorScheme: 'dark' });
      await aPage.emulateMedia({ colorScheme: 'dark' });
      await a.rows.first().click();
      await shot(vPage, 'desktop-widget-dark-de');
      await shot(aPage, 'desktop-inbox-dark-en');
    });

    await step('a visitor whose session the server no longer knows starts afresh (4001)', async () => {
      await vPage.emulateMedia({ colorScheme: 'light' });
      const wf = await w.handle();
      await wf.evaluate(() => {
        const key = Object.keys(localStorage).find((k) => k.startsWith('parlor:identity:'));
        if (!key) throw new Error('no stored identity');
        const identity = JSON.parse(localStorage.getItem(key) || '{}');
        localStorage.setItem(key, JSON.stringify({ ...identity, pubsub_token: '0'.repeat(64) }));
      });
      await vPage.reload();
      await w.open();
      await expectCount(bubbles(w.frame, 'Neue Frage zur Lieferung'), 0, 'the old conversation after the socket was refused', LIVE);
      await w.send('Frisch angefangen');
      await visible(w.frame.locator('[data-testid="message"][data-status="sent"] .text', { hasText: 'Frisch angefangen' }), 'the fresh visitor\'s message sent', LIVE);
      await w.online();
      await visible(a.rows.filter({ hasText: 'Frisch angefangen' }), 'the fresh visitor\'s conversation in the inbox', LIVE);
    });

    await step('signing out in another tab sends the inbox to the sign-in page at once', async () => {
      await a.online();
      const other = await agentCtx.newPage();
      guard(other, 'agent tab 2');
      await other.goto(`${base}/app`);
      await other.locator('[data-testid="logout"]').click();
      await other.waitForURL('**/login');
      await aPage.waitForURL('**/login', { timeout: LIVE });
      await visible(aPage.locator('input[name="email"]'), 'the sign-in form in the first tab');
      await other.close();
    });
  } catch (err) {
    for (const [i, p] of pages.entries()) await p.screenshot({ path: path.join(shotsDir, `failure-${i ? 'agent' : 'visitor'}.png`) }).catch(() => {});
    throw err;
  }
  await visitorCtx.close();
  await agentCtx.close();
  await phonePass(browser, base);
  await newcomerPass(browser, base);
  await teamPass(browser, base);
  await conversationsPass(browser, base);
  await togetherPass(browser, base);
  await toolsPass(browser, base);
}

main().then(
  () => {
    if (problems.length) {
      console.log(`\nFAILED: ${problems.length} problem(s) seen in the browser:\n  ${problems.join('\n  ')}`);
      console.log(`${tally.passed} passed, ${tally.failed + 1} failed`);
      process.exit(1);
    }
    console.log(`\nscreenshots in ${path.relative(process.cwd(), shotsDir) || shotsDir}`);
    console.log(`${tally.passed} passed, ${tally.failed} failed`);
  },
  (err) => {
    console.log(`\nFAILED: ${err instanceof Failure ? err.message : err?.stack || err}`);
    if (problems.length) console.log(`also seen in the browser:\n  ${problems.join('\n  ')}`);
    console.log(`${tally.passed} passed, ${Math.max(tally.failed, 1)} failed`);
    process.exit(1);
  },
);
