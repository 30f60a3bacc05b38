// @ts-check
/**
 * Small DOM helpers shared by the inbox and the widget frame.
 *
 * Everything user-controlled goes through textContent or setAttribute here;
 * nothing in Parlor's browser code ever assigns innerHTML. That single rule is
 * what keeps a visitor's `<img onerror=…>` a harmless string.
 */

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
 * An initials avatar. The colour is passed as a CSS custom property (allowed by
 * CSP, unlike a style attribute).
 * @param {string | null | undefined} name
 * @param {string} [cls]
 */
export function avatar(name, cls = 'avatar') {
  const node = h('span', { class: cls, 'aria-hidden': 'true', text: initials(name) });
  node.style.setProperty('--hue', String(hueFor(name)));
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
