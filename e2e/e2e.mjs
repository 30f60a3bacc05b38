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
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const shotsDir = path.join(repo, 'target', 'e2e');
const BIN = process.env.PARLOR_BIN || path.join(repo, 'target', 'debug', 'parlor');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const AGENT = { email: 'agent@example.com', name: 'Anna Agent', password: 'correct horse battery' };
const T = 10_000; // default wait
const LIVE = 20_000; // wait for something to arrive over the network

let passed = 0;
let failed = 0;
/** @type {string[]} */
const problems = [];

// ------------------------------------------------------------------ helpers

class Failure extends Error {}

function fail(message) {
  throw new Failure(message);
}

async function step(name, fn) {
  const started = Date.now();
  try {
    await fn();
    passed += 1;
    console.log(`  ✓ ${name} (${Date.now() - started} ms)`);
  } catch (err) {
    failed += 1;
    console.log(`  ✗ ${name}`);
    throw err;
  }
}

function escapeRe(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Message bubbles whose text is exactly `text`. */
function bubbles(scope, text) {
  return scope.locator('[data-testid="message"] .text').filter({ hasText: new RegExp(`^${escapeRe(text)}$`) });
}

async function waitFor(what, check, timeout = T) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await check();
      if (last === true) return;
    } catch (err) {
      last = err.message;
    }
    if (Date.now() > deadline) fail(`timed out after ${timeout} ms waiting for ${what}${last !== false && last !== undefined ? ` (last: ${last})` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function expectCount(locator, n, what, timeout = LIVE) {
  await waitFor(`${what} (expected ${n})`, async () => {
    const c = await locator.count();
    return c === n ? true : `count ${c}`;
  }, timeout);
}

async function visible(locator, what, timeout = T) {
  try {
    await locator.first().waitFor({ state: 'visible', timeout });
  } catch {
    fail(`${what} did not become visible within ${timeout} ms`);
  }
}

async function hidden(locator, what, timeout = T) {
  try {
    await locator.first().waitFor({ state: 'hidden', timeout });
  } catch {
    fail(`${what} did not disappear within ${timeout} ms`);
  }
}

/** The texts of all message bubbles in order, to check ordering. */
async function texts(scope) {
  return scope.locator('[data-testid="message"] .text').allTextContents();
}

function assertOrder(list, expected, side) {
  let at = -1;
  for (const text of expected) {
    const i = list.indexOf(text, at + 1);
    if (i === -1) fail(`${side}: "${text}" missing or out of order; thread is ${JSON.stringify(list.slice(-12))}`);
    at = i;
  }
}

async function shot(page, name) {
  await page.waitForTimeout(250); // let transitions settle; screenshots only
  await page.screenshot({ path: path.join(shotsDir, `${name}.png`) });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {net.AddressInfo} */ (srv.address());
      srv.close(() => resolve(port));
    });
  });
}

/** Collects what must never happen in a page: alert() dialogs and uncaught errors. */
function guard(page, label) {
  page.on('dialog', async (d) => {
    problems.push(`${label}: a ${d.type()} dialog fired ("${d.message()}") — script injection?`);
    await d.dismiss().catch(() => {});
  });
  page.on('pageerror', (err) => problems.push(`${label}: uncaught error: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !/Failed to load resource|ERR_INTERNET_DISCONNECTED|WebSocket connection/.test(msg.text())) {
      console.log(`    [${label} console] ${msg.text()}`);
    }
  });
}

// ------------------------------------------------------------------ page objects

function widget(page) {
  const frame = page.frameLocator('parlor-widget iframe');
  return {
    page,
    frame,
    launcher: page.locator('parlor-widget [data-testid="launcher"]'),
    input: frame.locator('[data-testid="widget-input"]'),
    async open() {
      await visible(this.launcher, 'the widget launcher');
      if ((await this.launcher.getAttribute('aria-expanded')) !== 'true') await this.launcher.click();
      await visible(this.input, 'the widget composer');
    },
    async send(text) {
      await this.input.fill(text);
      await this.input.press('Enter');
    },
    /** The Playwright Frame, for evaluate(). */
    async handle() {
      await waitFor('the widget frame', async () => page.frames().some((f) => f.url().includes('/widget/frame')));
      return page.frames().find((f) => f.url().includes('/widget/frame'));
    },
    async online() {
      const f = await this.handle();
      await waitFor('the widget to be connected', async () => (await f.evaluate(() => document.documentElement.dataset.realtime)) === 'online', LIVE);
    },
  };
}

function inbox(page) {
  return {
    page,
    rows: page.locator('[data-testid="conversation-row"]'),
    thread: page.locator('#thread-pane'),
    input: page.locator('[data-testid="composer-input"]'),
    async send(text) {
      await this.input.fill(text);
      await this.input.press('Enter');
    },
    async online() {
      await waitFor('the inbox to be connected', async () => (await page.evaluate(() => document.body.dataset.realtime)) === 'online', LIVE);
    },
  };
}

async function login(page, base) {
  await page.goto(`${base}/login`);
  await page.locator('input[name="email"]').fill(AGENT.email);
  await page.locator('input[name="password"]').fill(AGENT.password);
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/login'), { timeout: T }).catch(() => {}), page.locator('button[type="submit"]').click()]);
  await visible(page.locator('[data-testid="status-tab-open"]'), 'the inbox after signing in');
}

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
      const isMine = async () => /unassign/i.test((await button.getAttribute('aria-label')) || '');
      // The server may assign a conversation to the agent who replies first; let that settle.
      await waitFor('auto-assignment after the first reply', isMine, 3000).catch(() => {});
      if (await isMine()) {
        await button.click();
        await waitFor('the conversation to be unassigned', async () => !(await isMine()) && (await mineCount()) === '0', LIVE);
      }
      await button.click();
      await waitFor('the conversation to be mine', isMine, LIVE);
      await waitFor('the Mine tab to count 1', async () => (await mineCount()) === '1', LIVE);
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
      // The system line is in the visitor's language (German), not the server's English.
      await visible(w.frame.locator('.activity', { hasText: 'Unterhaltung wurde von Anna Agent geschlossen' }), 'the German closing line', LIVE);
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

    await step('dark theme renders (screenshots)', async () => {
      await vPage.emulateMedia({ colorScheme: 'dark' });
      await aPage.emulateMedia({ colorScheme: 'dark' });
      await a.rows.first().click();
      await shot(vPage, 'desktop-widget-dark-de');
      await shot(aPage, 'desktop-inbox-dark-en');
    });
  } catch (err) {
    for (const [i, p] of pages.entries()) await p.screenshot({ path: path.join(shotsDir, `failure-${i ? 'agent' : 'visitor'}.png`) }).catch(() => {});
    throw err;
  }
  await visitorCtx.close();
  await agentCtx.close();
  await phonePass(browser, base);
}

/** The same product on a 390×844 phone: widget in English, inbox in German. */
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

main().then(
  () => {
    if (problems.length) {
      console.log(`\nFAILED: ${problems.length} problem(s) seen in the browser:\n  ${problems.join('\n  ')}`);
      console.log(`${passed} passed, ${failed + 1} failed`);
      process.exit(1);
    }
    console.log(`\nscreenshots in ${path.relative(process.cwd(), shotsDir) || shotsDir}`);
    console.log(`${passed} passed, ${failed} failed`);
  },
  (err) => {
    console.log(`\nFAILED: ${err instanceof Failure ? err.message : err?.stack || err}`);
    if (problems.length) console.log(`also seen in the browser:\n  ${problems.join('\n  ')}`);
    console.log(`${passed} passed, ${Math.max(failed, 1)} failed`);
    process.exit(1);
  },
);
