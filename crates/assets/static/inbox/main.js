// @ts-check
/**
 * The agent inbox (I1, I2, I8): state, routing, real time and wiring of the
 * panes. Rendering lives in list.js, thread.js, composer.js and sidebar.js.
 */

import { HttpError, Outbox, PermanentError, REVOKED, Realtime, StickyScroll, avatar, isPermanent, h, icon, store, uuid } from '../shared/lib.js';
import { signedOut } from './api.js';
import { FILTER_KEY, api, fmt, locale, me, nextUnassigned, noteWaiting, otherViewers, state, visibleConvs } from './state.js';
import { announce, buildShortcuts, reason, toast } from './feedback.js';
import { mountComposer } from './composer.js';
import { t } from './i18n.js';
import { contactName } from './people.js';
import { mountFilters, renderList } from './list.js';
import { renderSidebar } from './sidebar.js';
import { mountThread, renderHead, renderTimeline } from './thread.js';
import { Viewing, renderCollision, renderViewerBar, rowViewers } from './viewers.js';
import { openAssignMenu } from './assign.js';
import { renderBotBar } from './takeover.js';
import { assignTo, hooks, setStatus, toggleAssign, toggleStatus } from './actions.js';
import { openSnoozeMenu } from './snooze.js';
import { Bell } from './bell.js';
import { labelColors, renderLabelBar } from './labels.js';

/** @typedef {import('./api.js').Conversation} Conversation */
/** @typedef {import('./api.js').Message} Message */

const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));
const app = $('app');
const listEl = $('conversation-list');
const contactPane = $('contact-pane');
const banner = $('offline-banner');
// On a phone the bell is on the list: the thread's back button carries a dot.
const bell = new Bell($('bell'), () => {
  renderListPane();
  thread.back.classList.toggle('has-news', bell.unread > 0);
});

// ------------------------------------------------------------------ panes

const updateFilters = mountFilters($('filters'), (change) => {
  state.filter = { ...state.filter, ...change };
  store.set(FILTER_KEY, state.filter);
  state.page = 1;
  void loadList();
});

const thread = mountThread($('thread-pane'), {
  onBack: () => (location.hash = ''),
  onAssign: () => {
    const c = state.openId === null ? null : state.convs.get(state.openId);
    if (c) openAssignMenu(thread.assign, c, (choice) => void assignTo(c, choice));
  },
  onToggleStatus: () => void toggleStatus(),
  onReopen: () => void setStatus('open'),
  onSnooze: () => openSnoozeMenu(thread.snoozeBtn, (choice) => void setStatus(choice.status, choice.snoozed_until)),
  onToggleContact: () => {
    state.contactOpen = !state.contactOpen;
    renderAll();
  },
  onOlder: () => void loadOlder(),
});
const sticky = new StickyScroll(thread.scroll, thread.list, thread.newMessages);

const composer = mountComposer(thread.composerSlot, {
  onSend(content, isPrivate) {
    if (state.openId === null) return;
    // A reply to the bot's conversation waits until the agent takes over.
    if (!isPrivate && state.convs.get(state.openId)?.meta?.agent_bot) {
      waitingReply = { id: state.openId, content };
      renderThreadPane();
      return;
    }
    outbox.add({ echo_id: uuid(), content, conversation_id: state.openId, private: isPrivate, created_at: Math.floor(Date.now() / 1000) });
    scrollToEnd();
  },
  onTyping(on, isPrivate) {
    if (state.openId !== null) api.typing(state.openId, on, isPrivate).catch(() => {});
  },
  onComposing: (kind) => viewing.setComposing(kind),
});

/** @type {{id: number, content: string} | null} a reply held while the bot has the conversation */
let waitingReply = null;

/** Takes the open conversation from its bot, then sends the reply that waited for it. */
async function takeOver() {
  const c = state.openId === null ? null : state.convs.get(state.openId);
  if (!c) return;
  try {
    await api.assign(c.id, me.id);
    upsert(await api.conversation(c.id));
    const held = waitingReply?.id === c.id ? waitingReply : null;
    waitingReply = null;
    if (held) outbox.add({ echo_id: uuid(), content: held.content, conversation_id: c.id, private: false, created_at: Math.floor(Date.now() / 1000) });
    refreshCounts();
  } catch (err) {
    toast(t('inbox.errorAction', { reason: reason(err) }));
    // A teammate took it over first: show theirs, and give the held reply back.
    if (waitingReply?.id === c.id) composer.restore(waitingReply.content);
    waitingReply = null;
    upsert(await api.conversation(c.id).catch(() => c));
  }
  renderAll();
}

/** @type {{item: import('../shared/lib.js').OutboxItem, name: string} | null} a reply the server refused: someone else is replying */
let collision = null;
/** Echo ids of replies the agent chose to send anyway. */
const forced = new Set();

function renderCollisionBar() {
  const ask = collision;
  renderCollision(
    thread.collisionBar,
    ask && ask.item.conversation_id === state.openId
      ? {
          name: ask.name,
          onSend: () => {
            collision = null;
            const item = { ...ask.item, echo_id: uuid() };
            forced.add(item.echo_id);
            outbox.add(item);
            renderCollisionBar();
          },
          onEdit: () => {
            collision = null;
            composer.restore(ask.item.content);
            renderCollisionBar();
          },
        }
      : null,
  );
}

const baseTitle = document.title;

function renderListPane() {
  // "(3) Inbox – Parlor": unread chats show in the browser tab too.
  // Unread notifications, else unread chats.
  const unread = bell.unread || [...state.convs.values()].filter((c) => c.status !== 'resolved' && c.unread_count > 0 && c.id !== state.openId).length;
  document.title = unread ? `(${unread}) ${baseTitle}` : baseTitle;
  updateFilters(state.filter, state.counts, state.teams, state.labels);
  renderList(listEl, visibleConvs(), {
    filter: state.filter,
    selectedId: state.openId,
    loading: state.loading,
    meId: me.id,
    online: state.online,
    team: state.team,
    fmt,
    hasMore: state.hasMore,
    viewers: rowViewers,
    labelColors: labelColors(),
    failed: state.loadFailed,
    onRetry: () => void loadList(),
    onMore: () => {
      state.page += 1;
      void loadList(true);
    },
  });
}

function renderThreadPane() {
  const c = state.openId === null ? null : state.convs.get(state.openId) ?? null;
  thread.empty.hidden = state.openId !== null;
  thread.body.hidden = state.openId === null;
  app.dataset.view = state.openId === null ? 'list' : 'thread';
  app.classList.toggle('contact-open', state.contactOpen && !!c);
  renderSidebar(contactPane, c, { fmt, locale, onClose: () => ((state.contactOpen = false), renderAll()) });
  if (!c) return;
  renderHead(thread, c, { meId: me.id, inboxName: state.inboxes.get(c.inbox_id) || '', contactOpen: state.contactOpen, online: state.online.has(c.meta?.sender?.id ?? -1), team: state.team, fmt });
  renderTimelinePane();
  const next = nextUnassigned();
  renderViewerBar(thread.viewerBar, c.id, { next, onNext: () => next !== null && (location.hash = `#/conversations/${next}`) });
  renderCollisionBar();
  renderBotBar(thread.botBar, c, { waiting: waitingReply?.id === c.id, onTakeOver: () => void takeOver() });
  renderLabelBar(thread.labelBar, c, { onSaved: (next) => (upsert(next), renderAll()), onError: (err) => toast(t('inbox.errorAction', { reason: reason(err) })) });
  // A teammate's typing shows in the viewer bar already ("Anna is replying…").
  const typing = state.typing.get(c.id);
  const typer = typing && !otherViewers(c.id).some((v) => v.id === typing.userId) ? typing : undefined;
  thread.typing.hidden = !typer;
  thread.typingText.textContent = typer ? t('inbox.typing', { name: typer.name }) : '';
}

/** The newest stored message rendered in the open thread: a newer one from someone else is news. */
let newestShown = 0;

function renderTimelinePane() {
  const c = state.openId === null ? null : state.convs.get(state.openId);
  if (!c) return;
  // "… joined the chat" is the visitor's version of the assignment line the team reads.
  const shown = [...state.messages.values()].filter((m) => m.content_attributes?.activity !== 'joined');
  /** @type {import('./thread.js').Entry[]} */
  const entries = shown.sort((a, b) => a.id - b.id).map((m) => ({ m, state: 'sent' }));
  /** @param {import('../shared/lib.js').OutboxItem} i @param {'pending' | 'failed'} s */
  const pend = (i, s) => ({ state: s, m: { id: 0, content: i.content, message_type: 1, private: !!i.private, created_at: i.created_at, conversation_id: c.id, echo_id: i.echo_id, sender: { id: me.id, name: me.name } } });
  const echoes = new Set(entries.map((e) => e.m.echo_id).filter(Boolean));
  for (const i of outbox.items()) if (i.conversation_id === c.id && !echoes.has(i.echo_id)) entries.push(/** @type {any} */ (pend(i, 'pending')));
  for (const i of state.failed) if (i.conversation_id === c.id) entries.push(/** @type {any} */ (pend(i, 'failed')));
  renderTimeline(thread.list, entries, { fmt, meId: me.id, contact: c.meta?.sender });
  thread.older.hidden = !state.hasOlder;
  const newest = shown.reduce((top, m) => Math.max(top, m.id), 0);
  const fromOthers = shown.some((m) => m.id > newestShown && m.id === newest && m.sender?.id !== me.id);
  newestShown = newest;
  sticky.update(fromOthers);
}

function renderAll() {
  renderListPane();
  renderThreadPane();
}

/** To the newest line once the layout is done (a thread opened, a message sent). */
function scrollToEnd() {
  requestAnimationFrame(() => sticky.toEnd());
}

// ------------------------------------------------------------------ data

/** @param {Conversation} c */
function upsert(c) {
  const old = state.convs.get(c.id);
  state.convs.set(c.id, old ? { ...old, ...c, meta: { ...old.meta, ...c.meta } } : c);
}

let loadFailing = false;

/** @param {boolean} [append] load the next page instead of page 1 */
async function loadList(append = false) {
  const f = state.filter;
  state.loading = !append;
  renderListPane();
  try {
    const r = await api.conversations({ status: f.status, assignee: f.assignee, team: f.team, label: f.label, sort: f.sort, page: state.page });
    if (f !== state.filter) return; // the filter changed meanwhile
    for (const c of r.items) upsert(c);
    state.counts = r.counts;
    state.hasMore = r.items.length >= 25;
    loadFailing = false;
    state.loadFailed = false;
  } catch (err) {
    // One toast per outage, then keep retrying quietly.
    if (!loadFailing) toast(t('inbox.errorLoad'));
    loadFailing = true;
    state.loadFailed = true;
    setTimeout(() => f === state.filter && void loadList(append), 5000);
    return;
  } finally {
    state.loading = false;
    renderListPane();
  }
}

let countsTimer = 0;
function refreshCounts() {
  clearTimeout(countsTimer);
  countsTimer = window.setTimeout(async () => {
    try {
      state.counts = await api.counts(state.filter.status);
      renderListPane();
    } catch {
      /* counts refresh again with the next event */
    }
  }, 400);
}

/** @param {number | null} id */
async function openConversation(id) {
  if (id === state.openId) return;
  composer.reset();
  state.openId = id;
  state.messages = new Map();
  state.hasOlder = false;
  if (id !== null && !matchMedia('(min-width: 1100px)').matches) state.contactOpen = false;
  viewing.say();
  renderAll();
  if (id === null) return;
  try {
    if (!state.convs.has(id)) upsert(await api.conversation(id));
    const list = await api.messages(id);
    if (state.openId !== id) return;
    for (const m of list) state.messages.set(m.id, m);
    state.hasOlder = list.length >= 100;
    markSeen(id);
    renderAll();
    scrollToEnd();
  } catch (err) {
    if (state.openId !== id) return;
    toast(t('inbox.errorAction', { reason: reason(err) }));
    // Gone, or no longer ours to see: show no conversation rather than a broken one.
    if (err instanceof HttpError && err.status === 404) location.hash = '';
  }
}

async function loadOlder() {
  const id = state.openId;
  const first = [...state.messages.keys()].sort((a, b) => a - b)[0];
  if (id === null || !first) return;
  const s = thread.scroll;
  const fromBottom = s.scrollHeight - s.scrollTop;
  try {
    const list = await api.messages(id, first);
    if (state.openId !== id) return;
    for (const m of list) state.messages.set(m.id, m);
    state.hasOlder = list.length >= 100;
    renderTimelinePane();
    s.scrollTop = s.scrollHeight - fromBottom; // keep the reader's place
  } catch (err) {
    toast(t('inbox.errorAction', { reason: reason(err) }));
  }
}

/** @param {number} id */
function markSeen(id) {
  const c = state.convs.get(id);
  if (c) c.unread_count = 0;
  if (document.visibilityState === 'visible') api.seen(id).catch(() => {});
}

/** @param {Message} m */
function onMessage(m) {
  const c = state.convs.get(m.conversation_id);
  if (!c) {
    // A conversation we have not loaded (e.g. another filter): fetch it.
    api.conversation(m.conversation_id).then((conv) => (upsert(conv), renderListPane()), () => {});
  } else {
    c.messages = [m];
    if (m.message_type !== 2) c.last_non_activity_message = m;
    c.last_activity_at = Math.max(c.last_activity_at || 0, m.created_at);
    noteWaiting(c, m);
    const watching = state.openId === c.id && document.visibilityState === 'visible';
    if (m.message_type === 0 && !watching) c.unread_count = (c.unread_count || 0) + 1;
  }
  if (m.echo_id) outbox.remove(m.echo_id);
  if (state.openId === m.conversation_id) {
    state.messages.set(m.id, m);
    if (m.message_type === 0) markSeen(m.conversation_id);
  }
  const typer = state.typing.get(m.conversation_id);
  if (typer && m.sender?.name === typer.name) clearTyping(m.conversation_id);
  if (m.message_type === 0) announce(t('inbox.newMessage', { name: contactName(c?.meta?.sender, c?.id), text: m.content ?? '' }));
  renderAll();
}

/** @param {number} convId */
function clearTyping(convId) {
  const x = state.typing.get(convId);
  if (x) clearTimeout(x.timer);
  state.typing.delete(convId);
}

// ------------------------------------------------------------------ outbox

const outbox = new Outbox(
  `parlor:agent-outbox:${me.accountId}:${me.id}`,
  async (item) => {
    try {
      const guard = !item.private && !forced.has(item.echo_id);
      return await api.send(/** @type {number} */ (item.conversation_id), item.content, !!item.private, item.echo_id, guard);
    } catch (err) {
      if (err instanceof HttpError && err.code === 'reply_collision') {
        collision = { item, name: err.body?.user?.name || t('inbox.teammate') };
        throw new PermanentError(err.message);
      }
      // Network trouble, overload and server errors are worth retrying; the rest is not.
      if (isPermanent(err)) throw new PermanentError(reason(err));
      throw err;
    }
  },
  {
    onSent: (_item, m) => {
      if (m && typeof m === 'object' && 'id' in m) onMessage(/** @type {Message} */ (m));
    },
    onFailed: (item, err) => {
      if (collision?.item === item) {
        renderThreadPane();
        return;
      }
      state.failed.push(item);
      toast(t('inbox.errorSend', { reason: reason(err) }));
      renderThreadPane();
    },
    onChange: () => renderTimelinePane(),
  },
);

// ------------------------------------------------------------------ real time

/** @type {number | null} */
let cursor = null;
let firstAuth = true;
let offlineTimer = 0;

const realtime = new Realtime({
  auth: () => (cursor === null ? { event: 'authenticate', account_id: me.accountId } : { event: 'authenticate', account_id: me.accountId, since: cursor }),
  onAuthenticated(d) {
    if (cursor === null && typeof d?.seq === 'number') cursor = d.seq;
    // Events between the first list load and this socket are not replayed: reload once.
    if (firstAuth) {
      firstAuth = false;
      void loadList();
    }
    viewing.reconnected();
    outbox.kick();
  },
  onEvent(frame) {
    if (typeof frame.seq === 'number') {
      if (cursor !== null && frame.seq <= cursor) return;
      cursor = frame.seq;
    }
    const d = frame.data ?? {};
    switch (frame.event) {
      case 'message.created':
        onMessage(d);
        break;
      case 'conversation.created':
        upsert(d);
        announce(t('inbox.newConversation', { name: contactName(d.meta?.sender, d.id) }));
        refreshCounts();
        renderAll();
        break;
      case 'conversation.status_changed':
      case 'assignee.changed':
      case 'conversation.updated':
        upsert({ ...d, unread_count: state.convs.get(d.id)?.unread_count ?? d.unread_count });
        refreshCounts();
        renderAll();
        break;
      case 'conversation.typing_on':
      case 'conversation.typing_off': {
        const cid = d.conversation?.id;
        if (typeof cid !== 'number' || (d.user?.type === 'user' && d.user?.id === me.id)) return;
        clearTyping(cid);
        if (frame.event === 'conversation.typing_on') {
          const c = state.convs.get(cid);
          const name = d.user?.type === 'contact' ? contactName(c?.meta?.sender, d.user?.id) : d.user?.name || t('inbox.visitor');
          // A lost "off" must not leave the line up forever.
          const userId = d.user?.type === 'user' ? d.user.id : null;
          state.typing.set(cid, { name, userId, timer: window.setTimeout(() => (clearTyping(cid), renderThreadPane()), 15000) });
        }
        renderThreadPane();
        break;
      }
      case 'access.changed':
        // A new role or other inboxes: what the list and the thread show may
        // have changed; the socket already serves the new rights.
        void loadList();
        if (state.openId !== null) {
          const id = state.openId;
          state.openId = null;
          state.convs.delete(id);
          void openConversation(id);
        }
        break;
      case 'notification.created':
        bell.arrived(d);
        break;
      case 'viewers.update':
        viewing.update(d);
        renderAll();
        break;
      case 'presence.update': {
        // The first one after (re)connecting is everyone online; later ones are changes.
        if (d.full) state.online.clear();
        for (const [id, s] of Object.entries(d.contacts ?? {})) {
          if (s === 'online') state.online.add(Number(id));
          else state.online.delete(Number(id));
        }
        // An agent came or went: their dot may change (the server decides it).
        if (d.full || Object.keys(d.users ?? {}).length) void loadTeam();
        renderAll();
        break;
      }
      default:
    }
  },
  onState(s, code) {
    // Signed out (here or in another tab), expired or reset: only signing in helps.
    if (code === REVOKED) return signedOut();
    // Exposed for tests and for styling; not used for logic.
    document.body.dataset.realtime = s;
    clearTimeout(offlineTimer);
    // Who is online is unknown while our own link is down: show no one as online.
    if (s !== 'online' && (state.online.size || state.viewers.size)) {
      state.online.clear();
      state.viewers.clear();
      renderAll();
    }
    if (s === 'online') banner.hidden = true;
    // A short blip is not worth a banner.
    else if (s === 'offline') offlineTimer = window.setTimeout(() => (banner.hidden = false), 1500);
  },
});

const viewing = new Viewing((frame) => realtime.send(frame));
void bell.load();
Object.assign(hooks, { render: renderAll, counts: refreshCounts, team: () => void loadTeam() });

/** @type {any} */ (window).parlorDebug = { dropConnection: (/** @type {number} */ ms) => realtime.dropConnection(ms) };

// ------------------------------------------------------------------ routing & keys

function route() {
  const m = location.hash.match(/^#\/conversations\/(\d+)$/);
  void openConversation(m ? Number(m[1]) : null);
}
addEventListener('hashchange', route);

/** @param {1 | -1} step */
function move(step) {
  const list = visibleConvs();
  if (!list.length) return;
  const i = list.findIndex((c) => c.id === state.openId);
  const next = list[i === -1 ? 0 : Math.min(list.length - 1, Math.max(0, i + step))];
  location.hash = `#/conversations/${next.id}`;
  requestAnimationFrame(() => listEl.querySelector(`[data-conversation-id="${next.id}"]`)?.scrollIntoView({ block: 'nearest' }));
}

const shortcuts = buildShortcuts();
document.addEventListener('keydown', (ev) => {
  const el = /** @type {HTMLElement} */ (ev.target);
  if (ev.ctrlKey || ev.metaKey || ev.altKey || ev.isComposing) return;
  if (el.closest('input, textarea, select, [contenteditable]') || shortcuts.open) return;
  const open = state.openId !== null;
  const actions = {
    j: () => move(1),
    k: () => move(-1),
    r: () => open && composer.focus(false),
    c: () => open && composer.focus(true),
    e: () => open && void toggleStatus(),
    a: () => open && void toggleAssign(),
    '?': () => shortcuts.showModal(),
  };
  const fn = actions[/** @type {keyof typeof actions} */ (ev.key)];
  if (fn) {
    ev.preventDefault();
    fn();
  }
});

// Relative times ("2 min") age; refresh them quietly.
setInterval(renderListPane, 30_000);
// Coming back to the tab: mark the open conversation read.
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible' && state.openId !== null) markSeen(state.openId);
});

// ------------------------------------------------------------------ start

async function loadTeam() {
  try {
    const agents = await api.agents();
    state.team = new Map(agents.map((a) => [a.id, a.availability_status]));
    state.agents = new Map(agents.map((a) => [a.id, a]));
    renderAll();
  } catch {
    // No dots is a fine fallback; the next presence change tries again.
  }
}

banner.replaceChildren(icon('wifiOff'), h('span', { text: t('inbox.offline') }));
$('me-avatar').replaceChildren(avatar(me.name, 'avatar sm'));
// A user in several accounts switches between them (the page is per account).
document.getElementById('account-switcher')?.addEventListener('change', (e) => {
  location.assign(`/app?account=${/** @type {HTMLSelectElement} */ (e.target).value}`);
});
// The photo, when there is one (the page knows the name only).
api.profile().then((p) => p?.avatar_url && $('me-avatar').replaceChildren(avatar(me.name, 'avatar sm', p.avatar_url)), () => {});
Promise.all([api.teams(), api.labels()]).then(
  ([teams, labels]) => {
    Object.assign(state, { teams, labels });
    renderAll();
  },
  () => {},
);
api.inboxes().then(
  (list) => {
    for (const i of list) state.inboxes.set(i.id, i.name);
    renderThreadPane();
  },
  () => {},
);
route();
void loadList();
realtime.start();
if (outbox.items().length) outbox.kick();
