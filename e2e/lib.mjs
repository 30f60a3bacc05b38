// Helpers and page objects of the browser test (e2e.mjs, phone.mjs): waiting,
// asserting, screenshots, the widget and the inbox as a test drives them.

import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const shotsDir = path.join(repo, 'target', 'e2e');
export const BIN = process.env.PARLOR_BIN || path.join(repo, 'target', 'debug', 'parlor');
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const AGENT = { email: 'agent@example.com', name: 'Anna Agent', password: 'correct horse battery' };
export const OWNER = { email: 'owner@example.com', name: 'Olga Owner', password: 'correct horse battery' };
export const T = 10_000; // default wait
export const LIVE = 20_000; // wait for something to arrive over the network

/** Steps passed and failed so far. */
export const tally = { passed: 0, failed: 0 };
/** @type {string[]} */
export const problems = [];

// ------------------------------------------------------------------ helpers

export class Failure extends Error {}

export function fail(message) {
  throw new Failure(message);
}

export async function step(name, fn) {
  const started = Date.now();
  try {
    await fn();
    tally.passed += 1;
    console.log(`  ✓ ${name} (${Date.now() - started} ms)`);
  } catch (err) {
    tally.failed += 1;
    console.log(`  ✗ ${name}`);
    throw err;
  }
}

export function escapeRe(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Message bubbles whose text is exactly `text`. */
export function bubbles(scope, text) {
  return scope.locator('[data-testid="message"] .text').filter({ hasText: new RegExp(`^${escapeRe(text)}$`) });
}

export async function waitFor(what, check, timeout = T) {
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

export async function expectCount(locator, n, what, timeout = LIVE) {
  await waitFor(`${what} (expected ${n})`, async () => {
    const c = await locator.count();
    return c === n ? true : `count ${c}`;
  }, timeout);
}

export async function visible(locator, what, timeout = T) {
  try {
    await locator.first().waitFor({ state: 'visible', timeout });
  } catch {
    fail(`${what} did not become visible within ${timeout} ms`);
  }
}

export async function hidden(locator, what, timeout = T) {
  try {
    await locator.first().waitFor({ state: 'hidden', timeout });
  } catch {
    fail(`${what} did not disappear within ${timeout} ms`);
  }
}

/** The texts of all message bubbles in order, to check ordering. */
export async function texts(scope) {
  return scope.locator('[data-testid="message"] .text').allTextContents();
}

export function assertOrder(list, expected, side) {
  let at = -1;
  for (const text of expected) {
    const i = list.indexOf(text, at + 1);
    if (i === -1) fail(`${side}: "${text}" missing or out of order; thread is ${JSON.stringify(list.slice(-12))}`);
    at = i;
  }
}

export async function shot(page, name) {
  await page.waitForTimeout(250); // let transitions settle; screenshots only
  await page.screenshot({ path: path.join(shotsDir, `${name}.png`) });
}

export function freePort() {
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
export function guard(page, label) {
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

export function widget(page) {
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

export function inbox(page) {
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

export async function login(page, base, who = AGENT) {
  await page.goto(`${base}/login`);
  await page.locator('input[name="email"]').fill(who.email);
  await page.locator('input[name="password"]').fill(who.password);
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/login'), { timeout: T }).catch(() => {}), page.locator('button[type="submit"]').click()]);
  await visible(page.locator('[data-testid="status-tab-open"]'), 'the inbox after signing in');
}
