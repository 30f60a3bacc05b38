// @ts-check
/**
 * The chat inside the widget iframe (W2, W4, W7, W10, W11).
 *
 * The server renders the panel (in the visitor's language, in the inbox's
 * colours) and a JSON data block with the inbox settings and the strings this
 * code needs; this module makes the panel live. It talks to the loader on the
 * host page by postMessage (origin-checked both ways), to Parlor's Client API
 * by fetch, and listens on /ws for live events; messages go over /ws while it
 * is authenticated, else by POST. With ../shared/lib.js it is all
 * the code the frame loads.
 */

import { Cursors, HttpError, Outbox, PermanentError, REVOKED, Realtime, StickyScroll, Timeline, activityText, errorText, isPermanent, makeT, request, avatar, h, icon, linkify, makeFormatters, pickLocale, store, uuid } from '../shared/lib.js';

/**
 * @typedef {{source_id: string, pubsub_token: string, contact_id: number}} Identity
 * @typedef {{id: number, content: string|null, message_type: number, content_type?: string,
 *   private?: boolean, created_at: number, conversation_id: number, echo_id?: string|null,
 *   seq?: number, status?: string, sender?: {id: number, name: string, type: string,
 *   avatar_url?: string|null} | null, content_attributes?: Record<string, unknown>}} Message
 * @typedef {{id: number, status: string, messages?: Message[], seq?: number,
 *   meta?: any, assignee?: any, agent_bot?: any, created_at?: number}} Conversation
 * @typedef {{m: Message, pending?: boolean, failed?: boolean, reason?: string}} Entry
 * @typedef {{websiteToken: string, lang: string, inboxName: string, color: string, fg: string,
 *   single?: boolean, avatar?: string, strings: Record<string, string>}} Config
 */

const MAX_LEN = 150000;
const TYPING_THROTTLE = 2000;
const TYPING_IDLE = 3000;
/** The server's largest client frame (docs/realtime.md); longer messages go by POST. */
const MAX_FRAME = 4096;
const ACK_TIMEOUT = 15000;

/** @type {Config} */
const config = JSON.parse(document.getElementById('parlor-config')?.textContent || '{}');
const token = config.websiteToken || '';
const inboxName = config.inboxName || 'Chat';
/** `lock_to_single_conversation`: one unresolved conversation per visitor. */
const single = config.single !== false;
const fmt = makeFormatters(pickLocale(config.lang || 'en'));

/** The strings of the page's language, chosen by the server. */
const t = makeT(config.strings || {});

/** @param {string} id */
const byId = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
const ui = {
  title: byId('head-title'),
  sub: byId('head-sub'),
  headAvatar: byId('head-avatar'),
  close: byId('head-close'),
  toList: byId('head-list'),
  convs: byId('convlist'),
  convItems: byId('conv-items'),
  newConv: byId('new-conversation'),
  status: byId('linkbar'),
  scroll: byId('scroll'),
  welcome: byId('welcome'),
  thread: byId('thread'),
  newMessages: /** @type {HTMLButtonElement} */ (byId('new-messages')),
  typing: byId('typing'),
  typingText: byId('typing-text'),
  ended: byId('ended'),
  startNew: byId('start-new'),
  composer: byId('composer'),
  input: /** @type {HTMLTextAreaElement} */ (byId('input')),
  send: /** @type {HTMLButtonElement} */ (byId('send')),
  announcer: byId('announcer'),
};

const standalone = window.parent === window;
ui.close.hidden = standalone;

// ---------------------------------------------------------------- Client API

/** The Client (public) API, and the visitor's identity kept in this frame's localStorage. */
const api = {
  base: `/public/api/v1/inboxes/${encodeURIComponent(token)}`,
  identityKey: `parlor:identity:${token}`,
  /** @type {Identity | null} */
  identity: null,

  /** @param {string} method @param {string} path @param {unknown} [body] */
  call(method, path, body) {
    return request(method, this.base + path, body, { credentials: 'omit' });
  },

  hasIdentity() {
    return Boolean(this.identity?.source_id);
  },
  /** Forget a contact the server no longer knows. */
  dropIdentity() {
    this.identity = null;
    store.set(this.identityKey, null);
  },
  /** @returns {Promise<Identity>} */
  async ensureIdentity() {
    if (this.identity?.source_id) return this.identity;
    const c = await this.call('POST', '/contacts', {});
    this.identity = { source_id: c.source_id, pubsub_token: c.pubsub_token, contact_id: c.id };
    store.set(this.identityKey, this.identity);
    return this.identity;
  },
  /** @param {string} [rest] */
  contact(rest = '') {
    if (!this.identity) throw new HttpError(401, 'no_identity', '');
    return `/contacts/${encodeURIComponent(this.identity.source_id)}${rest}`;
  },

  /** @returns {Promise<Conversation[]>} */
  async conversations() {
    const list = await this.call('GET', this.contact('/conversations'));
    return Array.isArray(list) ? list : [];
  },
  /** @param {Record<string, string>} attrs additional_attributes (W10 context) @returns {Promise<Conversation>} */
  createConversation(attrs) {
    return this.call('POST', this.contact('/conversations'), { additional_attributes: attrs });
  },
  /** @param {number} id @returns {Promise<Message[]>} */
  async messages(id) {
    const list = await this.call('GET', this.contact(`/conversations/${id}/messages`));
    return Array.isArray(list) ? list : Array.isArray(list?.payload) ? list.payload : [];
  },
  /** @param {number} id @param {string} content @param {string} echoId @returns {Promise<Message>} */
  sendMessage(id, content, echoId) {
    return this.call('POST', this.contact(`/conversations/${id}/messages`), { content, echo_id: echoId });
  },
  /** @param {number} id @param {boolean} on */
  typing(id, on) {
    return this.call('POST', this.contact(`/conversations/${id}/toggle_typing`), { typing_status: on ? 'on' : 'off' });
  },
  /** @param {number} id */
  seen(id) {
    return this.call('POST', this.contact(`/conversations/${id}/update_last_seen`));
  },
};
api.identity = store.get(api.identityKey);

/** The server's "Typically replies …" line, in the inbox's reply time. */
const replyLine = ui.sub.textContent || t('widget.replies');

const state = {
  /** @type {Conversation | null} */
  conversation: null,
  /** The visitor's conversations, newest first, each with its visible lines.
   * @type {Conversation[]} */
  list: [],
  /** Conversations not shown that have news from the team. @type {Set<number>} */
  unreadIn: new Set(),
  /** @type {'thread' | 'list'} */
  view: 'thread',
  /** @type {Map<number, Message>} messages of the shown conversation by id */
  messages: new Map(),
  /** The visitor asked for a fresh conversation: the next message creates one. */
  startNew: false,
  /** Who answers: the assignee (name and photo), else the last agent who wrote.
   * @type {{name: string, photo?: string | null} | null} */
  agent: null,
  /** @type {string | null} */
  typingName: null,
  open: standalone,
  unread: 0,
  host: { url: '', title: '', referrer: '' },
};
const cursors = new Cursors();
/** Live messages of a conversation not shown yet (showConversation adds them). @type {Message[]} */
let early = [];
/**
 * The newest change to a conversation not shown yet: one being started, whose
 * automatic assignment can arrive before the start's answer.
 * @type {Map<number, {seq: number, data: any}>}
 */
const earlyChanges = new Map();

// ---------------------------------------------------------------- host page link

/** The host page's origin; messages from anything else are ignored. */
let parentOrigin = guessParentOrigin();

function guessParentOrigin() {
  if (standalone) return null;
  const ancestors = location.ancestorOrigins;
  if (ancestors && ancestors.length) return ancestors[0];
  try {
    return document.referrer ? new URL(document.referrer).origin : null;
  } catch {
    return null;
  }
}

/** @param {Record<string, unknown>} msg */
function toHost(msg) {
  if (!standalone && parentOrigin && parentOrigin !== 'null') window.parent.postMessage(msg, parentOrigin);
}

addEventListener('message', (ev) => {
  if (standalone || ev.source !== window.parent) return;
  // Without ancestorOrigins/referrer, trust the first origin the parent speaks from.
  if (!parentOrigin) parentOrigin = ev.origin;
  if (ev.origin !== parentOrigin) return;
  const msg = ev.data;
  if (!msg || typeof msg !== 'object' || typeof msg.type !== 'string') return;
  if (msg.type === 'parlor:context') {
    const str = (/** @type {unknown} */ v) => (typeof v === 'string' ? v.slice(0, 2048) : '');
    state.host = { url: str(msg.url), title: str(msg.title), referrer: str(msg.referrer) };
  } else if (msg.type === 'parlor:open') {
    state.open = true;
    remember(true);
    state.unread = 0;
    toHost({ type: 'parlor:unread', count: 0 });
    markSeen();
    // Focus after the panel transition started, so the caret shows in the input.
    requestAnimationFrame(() => ui.input.focus());
    scrollToEnd();
  } else if (msg.type === 'parlor:closed') {
    state.open = false;
    remember(false);
  }
});

/**
 * Whether the panel was open on this tab's last page of the site: it opens
 * again on the next (sessionStorage: this tab only, gone with it).
 */
const openKey = `parlor:open:${token}`;
function wasOpen() {
  try {
    return sessionStorage.getItem(openKey) === '1';
  } catch {
    return false;
  }
}
/** @param {boolean} open */
function remember(open) {
  try {
    if (open) sessionStorage.setItem(openKey, '1');
    else sessionStorage.removeItem(openKey);
  } catch {
    /* storage blocked: the panel starts closed */
  }
}

ui.close.addEventListener('click', () => toHost({ type: 'parlor:close' }));
addEventListener('keydown', (ev) => {
  if (ev.key === 'Escape') toHost({ type: 'parlor:close' });
});

// ---------------------------------------------------------------- rendering

function entries() {
  /** @type {Entry[]} */
  const list = [];
  const conv = state.startNew ? null : state.conversation;
  if (conv) {
    const sorted = [...state.messages.values()].sort((a, b) => a.id - b.id);
    for (const m of sorted) if (!m.private) list.push({ m });
  }
  const convId = conv?.id ?? null;
  const echoes = new Set(list.map((e) => e.m.echo_id).filter(Boolean));
  for (const item of outbox.items()) {
    if (item.conversation_id !== convId || echoes.has(item.echo_id)) continue;
    list.push({
      pending: true,
      m: { id: 0, content: item.content, message_type: 0, created_at: item.created_at, conversation_id: convId ?? 0, echo_id: item.echo_id },
    });
  }
  for (const echo of failed) {
    list.push({ failed: true, reason: echo.reason, m: { id: 0, content: echo.content, message_type: 0, created_at: echo.created_at, conversation_id: 0, echo_id: echo.echo_id } });
  }
  return list;
}

/** @type {Array<import('../shared/lib.js').OutboxItem & {reason?: string}>} */
const failed = [];

const sticky = new StickyScroll(ui.scroll, ui.thread, ui.newMessages);
/** The newest stored message rendered so far: a newer one from the team is news
 * (-1 right after switching conversations). */
let newestShown = 0;

function render() {
  const list = entries();
  renderThread(list);
  ui.welcome.classList.toggle('compact', list.length > 0);

  const listing = state.view === 'list';
  const ended = !state.startNew && state.conversation?.status === 'resolved';
  // The notice takes room from the thread: keep the newest lines in view.
  if (ended !== !ui.ended.hidden) sticky.toEnd();
  ui.ended.hidden = !ended || listing;
  ui.composer.hidden = ended || listing;
  ui.scroll.hidden = listing;
  ui.convs.hidden = !listing;
  ui.toList.hidden = listing || !hasList();
  ui.toList.classList.toggle('has-news', state.unreadIn.size > 0);
  ui.newConv.hidden = !mayStartNew();
  ui.startNew.hidden = !mayStartNew();
  if (listing) void drawList();

  const agent = listing ? null : state.agent;
  ui.title.textContent = agent?.name || inboxName;
  ui.sub.textContent = listing ? t('widget.conversations') : agent ? inboxName : replyLine;
  ui.headAvatar.replaceChildren(agent ? avatar(agent.name, 'avatar agent-face', agent.photo) : inboxFace());

  ui.typing.hidden = !state.typingName || ended || listing;
  ui.typingText.textContent = state.typingName ? t('widget.typing', { name: state.typingName }) : '';
  const newest = list.reduce((top, e) => (e.m.id > top.id ? e.m : top), { id: Math.max(newestShown, 0), message_type: 0 });
  // -1: another conversation was just shown, so nothing in it is news.
  sticky.update(newestShown >= 0 && newest.id > newestShown && newest.message_type !== 0);
  newestShown = newest.id;
}

/** To the newest line, once the layout is done. */
function scrollToEnd() {
  requestAnimationFrame(() => sticky.toEnd());
}

/** @param {string} text */
function announce(text) {
  ui.announcer.textContent = '';
  // A fresh text node after a tick makes screen readers read repeated text too.
  setTimeout(() => (ui.announcer.textContent = text), 50);
}

/**
 * The thread: the visitor's messages (message_type 0) right in the accent
 * colour, the team's left and neutral, activity lines centred; the delivery
 * state under the visitor's last message.
 * @type {Timeline<Entry>}
 */
const timeline = new Timeline(
  ui.thread,
  {
    message: (e) => e.m,
    key: (e, _pos, i) => {
      const { m } = e;
      return [m.id ?? '', m.echo_id ?? '', entryStatus(e), e.reason ?? '', i === lastMine, m.content ?? '', m.sender?.name ?? ''].join('|');
    },
    build: (e, pos, i) => buildMessage(e.m, { ...pos, showStatus: i === lastMine, status: entryStatus(e), reason: e.reason }),
    day: (label) => h('li', { class: 'day' }, h('span', { text: label })),
  },
  fmt,
);
/** The index of the visitor's newest message in the list being rendered. */
let lastMine = -1;

/** @param {Entry} e */
const entryStatus = (e) => (e.failed ? 'failed' : e.pending ? 'pending' : 'sent');

/** @param {Entry[]} list in display order */
function renderThread(list) {
  lastMine = -1;
  list.forEach((e, i) => e.m.message_type === 0 && (lastMine = i));
  timeline.render(list);
}

/**
 * @param {Message} m
 * @param {{first: boolean, last: boolean, showStatus: boolean, status: string, reason?: string}} pos
 */
function buildMessage(m, pos) {
  const common = { 'data-testid': 'message', 'data-message-id': m.id ?? null, 'data-echo-id': m.echo_id ?? null, 'data-status': pos.status };
  if (m.message_type === 2) {
    return h('li', { ...common, class: 'activity' }, h('span', { class: 'text', title: fmt.full(m.created_at), text: activityText(m, t) }));
  }
  const mine = m.message_type === 0;
  const name = mine ? t('widget.you') : m.sender?.name || t('widget.team');
  const cls = ['msg', mine ? 'mine' : 'theirs', pos.first ? 'first' : '', pos.last ? 'last' : '', `is-${pos.status}`].filter(Boolean).join(' ');
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
  if (pos.last || pos.showStatus || pos.status !== 'sent') {
    const meta = h('span', { class: 'meta' });
    if (mine && pos.status === 'pending') meta.append(icon('clock', 'icon tiny'), t('widget.sending'));
    else if (mine && pos.status === 'failed') meta.append(t('widget.failed'), pos.reason && pos.reason !== t('widget.failed') ? ` · ${pos.reason}` : '');
    else {
      meta.append(fmt.time(m.created_at));
      if (mine && pos.showStatus) meta.append(' · ', icon('check', 'icon tiny'), t('widget.sent'));
    }
    row.appendChild(meta);
  }
  return row;
}

// ---------------------------------------------------------------- data

/** @param {Message} m */
function learnAgent(m) {
  if (m.message_type === 1 && m.sender && m.sender.type !== 'contact' && m.sender.name) {
    // The assignee's photo stays while they write; another writer replaces it.
    if (state.agent?.name !== m.sender.name) state.agent = { name: m.sender.name, photo: m.sender.avatar_url || null };
  }
}

/**
 * Show `conv` and its messages.
 * @param {Conversation} conv @param {Message[]} messages
 */
function showConversation(conv, messages) {
  const later = earlyChanges.get(conv.id);
  earlyChanges.delete(conv.id);
  if (later && later.seq > (conv.seq ?? 0)) conv = { ...conv, ...later.data, messages: conv.messages, seq: later.seq };
  // Same conversation again (e.g. a reload racing a live event): merge, never drop.
  if (state.conversation?.id !== conv.id) {
    state.messages = new Map();
    state.agent = null;
    state.typingName = null;
    newestShown = -1;
  }
  state.conversation = conv;
  state.startNew = false;
  state.view = 'thread';
  state.unreadIn.delete(conv.id);
  keep(conv);
  chosen.set(conv.id);
  cursors.bump(conv.id, conv.seq);
  for (const m of messages) addMessage(m, false);
  for (const m of early) if (m.conversation_id === conv.id) addMessage(m, false);
  early = early.filter((m) => m.conversation_id !== conv.id);
  state.agent = assigneeOf(conv) ?? state.agent;
}

// ---------------------------------------------------------------- the list (W2)

/** The assignee's (or the bot's) name and photo, if someone owns the conversation. @param {Conversation} c */
function assigneeOf(c) {
  const a = c.meta?.assignee ?? c.assignee ?? c.agent_bot;
  return a?.name ? { name: String(a.available_name || a.name), photo: a.avatar_url || null } : null;
}

/**
 * The list's code, fetched the first time a visitor has a list: most never
 * do, and the frame's first load stays two modules (benchmark M6).
 * @type {Promise<typeof import('./conversations.js')> | null}
 */
let listModule = null;
async function drawList() {
  listModule ??= import('./conversations.js');
  const { renderConversations } = await listModule;
  if (state.view === 'list') renderConversations(ui.convItems, state.list, { t, fmt, inboxName, unread: state.unreadIn, assignee: assigneeOf, face: inboxFace, open: openConversation });
}

/** The inbox's picture, else the chat mark: who answers before anyone has. */
function inboxFace() {
  return config.avatar ? avatar(inboxName, 'avatar agent-face', config.avatar) : icon('chat', 'icon head-logo');
}

/** Whether the list has something to offer: past conversations, or more than one. */
const hasList = () => state.list.length > 1 || (!single && state.list.length > 0);

/** A new conversation may start: always where several are allowed, else once none is open. */
const mayStartNew = () => !single || !state.list.some((c) => c.status !== 'resolved');

/** Put `conv` (its newest known state) into the list, newest first. @param {Conversation} conv */
function keep(conv) {
  const old = state.list.find((c) => c.id === conv.id);
  const merged = { ...old, ...conv, messages: conv.messages ?? old?.messages ?? [] };
  state.list = [merged, ...state.list.filter((c) => c.id !== conv.id)].sort((a, b) => b.id - a.id);
}

/** A line of a listed conversation, for its preview. @param {Message} m */
function keepLine(m) {
  const c = state.list.find((x) => x.id === m.conversation_id);
  if (c && !m.private) c.messages = [...(c.messages ?? []).filter((x) => x.id !== m.id), m];
}

/**
 * The conversation the visitor picked on this tab, kept across the site's pages
 * (sessionStorage, as the open panel).
 */
const chosen = {
  key: `parlor:conversation:${token}`,
  /** @returns {number} */
  get() {
    try {
      return Number(sessionStorage.getItem(this.key)) || 0;
    } catch {
      return 0;
    }
  },
  /** @param {number} id */
  set(id) {
    try {
      sessionStorage.setItem(this.key, String(id));
    } catch {
      /* storage blocked: the newest one shows */
    }
  },
};

/** @param {number} id */
async function openConversation(id) {
  const conv = state.list.find((c) => c.id === id);
  if (!conv) return;
  const messages = await api.messages(id).catch(() => conv.messages ?? []);
  showConversation({ ...conv, messages }, messages);
  render();
  scrollToEnd();
  markSeen();
}

ui.toList.addEventListener('click', () => {
  state.view = 'list';
  stopTyping();
  render();
  ui.convItems.querySelector('button')?.focus();
});
ui.newConv.addEventListener('click', () => startNewConversation());

function startNewConversation() {
  state.view = 'thread';
  state.startNew = true;
  state.typingName = null;
  state.agent = null;
  render();
  ui.input.focus();
}

/**
 * @param {Message} m
 * @param {boolean} live arrived just now (count unread, announce)
 */
function addMessage(m, live) {
  // No cursor bump here: a single message's seq says nothing about events before
  // it that this client may have missed; only the socket and snapshots move it.
  if (m.private || state.messages.has(m.id)) return;
  state.messages.set(m.id, m);
  keepLine(m);
  if (m.echo_id) outbox.remove(m.echo_id);
  learnAgent(m);
  if (live && m.message_type === 1) {
    if (state.typingName && m.sender?.name === state.typingName) state.typingName = null;
    announce(t('widget.newMessageFrom', { name: m.sender?.name || t('widget.team'), text: m.content ?? '' }));
    if (!state.open || document.hidden) {
      state.unread += 1;
      toHost({ type: 'parlor:unread', count: state.unread });
    } else {
      markSeen();
    }
  }
}

/** True while this frame creates a conversation (its own live echo is expected). */
let creating = false;

/**
 * Load the visitor's conversations, if they have an identity, and show the one
 * they picked on this tab, else the newest (`follow`: the newest anyway).
 * @param {boolean} [follow]
 */
async function loadHistory(follow = false) {
  if (!api.hasIdentity() || creating) return;
  try {
    const list = await api.conversations();
    if (!list.length) return;
    for (const c of list) keep(c);
    const newest = state.list[0];
    const wanted = follow ? newest.id : state.conversation?.id ?? chosen.get();
    const latest = state.list.find((c) => c.id === wanted) ?? newest;
    if (state.startNew && !follow) return;
    const messages = await api.messages(latest.id).catch(() => latest.messages ?? []);
    showConversation(latest, messages);
    // Replies that came while the visitor was on another page keep the badge up.
    const seenAt = /** @type {any} */ (latest).contact_last_seen_at ?? 0;
    if (!state.open) {
      state.unread = messages.filter((m) => m.message_type === 1 && !m.private && m.created_at > seenAt).length;
      toHost({ type: 'parlor:unread', count: state.unread });
    }
  } catch (err) {
    if (err instanceof HttpError && (err.status === 404 || err.status === 401)) resetIdentity();
  }
}

/** The stored contact is gone on the server: start over with a new one. */
function resetIdentity() {
  api.dropIdentity();
  state.conversation = null;
  state.list = [];
  state.unreadIn.clear();
  state.messages = new Map();
  // Unsent messages then go into the new contact's first conversation.
  outbox.update((i) => ({ ...i, conversation_id: null }));
}

let seenTimer = 0;
function markSeen() {
  const conv = state.conversation;
  if (!conv || !state.open || state.startNew) return;
  clearTimeout(seenTimer);
  seenTimer = window.setTimeout(() => api.seen(conv.id).catch(() => {}), 300);
}

function hostAttributes() {
  const url = state.host.url;
  return {
    initiated_at_url: url,
    initiated_at_title: state.host.title,
    referer: state.host.referrer,
    current_url: url,
    browser_language: navigator.language || config.lang,
  };
}

// ---------------------------------------------------------------- sending

/** @param {import('../shared/lib.js').OutboxItem} item */
async function deliver(item) {
  try {
    const hadIdentity = api.hasIdentity();
    await api.ensureIdentity();
    if (!hadIdentity) realtime.restart();
    let convId = item.conversation_id;
    if (convId === null) {
      creating = true;
      const conv = await api.createConversation(hostAttributes()).finally(() => (creating = false));
      showConversation(conv, conv.messages ?? []);
      convId = conv.id;
      // Everything else waiting for "a new conversation" belongs to this one.
      outbox.update((i) => (i.conversation_id === null ? { ...i, conversation_id: conv.id } : i));
      render();
    }
    const frame = { event: 'message', conversation: convId, content: item.content, echo_id: item.echo_id };
    const fits = new TextEncoder().encode(JSON.stringify(frame)).length <= MAX_FRAME;
    if (fits && realtime.state === 'online') return await overSocket(frame);
    return await api.sendMessage(convId, item.content, item.echo_id);
  } catch (err) {
    if (err instanceof HttpError) {
      if (err.status === 404 || err.status === 401) {
        resetIdentity();
        throw err; // retried with a fresh identity
      }
      if (isPermanent(err)) throw new PermanentError(errorText(err, t, 'widget.failed'));
    }
    throw err;
  }
}

/**
 * Messages sent over the socket that wait for their answer, by echo_id. An
 * answer settles one; a dropped link fails them all as a network error, so the
 * outbox resends them (same echo_id: the server stores each once).
 * @type {Map<string, {resolve: (m: Message) => void, reject: (e: Error) => void, timer: number}>}
 */
const awaiting = new Map();

/** @param {{event: string, echo_id: string}} frame @returns {Promise<Message>} */
function overSocket(frame) {
  return new Promise((resolve, reject) => {
    const timer = window.setTimeout(() => settle(frame.echo_id, new HttpError(0, 'timeout', '')), ACK_TIMEOUT);
    awaiting.set(frame.echo_id, { resolve, reject, timer });
    realtime.send(frame);
  });
}

/** @param {string} echoId @param {Message | Error} result */
function settle(echoId, result) {
  const w = awaiting.get(echoId);
  if (!w) return;
  awaiting.delete(echoId);
  clearTimeout(w.timer);
  if (result instanceof Error) w.reject(result);
  else w.resolve(result);
}

/** The HTTP status the POST answers with a `message.error` code, for `deliver`. */
const statusOf = (/** @type {string} */ code) =>
  ({ not_found: 404, rate_limited: 429, unavailable: 503, internal: 500, forbidden: 403 })[code] ?? 422;

const outbox = new Outbox(`parlor:outbox:${token}`, deliver, {
  onSent(_item, result) {
    const m = /** @type {Message} */ (result);
    if (m && typeof m.id === 'number' && m.conversation_id === state.conversation?.id) addMessage(m, false);
    // The server put it into the visitor's open conversation (theirs was
    // closed and could not open again): show that one.
    else if (m && typeof m.id === 'number') void loadHistory(true).then(render);
    render();
  },
  onFailed(item, err) {
    failed.push({ ...item, reason: err instanceof Error ? err.message : t('widget.failed') });
    render();
  },
  onChange: () => render(),
});

function submit() {
  const content = ui.input.value.replace(/^\s*\n|\s+$/g, '');
  if (!content.trim() || content.length > MAX_LEN) return;
  const conv = state.conversation;
  const convId = conv && !state.startNew && conv.status !== 'resolved' ? conv.id : null;
  ui.input.value = '';
  autosize();
  stopTyping();
  outbox.add({ echo_id: uuid(), content, conversation_id: convId, created_at: Math.floor(Date.now() / 1000) });
  scrollToEnd();
}

ui.composer.addEventListener('submit', (ev) => {
  ev.preventDefault();
  submit();
});
ui.input.addEventListener('keydown', (ev) => {
  // Enter sends, Shift+Enter breaks the line; never while an IME is composing.
  if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) {
    ev.preventDefault();
    submit();
  }
});
ui.input.addEventListener('input', () => {
  autosize();
  if (ui.input.value.trim()) startTyping();
  else stopTyping();
});
ui.startNew.addEventListener('click', () => startNewConversation());

function autosize() {
  ui.input.style.height = 'auto';
  ui.input.style.height = `${Math.min(ui.input.scrollHeight, 140)}px`;
  ui.send.disabled = !ui.input.value.trim();
}

// Typing: "on" at most every 2 s while typing, "off" after 3 s idle or on send.
let typingSentAt = 0;
let typingOn = false;
let idleTimer = 0;
function startTyping() {
  const conv = state.conversation;
  if (!conv || state.startNew || conv.status === 'resolved' || !api.hasIdentity()) return;
  const now = Date.now();
  if (now - typingSentAt > TYPING_THROTTLE) {
    typingSentAt = now;
    typingOn = true;
    api.typing(conv.id, true).catch(() => {});
  }
  clearTimeout(idleTimer);
  idleTimer = window.setTimeout(stopTyping, TYPING_IDLE);
}
function stopTyping() {
  clearTimeout(idleTimer);
  if (!typingOn || !state.conversation) return;
  typingOn = false;
  typingSentAt = 0;
  api.typing(state.conversation.id, false).catch(() => {});
}

// ---------------------------------------------------------------- real time

let typingExpiry = 0;

/** @param {{event: string, data?: any, seq?: number}} frame */
function onEvent(frame) {
  const d = frame.data || {};
  switch (frame.event) {
    case 'message.created': {
      if (!cursors.accept(d.conversation_id, frame.seq)) return;
      if (d.conversation_id === state.conversation?.id && !state.startNew) {
        addMessage(d, true);
        render();
      } else if (state.list.some((c) => c.id === d.conversation_id)) {
        // One of the visitor's other conversations: news on the list.
        keepLine(d);
        if (d.message_type === 1 && !d.private) {
          state.unreadIn.add(d.conversation_id);
          if (!state.open || document.hidden) {
            state.unread += 1;
            toHost({ type: 'parlor:unread', count: state.unread });
          }
        }
        render();
      } else {
        // A conversation this frame has not seen: one it is starting (a bot
        // greets before the start's answer is read), or another tab's. Kept
        // for when it shows, and with one conversation at a time it is the
        // visitor's current one.
        early.push(d);
        void loadHistory(single).then(render);
      }
      return;
    }
    case 'conversation.created':
    case 'conversation.status_changed':
    case 'assignee.changed': {
      if (!cursors.accept(d.id, frame.seq)) return;
      if (d.id !== state.conversation?.id || state.startNew) {
        const listed = state.list.find((c) => c.id === d.id);
        if (listed) keep({ ...d, messages: listed.messages });
        else if (frame.event === 'conversation.created') void loadHistory(single).then(render);
        else earlyChanges.set(d.id, { seq: frame.seq ?? 0, data: { ...d, messages: undefined } });
        render();
        return;
      }
      state.conversation = { ...state.conversation, ...d, messages: undefined };
      keep({ ...d, messages: undefined });
      const assignee = d.meta?.assignee ?? d.assignee ?? d.agent_bot;
      if (frame.event === 'assignee.changed') {
        state.agent = assignee?.name ? { name: assignee.available_name || assignee.name, photo: assignee.avatar_url || null } : state.agent;
      }
      if (frame.event === 'conversation.status_changed' && d.status === 'open') state.startNew = false;
      render();
      return;
    }
    case 'message.ack':
      settle(d.echo_id, d);
      return;
    case 'message.error':
      settle(d.echo_id, new HttpError(statusOf(d.code), d.code, d.message));
      return;
    case 'conversation.typing_on':
    case 'conversation.typing_off': {
      if (d.conversation?.id !== state.conversation?.id || d.is_private) return;
      if (d.user && d.user.type === 'contact') return;
      const on = frame.event === 'conversation.typing_on';
      state.typingName = on ? d.user?.name || t('widget.someone') : null;
      // A lost "off" must not leave the indicator up forever.
      clearTimeout(typingExpiry);
      if (on) typingExpiry = window.setTimeout(() => ((state.typingName = null), render()), 15000);
      render();
      return;
    }
    default:
  }
}

let offlineTimer = 0;

/**
 * Show or hide the "reconnecting" line without pushing the newest message out
 * of view (the line takes room from the thread).
 * @param {boolean} show
 */
function showLinkbar(show) {
  // The thread keeps its end in view by itself (StickyScroll watches its size).
  ui.status.hidden = !show;
}
const realtime = new Realtime({
  auth: () => ({ event: 'authenticate', pubsub_token: api.identity?.pubsub_token, since: { ...cursors.map } }),
  onEvent,
  onAuthenticated(d) {
    // A conversation the frame does not know yet (one it is starting) starts at the server's
    // seq: what changed in it before this socket listened (an assignment) is read afresh.
    let unknown = false;
    for (const [conv, seq] of Object.entries(d?.cursors ?? {})) {
      if (cursors.get(conv) === undefined) {
        cursors.bump(conv, Number(seq));
        unknown = true;
      }
    }
    if (unknown && api.hasIdentity()) void loadHistory(single).then(render);
    outbox.kick();
  },
  onState(linkState, code) {
    // Messages still waiting for their ack on a link that dropped: resent by the outbox.
    if (linkState !== 'online') for (const id of [...awaiting.keys()]) settle(id, new HttpError(0, 'network', ''));
    // Exposed for tests; not used for logic.
    document.documentElement.dataset.realtime = linkState;
    clearTimeout(offlineTimer);
    if (linkState === 'online') showLinkbar(false);
    // Only show "reconnecting" when it lasts; a blink is not news.
    else if (linkState === 'offline') offlineTimer = window.setTimeout(() => showLinkbar(api.hasIdentity()), 1500);
    // 4001: this visitor's session is gone on the server (the socket does
    // not retry): start afresh; the next message creates a new identity.
    if (code === REVOKED && api.hasIdentity()) {
      resetIdentity();
      render();
    }
  },
});

/** @type {any} */ (window).parlorDebug = {
  /** @param {number} ms */
  dropConnection: (ms) => realtime.dropConnection(ms),
};

// ---------------------------------------------------------------- start

async function boot() {
  render();
  toHost({ type: 'parlor:ready', color: config.color, fg: config.fg, open: wasOpen() });
  await loadHistory();
  render();
  scrollToEnd();
  if (api.hasIdentity()) realtime.start();
  if (outbox.items().length) outbox.kick();
}
void boot();
