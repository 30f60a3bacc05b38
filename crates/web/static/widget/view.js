// @ts-check
/**
 * The widget's DOM: built once, then updated in place. Message nodes are cached
 * by a signature (id + everything that changes how they look), so an update
 * only creates nodes for what actually changed and focus/scroll stay calm.
 */

import { activityText, avatar, h, icon, linkify } from '../shared/lib.js';

/**
 * @typedef {import('./api.js').Message} Message
 * @typedef {{m: Message, pending?: boolean, failed?: boolean}} Entry
 * @typedef {ReturnType<typeof import('./i18n.js').translator>} T
 * @typedef {ReturnType<typeof import('../shared/lib.js').makeFormatters>} Fmt
 */

/**
 * Build the static panel.
 * @param {T} t
 * @param {{title: string, tagline: string, inboxName: string, standalone: boolean}} cfg
 */
export function buildPanel(t, cfg) {
  const title = h('h1', { class: 'head-title', id: 'head-title', text: cfg.inboxName });
  const sub = h('p', { class: 'head-sub', text: t('replies') });
  const headAvatar = h('span', { class: 'head-avatar' }, icon('chat', 'icon head-logo'));
  const close = h(
    'button',
    { type: 'button', class: 'head-close', 'aria-label': t('close'), title: t('close'), 'data-testid': 'widget-close' },
    icon('close'),
  );
  if (cfg.standalone) close.hidden = true;

  const status = h('div', { class: 'linkbar', role: 'status', 'data-testid': 'widget-offline', hidden: true }, icon('wifiOff'), h('span', { text: t('offline') }));

  const welcome = h(
    'section',
    { class: 'welcome' },
    h('h2', { class: 'welcome-title', text: cfg.title || t('defaultTitle') }),
    h('p', { class: 'welcome-tagline', text: cfg.tagline || t('defaultTagline') }),
  );
  const thread = h('ol', { class: 'thread', 'aria-label': t('thread') });
  const scroll = h('main', { class: 'scroll', tabindex: '-1' }, welcome, thread);

  const typingText = h('span', { class: 'typing-text' });
  const typing = h(
    'div',
    { class: 'typing', 'data-testid': 'agent-typing', hidden: true },
    h('span', { class: 'dots', 'aria-hidden': 'true' }, h('i'), h('i'), h('i')),
    typingText,
  );

  const startNew = h('button', { type: 'button', class: 'btn-primary', 'data-testid': 'start-new-conversation', text: t('startNew') });
  const ended = h(
    'div',
    { class: 'ended', 'data-testid': 'conversation-ended', hidden: true },
    h('p', { class: 'ended-title', text: t('ended') }),
    h('p', { class: 'ended-hint', text: t('endedHint') }),
    startNew,
  );

  const input = /** @type {HTMLTextAreaElement} */ (
    h('textarea', {
      class: 'input',
      rows: '1',
      maxlength: '150000',
      placeholder: t('placeholder'),
      'aria-label': t('placeholder'),
      'data-testid': 'widget-input',
      enterkeyhint: 'send',
    })
  );
  const send = h('button', { type: 'submit', class: 'send', 'aria-label': t('send'), title: t('send'), 'data-testid': 'widget-send', disabled: true }, icon('send'));
  const composer = h('form', { class: 'composer', novalidate: true }, input, send);
  const brand = h('p', { class: 'brand', text: t('poweredBy') });
  const announcer = h('div', { class: 'sr-only', 'aria-live': 'polite', 'aria-atomic': 'true' });

  const panel = h(
    'div',
    { class: 'panel', role: 'dialog', 'aria-labelledby': 'head-title' },
    h('header', { class: 'head' }, headAvatar, h('div', { class: 'head-text' }, title, sub), close),
    status,
    scroll,
    typing,
    ended,
    composer,
    brand,
    announcer,
  );
  return { panel, title, sub, headAvatar, close, status, scroll, thread, typing, typingText, ended, startNew, composer, input, send, announcer, welcome };
}

/** @type {Map<string, HTMLElement>} */
const nodeCache = new Map();

/**
 * Render the thread. Visitor (message_type 0) right in the accent colour, team
 * left and neutral, activity lines centred.
 * @param {HTMLElement} list
 * @param {Entry[]} entries in display order
 * @param {T} t
 * @param {Fmt} fmt
 */
export function renderThread(list, entries, t, fmt) {
  /** @type {HTMLElement[]} */
  const nodes = [];
  const used = new Set();
  let lastDay = -1;
  const lastMine = findLastIndex(entries, (e) => e.m.message_type === 0);
  entries.forEach((e, i) => {
    const m = e.m;
    const day = fmt.dayKey(m.created_at);
    if (day !== lastDay) {
      lastDay = day;
      const key = `day:${day}:${fmt.day(m.created_at)}`;
      nodes.push(cached(key, used, () => h('li', { class: 'day' }, h('span', { text: fmt.day(m.created_at) }))));
    }
    const prev = entries[i - 1]?.m;
    const next = entries[i + 1]?.m;
    const first = !prev || !sameRun(prev, m);
    const last = !next || !sameRun(m, next);
    const state = e.failed ? 'failed' : e.pending ? 'pending' : 'sent';
    const showStatus = m.message_type === 0 && i === lastMine;
    const key = [m.id ?? '', m.echo_id ?? '', state, first, last, showStatus, m.content ?? '', m.sender?.name ?? ''].join('|');
    nodes.push(cached(key, used, () => buildMessage(e, { first, last, showStatus, state }, t, fmt)));
  });
  for (const k of nodeCache.keys()) if (!used.has(k)) nodeCache.delete(k);
  list.replaceChildren(...nodes);
}

/**
 * @template T
 * @param {T[]} arr @param {(x: T) => boolean} pred
 */
function findLastIndex(arr, pred) {
  for (let i = arr.length - 1; i >= 0; i--) if (pred(arr[i])) return i;
  return -1;
}

/** @param {string} key @param {Set<string>} used @param {() => HTMLElement} build */
function cached(key, used, build) {
  used.add(key);
  let node = nodeCache.get(key);
  if (!node) {
    node = build();
    nodeCache.set(key, node);
  }
  return node;
}

/**
 * Two messages belong to one visual run when the same side wrote them within 5 min.
 * @param {Message} a @param {Message} b
 */
function sameRun(a, b) {
  if (a.message_type === 2 || b.message_type === 2) return false;
  if (a.message_type !== b.message_type) return false;
  if (a.message_type === 1 && (a.sender?.id ?? null) !== (b.sender?.id ?? null)) return false;
  return Math.abs(b.created_at - a.created_at) < 300;
}

/**
 * @param {Entry} e
 * @param {{first: boolean, last: boolean, showStatus: boolean, state: string}} pos
 * @param {T} t @param {Fmt} fmt
 */
function buildMessage(e, pos, t, fmt) {
  const m = e.m;
  const common = {
    'data-testid': 'message',
    'data-message-id': m.id ?? null,
    'data-echo-id': m.echo_id ?? null,
    'data-status': pos.state,
  };
  if (m.message_type === 2) {
    return h('li', { ...common, class: 'activity' }, h('span', { class: 'text', title: fmt.full(m.created_at), text: activityText(m, t) }));
  }
  const mine = m.message_type === 0;
  const name = mine ? t('you') : m.sender?.name || t('team');
  const cls = ['msg', mine ? 'mine' : 'theirs', pos.first ? 'first' : '', pos.last ? 'last' : '', `is-${pos.state}`].filter(Boolean).join(' ');
  const text = h('p', { class: 'text' });
  text.appendChild(linkify(m.content ?? ''));
  const bubble = h('div', { class: 'bubble', title: fmt.full(m.created_at) }, h('span', { class: 'sr-only', text: `${name}: ` }), text);
  const row = h('li', { ...common, class: cls });
  if (!mine) {
    if (pos.first) row.appendChild(h('span', { class: 'msg-name', 'aria-hidden': 'true', text: name }));
    const gutter = h('span', { class: 'gutter' });
    if (pos.first) gutter.appendChild(avatar(name, 'avatar small'));
    row.appendChild(h('div', { class: 'msg-line' }, gutter, bubble));
  } else {
    row.appendChild(bubble);
  }
  if (pos.last || pos.showStatus || pos.state !== 'sent') {
    const meta = h('span', { class: 'meta' });
    if (mine && pos.state === 'pending') meta.append(icon('clock', 'icon tiny'), t('sending'));
    else if (mine && pos.state === 'failed') meta.append(t('failed'));
    else {
      meta.append(fmt.time(m.created_at));
      if (mine && pos.showStatus) meta.append(' · ', icon('check', 'icon tiny'), t('sent'));
    }
    row.appendChild(meta);
  }
  return row;
}
