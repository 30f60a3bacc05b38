// @ts-check
/**
 * The browser code the inbox and the widget frame share, in one module so a
 * page loads it with one request: DOM helpers, dates and times, strings and
 * activity lines, HTTP and its retry policy, the timeline, the outbox and the
 * realtime client. Sections below, each with its own notes.
 */

// ----------------------------------------------------------------------- DOM
//
// Small DOM helpers shared by the inbox and the widget frame.
//
// Everything user-controlled goes through textContent or setAttribute here;
// nothing in Parlor's browser code ever assigns innerHTML. That single rule is
// what keeps a visitor's `<img onerror=…>` a harmless string.

/**
 * @typedef {{[key: string]: string | number | boolean | null | undefined | EventListener}} Attrs
 * Attribute values are set with setAttribute (false/null/undefined skip the
 * attribute, true sets it empty); `text` sets textContent; `on<event>` adds a
 * listener (never an inline handler attribute, CSP forbids those).
 */

/**
 * Create an element.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Attrs} [attrs]
 * @param {...(Node | string | null | undefined | false)} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'text') node.textContent = String(value);
    else if (key.startsWith('on') && typeof value === 'function') node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  append(node, children);
  return node;
}

/**
 * @param {Node} parent
 * @param {Array<Node | string | null | undefined | false>} children
 */
function append(parent, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
  }
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** Icon paths (24×24, stroke based). Constants only: no user data ever reaches here. */
const ICONS = {
  send: 'M4 12l16-8-6 16-2.5-6.5L4 12z',
  close: 'M6 6l12 12M18 6L6 18',
  back: 'M15 5l-7 7 7 7',
  lock: 'M7 11V8a5 5 0 0110 0v3M6 11h12v9H6z',
  check: 'M5 12.5l4.5 4.5L19 7.5',
  clock: 'M12 7v5l3 2M12 21a9 9 0 100-18 9 9 0 000 18z',
  info: 'M12 11v6M12 7.5v.5M12 21a9 9 0 100-18 9 9 0 000 18z',
  chat: 'M5 5h14a2 2 0 012 2v8a2 2 0 01-2 2h-7l-5 4v-4H5a2 2 0 01-2-2V7a2 2 0 012-2z',
  user: 'M12 12a4 4 0 100-8 4 4 0 000 8zM4 21c1-4 4.5-6 8-6s7 2 8 6',
  globe: 'M12 21a9 9 0 100-18 9 9 0 000 18zM3 12h18M12 3c3 3.5 3 14.5 0 18M12 3c-3 3.5-3 14.5 0 18',
  link: 'M10 14a4 4 0 005.7 0l3-3a4 4 0 00-5.7-5.7l-1 1M14 10a4 4 0 00-5.7 0l-3 3a4 4 0 005.7 5.7l1-1',
  reopen: 'M4 12a8 8 0 108-8H8M8 4L5 7l3 3',
  resolve: 'M5 12.5l4.5 4.5L19 7.5',
  inbox: 'M3 13l3-8h12l3 8v6H3zM3 13h5l1 3h6l1-3h5',
  keyboard: 'M3 7h18v10H3zM7 11h.01M11 11h.01M15 11h.01M7 14h10',
  wifiOff: 'M3 3l18 18M8.5 16.5a5 5 0 017 0M5 12.5a10 10 0 015.5-2.8M19 12.5a10 10 0 00-2.4-1.7M12 20h.01',
  logout: 'M15 4h4v16h-4M10 8l-4 4 4 4M6 12h11',
  comment: 'M4 5h16v11H8l-4 4z',
  down: 'M12 5v14M6 13l6 6 6-6',
  copy: 'M9 9h11v11H9zM5 15H4V4h11v1',
  tag: 'M3 12V4h8l10 10-8 8zM7.5 7.5h.01',
};

/**
 * An inline SVG icon, decorative (aria-hidden) unless a label is given.
 * @param {keyof typeof ICONS} name
 * @param {string} [cls]
 * @returns {SVGSVGElement}
 */
export function icon(name, cls = 'icon') {
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('class', cls);
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  const path = document.createElementNS(SVG_NS, 'path');
  path.setAttribute('d', ICONS[name]);
  svg.appendChild(path);
  return svg;
}

// URLs are matched conservatively; trailing punctuation belongs to the sentence.
const URL_RE = /\bhttps?:\/\/[^\s<>"'`]+/gi;
const TRAILING = /[.,;:!?)\]}'"»]+$/;

/**
 * Turn message text into text nodes plus <a> elements for http(s) URLs.
 * Newlines are kept by CSS (white-space: pre-wrap), not by <br>.
 * @param {string} text
 * @returns {DocumentFragment}
 */
export function linkify(text) {
  const frag = document.createDocumentFragment();
  let last = 0;
  for (const match of text.matchAll(URL_RE)) {
    let url = match[0];
    const trail = url.match(TRAILING);
    if (trail) url = url.slice(0, url.length - trail[0].length);
    const start = match.index ?? 0;
    if (start > last) frag.appendChild(document.createTextNode(text.slice(last, start)));
    frag.appendChild(safeLink(url, url) ?? document.createTextNode(url));
    last = start + url.length;
  }
  if (last < text.length) frag.appendChild(document.createTextNode(text.slice(last)));
  return frag;
}

/**
 * An <a> to an http(s) URL only (never javascript:, data:, …), opened in a new tab
 * without giving the target page a handle on us.
 * @param {string} href
 * @param {string} label
 * @returns {HTMLAnchorElement | null}
 */
export function safeLink(href, label) {
  let url;
  try {
    url = new URL(href);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  return h('a', { href: url.href, target: '_blank', rel: 'noopener noreferrer nofollow', text: label });
}

/**
 * Up to two initials for an avatar ("Anna Agent" → "AA", "Visitor #5" → "V5").
 * @param {string | null | undefined} name
 */
export function initials(name) {
  const words = String(name || '?').trim().split(/\s+/).filter(Boolean);
  const letters = words.slice(0, 2).map((w) => Array.from(w.replace(/^[#@]/, ''))[0] || '');
  return letters.join('').toUpperCase() || '?';
}

/**
 * A stable hue for a name, so one person keeps one avatar colour everywhere.
 * @param {string | null | undefined} name
 */
export function hueFor(name) {
  let hash = 0;
  for (const ch of String(name || '')) hash = (hash * 31 + (ch.codePointAt(0) ?? 0)) | 0;
  return Math.abs(hash) % 360;
}

/**
 * An avatar: the photo when there is one (only Parlor's own `/blobs/` URLs),
 * else initials. The colour is passed as a CSS custom property (allowed by
 * CSP, unlike a style attribute).
 * @param {string | null | undefined} name
 * @param {string} [cls]
 * @param {string | null} [photo]
 */
export function avatar(name, cls = 'avatar', photo = null) {
  const node = h('span', { class: cls, 'aria-hidden': 'true', text: initials(name) });
  node.style.setProperty('--hue', String(hueFor(name)));
  if (photo && photo.startsWith('/blobs/')) {
    const img = h('img', { src: photo, alt: '', loading: 'lazy', decoding: 'async' });
    // A photo that fails to load leaves the initials.
    img.addEventListener('error', () => img.remove());
    node.appendChild(img);
    node.classList.add('has-photo');
  }
  return node;
}

/** A random UUID, also where crypto.randomUUID is missing (plain-http origins). */
export function uuid() {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * localStorage that never throws (Safari private mode, blocked third-party storage).
 */
export const store = {
  /** @param {string} key */
  get(key) {
    try {
      const raw = localStorage.getItem(key);
      return raw ? JSON.parse(raw) : null;
    } catch {
      return null;
    }
  },
  /** @param {string} key @param {unknown} value */
  set(key, value) {
    try {
      if (value === null || value === undefined) localStorage.removeItem(key);
      else localStorage.setItem(key, JSON.stringify(value));
    } catch {
      /* storage full or blocked: the app keeps working from memory */
    }
  },
};

// ----------------------------------------------------------- dates and times
//
// Date and time formatting with Intl, in the viewer's locale and time zone.
// The API sends Unix seconds.

/**
 * Pick the locale for Intl: the UI language, refined by the browser's own
 * locale when it is a variant of the same language (en-GB keeps its date order).
 * @param {string} lang "en" | "de"
 */
export function pickLocale(lang) {
  const prefs = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language];
  return prefs.find((l) => l && l.toLowerCase().startsWith(lang)) || lang;
}

/** @param {number} seconds */
export const toDate = (seconds) => new Date(seconds * 1000);

/**
 * @param {string} locale
 */
export function makeFormatters(locale) {
  const time = new Intl.DateTimeFormat(locale, { hour: 'numeric', minute: '2-digit' });
  const full = new Intl.DateTimeFormat(locale, { dateStyle: 'full', timeStyle: 'short' });
  const day = new Intl.DateTimeFormat(locale, { weekday: 'long', day: 'numeric', month: 'long' });
  const dayYear = new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'long', year: 'numeric' });
  const weekday = new Intl.DateTimeFormat(locale, { weekday: 'short' });
  const short = new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short' });
  const rel = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
  const minutes = new Intl.NumberFormat(locale, { style: 'unit', unit: 'minute', unitDisplay: 'short' });
  const hours = new Intl.NumberFormat(locale, { style: 'unit', unit: 'hour', unitDisplay: 'short' });

  /** @param {Date} d */
  const startOfDay = (d) => new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();

  return {
    /** "14:05" or "2:05 PM" */
    time: (/** @type {number} */ s) => time.format(toDate(s)),
    /** Full date for tooltips. */
    full: (/** @type {number} */ s) => full.format(toDate(s)),
    /** Day separator label: "Today", "Yesterday", "Monday, 3 March". */
    day(/** @type {number} */ s) {
      const d = toDate(s);
      const diff = Math.round((startOfDay(new Date()) - startOfDay(d)) / 86400000);
      if (diff === 0 || diff === 1) {
        const text = rel.format(-diff, 'day');
        return text.charAt(0).toUpperCase() + text.slice(1);
      }
      return d.getFullYear() === new Date().getFullYear() ? day.format(d) : dayYear.format(d);
    },
    /** Key that changes with the calendar day, for day separators. */
    dayKey: (/** @type {number} */ s) => startOfDay(toDate(s)),
    /**
     * Compact relative time for list rows: "now", "2 min", "3 hr", "Mon", "3 Mar".
     * @param {number} s
     * @param {string} nowLabel
     */
    ago(s, nowLabel) {
      const secs = Date.now() / 1000 - s;
      if (secs < 60) return nowLabel;
      if (secs < 3600) return minutes.format(Math.floor(secs / 60));
      if (secs < 86400) return hours.format(Math.floor(secs / 3600));
      if (secs < 6 * 86400) return weekday.format(toDate(s));
      return short.format(toDate(s));
    },
  };
}

// ------------------------------------------------------------------ strings
//
// The page's part of the language catalogue (crates/i18n) arrives in a JSON data
// block, in the page's language; `{name}` placeholders are filled as the server
// fills them.

/**
 * @typedef {((key: string, vars?: Record<string, string | number>) => string) & {has: (key: string) => boolean}} T
 */

/**
 * @param {Record<string, string>} strings
 * @returns {T}
 */
export function makeT(strings) {
  /** @param {string} key @param {Record<string, string | number>} [vars] */
  const t = (key, vars = {}) => (strings[key] ?? key).replace(/\{(\w+)\}/g, (_, k) => String(vars[k] ?? ''));
  return Object.assign(t, { has: (/** @type {string} */ key) => key in strings });
}

/**
 * An activity line ("closed by Anna") in the viewer's language, from its kind
 * (content_attributes.activity); the server's English text for a kind this
 * page's catalogue lacks.
 * @param {{content?: string|null, content_attributes?: Record<string, unknown>}} m
 * @param {T} t
 * @returns {string}
 */
export function activityText(m, t) {
  const a = m.content_attributes || {};
  const key = `activity.${a.activity}`;
  if (typeof a.activity !== 'string' || !t.has(key)) return m.content ?? '';
  return t(key, { actor: String(a.actor_name ?? ''), assignee: String(a.assignee_name ?? ''), conversation: String(a.conversation_display_id ?? '') });
}

// --------------------------------------------------------------------- HTTP
//
// One fetch wrapper for both APIs: JSON in and out, never cached, and every
// failure an HttpError with the API's `code` (status 0 = the network failed).

/** An HTTP answer that was not 2xx. `status` 0 means the network failed. */
export class HttpError extends Error {
  /** @param {number} status @param {string} code @param {string} message @param {any} [body] the error's JSON */
  constructor(status, code, message, body) {
    super(message || code || `HTTP ${status}`);
    this.status = status;
    this.code = code;
    this.body = body;
  }
}

/**
 * @param {string} method
 * @param {string} url
 * @param {unknown} body
 * @param {{credentials: RequestCredentials, onUnauthorized?: () => void}} opts
 */
export async function request(method, url, body, opts) {
  /** @type {Record<string, string>} */
  const headers = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res;
  try {
    res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: opts.credentials, cache: 'no-store' });
  } catch (err) {
    throw new HttpError(0, 'network', String(err));
  }
  if (res.status === 401 && opts.onUnauthorized) opts.onUnauthorized();
  const text = await res.text().catch(() => '');
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON: an error page of a proxy */
  }
  if (!res.ok) throw new HttpError(res.status, json?.code ?? '', json?.message ?? '', json);
  return json;
}

/**
 * What to tell the user about a failure: the catalogue's text for its code,
 * else `fallback` (the API's own messages are English and for developers).
 * @param {unknown} err @param {T} t @param {string} fallback a catalogue key
 */
export function errorText(err, t, fallback) {
  const code = err instanceof HttpError ? (err.status === 0 ? 'network' : err.code) : '';
  return code && t.has(`error.${code}`) ? t(`error.${code}`) : t(fallback);
}

/**
 * The retry policy of sending: network trouble, timeouts, overload and server
 * errors are worth another try; any other 4xx will fail the same way again.
 * @param {unknown} err
 */
export function isPermanent(err) {
  return err instanceof HttpError && err.status >= 400 && err.status < 500 && err.status !== 408 && err.status !== 429;
}

// ----------------------------------------------------------------- timeline
//
// A thread as a list: day separators, runs of one sender (one name and avatar
// for messages written close together), and nodes kept by a signature of what
// changes how they look, so an update creates nodes only for what changed and
// focus and scroll stay calm.

/**
 * @typedef {{message_type: number, private?: boolean, created_at: number, sender?: {id: number} | null}} RunMessage
 * @typedef {{first: boolean, last: boolean}} RunPos
 */

/**
 * Two messages are one run when one side wrote them within 5 minutes on one
 * day (one agent, for the team's side); activity lines and comments stand alone.
 * @param {RunMessage} a @param {RunMessage} b @param {(s: number) => number} dayKey
 */
function sameRun(a, b, dayKey) {
  if (a.message_type === 2 || b.message_type === 2 || a.private || b.private) return false;
  if (a.message_type !== b.message_type) return false;
  if (a.message_type === 1 && (a.sender?.id ?? null) !== (b.sender?.id ?? null)) return false;
  return Math.abs(b.created_at - a.created_at) < 300 && dayKey(a.created_at) === dayKey(b.created_at);
}

/** @template E */
export class Timeline {
  /**
   * @param {HTMLElement} list the `<ol>` to fill
   * @param {object} view
   * @param {(e: E) => RunMessage} view.message
   * @param {(e: E, pos: RunPos, i: number) => string} view.key what changes how `e` looks
   * @param {(e: E, pos: RunPos, i: number) => HTMLElement} view.build
   * @param {(label: string) => HTMLElement} view.day a day separator
   * @param {{dayKey: (s: number) => number, day: (s: number) => string}} fmt
   */
  constructor(list, view, fmt) {
    this.list = list;
    this.view = view;
    this.fmt = fmt;
    /** @type {Map<string, HTMLElement>} */
    this.cache = new Map();
  }

  /** @param {E[]} entries in display order */
  render(entries) {
    const { view, fmt } = this;
    /** @type {HTMLElement[]} */
    const nodes = [];
    const used = new Set();
    /** @param {string} key @param {() => HTMLElement} build */
    const take = (key, build) => {
      used.add(key);
      let node = this.cache.get(key);
      if (!node) this.cache.set(key, (node = build()));
      return node;
    };
    let lastDay = -1;
    entries.forEach((e, i) => {
      const m = view.message(e);
      const day = fmt.dayKey(m.created_at);
      if (day !== lastDay) {
        lastDay = day;
        const label = fmt.day(m.created_at);
        nodes.push(take(`day|${day}|${label}`, () => view.day(label)));
      }
      const prev = i > 0 ? view.message(entries[i - 1]) : null;
      const next = i + 1 < entries.length ? view.message(entries[i + 1]) : null;
      const pos = { first: !prev || !sameRun(prev, m, fmt.dayKey), last: !next || !sameRun(m, next, fmt.dayKey) };
      nodes.push(take(`m|${pos.first}|${pos.last}|${view.key(e, pos, i)}`, () => view.build(e, pos, i)));
    });
    for (const k of this.cache.keys()) if (!used.has(k)) this.cache.delete(k);
    this.list.replaceChildren(...nodes);
  }
}

// -------------------------------------------------------------- stick to end
//
// A thread follows its newest line while the reader is at the end. Whether the
// reader is there is decided by their own scrolling, never measured after new
// lines are in: a tall message would otherwise look as if the reader had
// scrolled away, and every later line would stop scrolling too.

/** How close to the end still counts as "at the end", in pixels. */
const AT_END = 48;

export class StickyScroll {
  /**
   * @param {HTMLElement} scroller the scrolling element
   * @param {HTMLElement} content what grows inside it (watched for size changes)
   * @param {HTMLButtonElement} button "New messages", shown while away from the end
   */
  constructor(scroller, content, button) {
    this.s = scroller;
    this.button = button;
    this.pinned = true;
    /** Where the last scroll event or jump left the scroller. */
    this.top = scroller.scrollTop;
    button.hidden = true;
    scroller.addEventListener(
      'scroll',
      () => {
        this.top = this.s.scrollTop;
        this.pinned = this.atEnd();
        if (this.pinned) this.button.hidden = true;
      },
      { passive: true },
    );
    button.addEventListener('click', () => this.toEnd());
    // A growing composer, a status line, a late font or image: stay at the end.
    const follow = new ResizeObserver(() => this.following() && this.jump());
    follow.observe(scroller);
    follow.observe(content);
  }

  atEnd() {
    return this.s.scrollHeight - this.s.scrollTop - this.s.clientHeight < AT_END;
  }

  /**
   * Whether the reader follows the end. A scroll whose event has not arrived
   * yet (the reader moved, then a resize or a message came first) counts:
   * then where they are now decides, not where they were.
   */
  following() {
    if (Math.abs(this.s.scrollTop - this.top) > 1) {
      this.top = this.s.scrollTop;
      this.pinned = this.atEnd();
    }
    return this.pinned;
  }

  jump() {
    this.s.scrollTop = this.s.scrollHeight;
    this.top = this.s.scrollTop;
  }

  /** To the end and following again (a thread opened, the reader sent something). */
  toEnd() {
    this.pinned = true;
    this.button.hidden = true;
    this.jump();
  }

  /**
   * After lines were added: follow them at the end; elsewhere, offer the
   * button when someone else wrote (`news`).
   * @param {boolean} news
   */
  update(news) {
    if (this.following()) this.jump();
    else if (news) this.button.hidden = false;
  }
}

// -------------------------------------------------------------------- outbox
//
// A persistent, ordered outbox for messages.
//
// Every message the user writes is stored in localStorage with its echo_id before
// anything is sent, shown at once as "sending", and POSTed strictly one after the
// other until the server accepts it. The server dedupes by echo_id, so sending the
// same item again after an unclear failure (timeout, dropped link) is safe. After a
// reload, whatever is left is sent. That is how messages typed while offline
// arrive once and in order.

/**
 * @typedef {object} OutboxItem
 * @property {string} echo_id
 * @property {string} content
 * @property {number | null} conversation_id
 * @property {number} created_at  Unix seconds, for display while pending
 * @property {boolean} [private]
 */

/** Thrown by a sender for a failure that retrying will not fix (e.g. 422). */
export class PermanentError extends Error {}

const RETRY_MIN = 500;
const RETRY_MAX = 5_000;

export class Outbox {
  /**
   * @param {string} key localStorage key
   * @param {(item: OutboxItem) => Promise<unknown>} send resolves when stored
   * @param {object} hooks
   * @param {(item: OutboxItem, result: unknown) => void} hooks.onSent
   * @param {(item: OutboxItem, error: unknown) => void} hooks.onFailed
   * @param {() => void} hooks.onChange any change of the pending list
   */
  constructor(key, send, hooks) {
    this.key = key;
    this.send = send;
    this.hooks = hooks;
    this.busy = false;
    this.attempt = 0;
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.timer = undefined;
    addEventListener('online', () => this.kick());
    // Another tab of the same visitor/agent changed the outbox.
    addEventListener('storage', (e) => {
      if (e.key === this.key) this.hooks.onChange();
    });
  }

  /** @returns {OutboxItem[]} */
  items() {
    const list = store.get(this.key);
    return Array.isArray(list) ? list : [];
  }

  /** @param {OutboxItem[]} list */
  save(list) {
    store.set(this.key, list.length ? list : null);
    this.hooks.onChange();
  }

  /** @param {OutboxItem} item */
  add(item) {
    this.save([...this.items(), item]);
    this.kick();
  }

  /** @param {string} echoId */
  remove(echoId) {
    const list = this.items();
    const next = list.filter((i) => i.echo_id !== echoId);
    if (next.length !== list.length) this.save(next);
  }

  /** @param {(item: OutboxItem) => OutboxItem} fn */
  update(fn) {
    this.save(this.items().map(fn));
  }

  /** Send now (cancels a pending backoff wait). */
  kick() {
    clearTimeout(this.timer);
    this.attempt = 0;
    void this.run();
  }

  async run() {
    if (this.busy) return;
    this.busy = true;
    try {
      for (;;) {
        // Re-read each time: the realtime echo or another tab may have removed items.
        const item = this.items()[0];
        if (!item) break;
        try {
          const result = await this.send(item);
          this.remove(item.echo_id);
          this.attempt = 0;
          this.hooks.onSent(item, result);
        } catch (err) {
          if (err instanceof PermanentError) {
            this.remove(item.echo_id);
            this.hooks.onFailed(item, err);
            continue;
          }
          // Network trouble or a 5xx: keep the order, wait, try the same item again.
          const delay = Math.min(RETRY_MAX, RETRY_MIN * 2 ** this.attempt);
          this.attempt += 1;
          this.timer = setTimeout(() => void this.run(), delay);
          break;
        }
      }
    } finally {
      this.busy = false;
    }
  }
}

// ----------------------------------------------------------------- real time
//
// One resilient WebSocket to Parlor's `/ws` (see docs/realtime.md).
//
// - The first frame authenticates; `auth()` is called on every (re)connect so it
//   always carries the caller's current `since` cursor, which makes the server
//   replay exactly what was missed.
// - Reconnects with exponential backoff (0.5 s → 10 s) plus jitter, so a server
//   restart is not met by every client at the same instant.
// - Pings every 25 s: proxies drop idle sockets and we want to notice a dead link.
// - `dropConnection(ms)` is the test hook behind `window.parlorDebug`.

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

/** The close code of a socket whose credential ended (docs/realtime.md). */
export const REVOKED = 4001;

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
      // 4001: the credential ended (signed out, expired, reset). Retrying
      // with it is pointless; the page decides what comes next.
      if (ev.code === REVOKED) this.running = false;
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
