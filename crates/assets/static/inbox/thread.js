// @ts-check
/**
 * The thread pane (I2, I8): header with contact, assignment and Close/Reopen,
 * the timeline (day separators, visitor left, team right, comments full width
 * on pale yellow, activity lines centred) and the typing line.
 */

import { Timeline, activityText, avatar, h, icon, linkify } from '../shared/lib.js';
import { t } from './i18n.js';
import { contactAvatar, contactName, withAvailability } from './people.js';
import { presenceDot } from './list.js';
import { withMentions } from './mentions.js';

/**
 * @typedef {import('./api.js').Message} Message
 * @typedef {import('./api.js').Conversation} Conversation
 * @typedef {{m: Message, state: 'sent' | 'pending' | 'failed'}} Entry
 * @typedef {ReturnType<typeof import('../shared/lib.js').makeFormatters>} Fmt
 */

/**
 * Build the thread pane's fixed parts.
 * @param {HTMLElement} root
 * @param {{onBack: () => void, onAssign: () => void, onToggleStatus: () => void, onReopen: () => void, onSnooze: () => void,
 *   onToggleContact: () => void, onOlder: () => void}} on
 */
export function mountThread(root, on) {
  const back = h('button', { type: 'button', class: 'icon-btn back', 'aria-label': t('inbox.back'), title: t('inbox.back'), 'data-testid': 'back-button', onclick: on.onBack }, icon('back'));
  const who = h('div', { class: 'who' });
  const assign = h('button', { type: 'button', class: 'btn ghost assign', 'aria-haspopup': 'listbox', 'data-testid': 'assign-button', onclick: on.onAssign });
  const closeBtn = h('button', { type: 'button', class: 'btn primary', title: t('inbox.close'), 'data-testid': 'close-conversation', onclick: on.onToggleStatus }, icon('resolve'), h('span', { text: t('inbox.close') }));
  const reopenBtn = h('button', { type: 'button', class: 'btn', title: t('inbox.reopen'), 'data-testid': 'reopen-conversation', onclick: on.onReopen }, icon('reopen'), h('span', { text: t('inbox.reopen') }));
  const snoozeBtn = h('button', { type: 'button', class: 'icon-btn', 'aria-haspopup': 'menu', 'aria-label': t('inbox.snoozeTitle'), title: t('inbox.snoozeTitle'), 'data-testid': 'snooze-button', onclick: on.onSnooze }, icon('clock'));
  const info = h('button', { type: 'button', class: 'icon-btn', 'aria-label': t('inbox.contactInfo'), title: t('inbox.contactInfo'), 'aria-controls': 'contact-pane', 'data-testid': 'toggle-contact', onclick: on.onToggleContact }, icon('info'));
  const head = h('header', { class: 'thread-head' }, back, who, h('div', { class: 'actions' }, assign, reopenBtn, snoozeBtn, closeBtn, info));

  const older = h('button', { type: 'button', class: 'btn ghost older', hidden: true, text: t('inbox.loadOlder'), onclick: on.onOlder });
  const list = h('ol', { class: 'timeline', 'aria-label': t('inbox.messages') });
  const newMessages = /** @type {HTMLButtonElement} */ (h('button', { type: 'button', class: 'new-messages', 'data-testid': 'new-messages', hidden: true }, icon('down'), h('span', { text: t('inbox.newMessages') })));
  const scroll = h('div', { class: 'thread-scroll', tabindex: '-1' }, older, list, newMessages);
  const typingText = h('span');
  const typing = h('div', { class: 'typing-row', 'data-testid': 'typing-indicator', 'aria-live': 'polite', hidden: true }, h('span', { class: 'dots', 'aria-hidden': 'true' }, h('i'), h('i'), h('i')), typingText);
  const botBar = h('div', { class: 'bot-bar', 'data-testid': 'bot-bar', hidden: true });
  const viewerBar = h('div', { class: 'viewer-bar', 'data-testid': 'viewer-bar', 'aria-live': 'polite', hidden: true });
  const collisionBar = h('div', { class: 'collision-bar', 'data-testid': 'collision-bar', role: 'alert', hidden: true });
  const composerSlot = h('div', { class: 'composer-slot' });
  const labelBar = h('div', { class: 'label-bar', 'data-testid': 'label-bar', hidden: true });
  const body = h('div', { class: 'thread-body' }, head, labelBar, scroll, typing, botBar, viewerBar, collisionBar, composerSlot);

  const empty = h(
    'div',
    { class: 'thread-empty', 'data-testid': 'thread-empty' },
    h('div', { class: 'empty-art' }, icon('chat', 'icon big')),
    h('p', { class: 'empty-title', text: t('inbox.pickTitle') }),
    h('p', { class: 'empty-hint', text: t('inbox.pickHint') }),
  );
  root.replaceChildren(empty, body);
  return { empty, body, head, back, who, assign, closeBtn, reopenBtn, snoozeBtn, info, scroll, older, list, newMessages, typing, typingText, botBar, viewerBar, collisionBar, composerSlot, labelBar };
}

/**
 * @param {ReturnType<typeof mountThread>} ui
 * @param {Conversation} c
 * @param {{meId: number, inboxName: string, contactOpen: boolean, online: boolean, team?: Map<number, string>, fmt: Fmt}} opts
 */
export function renderHead(ui, c, opts) {
  const contact = c.meta?.sender;
  const name = contactName(contact);
  const resolved = c.status === 'resolved';
  const pending = c.status === 'pending';
  const snoozed = c.status === 'snoozed';
  const chip = resolved
    ? t('inbox.statusResolved')
    : pending
      ? c.meta?.agent_bot ? t('inbox.bot') : t('inbox.pending')
      : snoozed
        ? c.snoozed_until ? t('inbox.snoozedUntil', { when: opts.fmt.full(c.snoozed_until) }) : t('inbox.snoozedUntilReply')
        : t('inbox.statusOpen');
  ui.who.replaceChildren(
    h('span', { class: 'row-avatar' }, contactAvatar(contact, 'avatar'), opts.online ? presenceDot() : null),
    h(
      'div',
      { class: 'who-text' },
      h('h2', { class: 'who-name', 'data-testid': 'thread-contact-name', text: name }),
      h('p', { class: 'who-sub' }, h('span', { class: `status-chip ${resolved ? 'resolved' : pending || snoozed ? 'pending' : 'open'}`, 'data-testid': 'thread-status', text: chip }), opts.online ? h('span', { class: 'online-label', text: t('inbox.online') }) : null, h('span', { class: 'inbox-name', text: opts.inboxName }), c.meta?.team ? h('span', { class: 'team-chip', 'data-testid': 'thread-team', text: c.meta.team.name }) : null),
    ),
  );
  const a = c.meta?.assignee;
  const aName = a ? a.available_name || a.name : '';
  const label = a ? aName : t('inbox.assign');
  ui.assign.replaceChildren(a ? withAvailability(avatar(aName, 'avatar xs', a.avatar_url), opts.team?.get(a.id)) : icon('user', 'icon'), h('span', { class: 'label', 'data-testid': 'assignee-name', text: label }), icon('down', 'icon tiny'));
  ui.assign.setAttribute('aria-label', a ? t('inbox.assignedTo', { name: aName }) : t('inbox.assign'));
  ui.assign.title = a ? t('inbox.assignedTo', { name: aName }) : t('inbox.unassignedLabel');
  ui.closeBtn.hidden = resolved;
  ui.reopenBtn.hidden = c.status === 'open';
  ui.snoozeBtn.hidden = resolved;
  ui.info.setAttribute('aria-expanded', String(opts.contactOpen));
}

/** @type {WeakMap<HTMLElement, Timeline<Entry>>} */
const timelines = new WeakMap();
/** @type {{fmt: Fmt, meId: number, contact: import('./api.js').Contact | undefined}} */
let current;

/**
 * Render the timeline into `list` (the shared Timeline: day separators, runs,
 * nodes reused by signature, so a new message only creates its own node).
 * @param {HTMLElement} list
 * @param {Entry[]} entries oldest first
 * @param {{fmt: Fmt, meId: number, contact: import('./api.js').Contact | undefined}} opts
 */
export function renderTimeline(list, entries, opts) {
  current = opts;
  let timeline = timelines.get(list);
  if (!timeline) {
    timeline = new Timeline(
      list,
      {
        message: (e) => e.m,
        key: ({ m, state }) => [m.id, m.echo_id ?? '', state, m.content ?? '', m.sender?.name ?? '', contactName(current.contact)].join('|'),
        build: (e, pos) => buildMessage(e, pos.first, pos.last, current),
        day: (label) => h('li', { class: 'day-sep' }, h('span', { text: label })),
      },
      opts.fmt,
    );
    timelines.set(list, timeline);
  }
  timeline.render(entries);
}

/**
 * @param {Entry} e @param {boolean} first @param {boolean} last
 * @param {{fmt: Fmt, meId: number, contact: import('./api.js').Contact | undefined}} opts
 */
function buildMessage(e, first, last, opts) {
  const m = e.m;
  const base = { 'data-testid': 'message', 'data-message-id': m.id || null, 'data-echo-id': m.echo_id ?? null, 'data-status': e.state };
  const time = h('time', { class: 'msg-time', datetime: new Date(m.created_at * 1000).toISOString(), title: opts.fmt.full(m.created_at), text: opts.fmt.time(m.created_at) });
  const text = h('p', { class: 'text' });
  text.appendChild(m.private ? withMentions(m.content ?? '') : linkify(m.content ?? ''));

  if (m.message_type === 2) {
    return h('li', { ...base, class: 'activity', title: opts.fmt.full(m.created_at) }, h('span', { class: 'text', text: activityText(m, t) }));
  }
  const status = e.state === 'pending' ? h('span', { class: 'msg-state' }, icon('clock', 'icon tiny'), t('inbox.sending')) : e.state === 'failed' ? h('span', { class: 'msg-state failed', text: t('inbox.failed') }) : null;

  if (m.private) {
    const author = m.sender?.name || t('inbox.you');
    return h(
      'li',
      { ...base, class: `note is-${e.state}`, 'data-private': 'true' },
      h('div', { class: 'note-head' }, icon('lock', 'icon tiny'), h('strong', { text: author }), h('span', { class: 'note-label', text: t('inbox.onlyTeam') }), time),
      text,
      status,
    );
  }
  const incoming = m.message_type === 0;
  const name = incoming ? contactName(opts.contact) : m.sender?.name || t('inbox.you');
  const bubble = h('div', { class: 'bubble' }, h('span', { class: 'sr-only', text: `${name}: ` }), text);
  const li = h('li', { ...base, class: `msg ${incoming ? 'in' : 'out'}${first ? ' first' : ''}${last ? ' last' : ''} is-${e.state}` });
  if (first) li.appendChild(h('span', { class: 'msg-name', 'aria-hidden': 'true', text: name }));
  const gutter = h('span', { class: 'gutter' });
  if (first) gutter.appendChild(incoming ? contactAvatar(opts.contact, 'avatar sm') : avatar(name, 'avatar sm'));
  li.appendChild(h('div', { class: 'msg-line' }, incoming ? gutter : null, bubble, time, incoming ? null : gutter));
  if (status) li.appendChild(status);
  return li;
}
