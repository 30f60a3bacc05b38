// @ts-check
/**
 * One resilient WebSocket to Parlor's `/ws` (see docs/realtime.md).
 *
 * - The first frame authenticates; `auth()` is called on every (re)connect so it
 *   always carries the caller's current `since` cursor, which makes the server
 *   replay exactly what was missed.
 * - Reconnects with exponential backoff (0.5 s → 10 s) plus jitter, so a server
 *   restart is not met by every client at the same instant.
 * - Pings every 25 s: proxies drop idle sockets and we want to notice a dead link.
 * - `dropConnection(ms)` is the test hook behind `window.parlorDebug`.
 */

/** @typedef {'connecting' | 'online' | 'offline'} LinkState */

/**
 * @typedef {object} RealtimeOptions
 * @property {() => Record<string, unknown>} auth  builds the authenticate frame
 * @property {(frame: {event: string, data?: any, seq?: number}) => void} onEvent
 * @property {(data: any) => void} [onAuthenticated]
 * @property {(state: LinkState, closeCode?: number) => void} [onState]
 */

const PING_MS = 25_000;
const MIN_BACKOFF = 500;
const MAX_BACKOFF = 10_000;

export class Realtime {
  /** @param {RealtimeOptions} opts */
  constructor(opts) {
    this.opts = opts;
    this.url = location.origin.replace(/^http/, 'ws') + '/ws';
    /** @type {WebSocket | null} */
    this.ws = null;
    this.attempt = 0;
    this.suppressedUntil = 0;
    this.running = false;
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.retryTimer = undefined;
    /** @type {ReturnType<typeof setInterval> | undefined} */
    this.pingTimer = undefined;
    /** @type {LinkState} */
    this.state = 'offline';
    // Coming back online is the best moment to retry; don't wait for the backoff.
    addEventListener('online', () => this.reconnectSoon(0));
  }

  start() {
    if (this.running) return;
    this.running = true;
    this.connect();
  }

  /** Stop for good (until start/restart), e.g. when the credentials are gone. */
  stop() {
    this.running = false;
    clearTimeout(this.retryTimer);
    this.closeSocket();
  }

  /** Reconnect now, e.g. after new credentials exist. */
  restart() {
    this.running = true;
    this.closeSocket();
    this.connect();
  }

  /**
   * Close the socket and refuse to reconnect for `ms` (e2e hook).
   * @param {number} ms
   */
  dropConnection(ms) {
    this.suppressedUntil = Date.now() + ms;
    this.closeSocket();
    this.setState('offline');
    this.reconnectSoon(ms);
  }

  /** @param {LinkState} state @param {number} [code] */
  setState(state, code) {
    this.state = state;
    this.opts.onState?.(state, code);
  }

  closeSocket() {
    clearInterval(this.pingTimer);
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
      try {
        ws.close(1000);
      } catch {
        /* already closed */
      }
    }
  }

  connect() {
    clearTimeout(this.retryTimer);
    if (!this.running || this.ws) return;
    const wait = this.suppressedUntil - Date.now();
    if (wait > 0) {
      this.reconnectSoon(wait);
      return;
    }
    this.setState('connecting');
    let ws;
    try {
      ws = new WebSocket(this.url);
    } catch {
      this.scheduleRetry();
      return;
    }
    this.ws = ws;
    ws.onopen = () => ws.send(JSON.stringify(this.opts.auth()));
    ws.onmessage = (ev) => {
      let frame;
      try {
        frame = JSON.parse(String(ev.data));
      } catch {
        return;
      }
      if (!frame || typeof frame.event !== 'string') return;
      if (frame.event === 'authenticated') {
        this.attempt = 0;
        this.setState('online');
        clearInterval(this.pingTimer);
        this.pingTimer = setInterval(() => this.send({ event: 'ping' }), PING_MS);
        this.opts.onAuthenticated?.(frame.data);
        return;
      }
      if (frame.event === 'pong') return;
      this.opts.onEvent(frame);
    };
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      clearInterval(this.pingTimer);
      this.setState('offline', ev.code);
      this.scheduleRetry();
    };
    // onerror is always followed by onclose, which does the work.
    ws.onerror = () => {};
  }

  /** @param {unknown} frame */
  send(frame) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(frame));
  }

  scheduleRetry() {
    const base = Math.min(MAX_BACKOFF, MIN_BACKOFF * 2 ** this.attempt);
    this.attempt += 1;
    // "Equal jitter": half fixed, half random.
    this.reconnectSoon(base / 2 + Math.random() * (base / 2));
  }

  /** @param {number} ms */
  reconnectSoon(ms) {
    if (!this.running || this.ws) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.connect(), Math.max(ms, this.suppressedUntil - Date.now(), 0));
  }
}

/**
 * Tracks the highest `seq` seen per key (conversation id for visitors, "account"
 * for agents) and answers whether a frame is new.
 */
export class Cursors {
  /** @param {Record<string, number>} [initial] */
  constructor(initial = {}) {
    /** @type {Record<string, number>} */
    this.map = { ...initial };
  }

  /**
   * Record `seq` for `key`; false when it is not above the cursor (already seen).
   * @param {string | number} key
   * @param {number | null | undefined} seq
   */
  accept(key, seq) {
    if (typeof seq !== 'number') return true;
    const k = String(key);
    if (k in this.map && seq <= this.map[k]) return false;
    this.map[k] = seq;
    return true;
  }

  /**
   * Move the cursor forward (never back), e.g. from a REST answer.
   * @param {string | number} key
   * @param {number | null | undefined} seq
   */
  bump(key, seq) {
    if (typeof seq !== 'number') return;
    const k = String(key);
    if (!(k in this.map) || seq > this.map[k]) this.map[k] = seq;
  }

  /** @param {string | number} key */
  get(key) {
    return this.map[String(key)];
  }
}
