// @ts-check
/**
 * The visitor's conversations, listed in the widget (W2) where the inbox lets
 * a visitor have several (`lock_to_single_conversation` off) or where they
 * have past ones: who answered, the last line, when, and whether it ended.
 * Loaded by frame.js the first time there is a list to show.
 */

import { activityText, avatar, h } from '../shared/lib.js';

/**
 * @typedef {import('./frame.js').Conversation} Conversation
 * @typedef {import('./frame.js').Message} Message
 * @typedef {{
 *   t: import('../shared/lib.js').T,
 *   fmt: ReturnType<typeof import('../shared/lib.js').makeFormatters>,
 *   inboxName: string,
 *   unread: Set<number>,
 *   assignee: (c: Conversation) => {name: string, photo: string | null} | null,
 *   face: () => Element,
 *   open: (id: number) => void,
 * }} ListOptions
 */


/**
 * The newest line a visitor may see, a message before an activity line ("Ben
 * joined the chat" comes right after the reply that assigned him).
 * @param {Conversation} c @returns {Message | null}
 */
export function lastLine(c) {
  /** @type {Message | null} */
  let last = null;
  const rank = (/** @type {Message} */ m) => [m.message_type === 2 ? 0 : 1, m.id];
  for (const m of c.messages ?? []) {
    if (m.private) continue;
    const [a, b] = rank(m);
    if (!last || a > rank(last)[0] || (a === rank(last)[0] && b > rank(last)[1])) last = m;
  }
  return last;
}

/**
 * @param {HTMLElement} ol the list element
 * @param {Conversation[]} list newest first
 * @param {ListOptions} o
 */
export function renderConversations(ol, list, o) {
  ol.replaceChildren(...list.map((c) => item(c, o)));
}

/** @param {Conversation} c @param {ListOptions} o */
function item(c, o) {
  const who = o.assignee(c);
  const last = lastLine(c);
  const ended = c.status === 'resolved';
  const unread = o.unread.has(c.id);
  let preview = o.t('widget.noMessagesYet');
  if (last && last.message_type === 2) preview = activityText(last, o.t);
  else if (last) preview = `${last.message_type === 0 ? `${o.t('widget.you')}: ` : ''}${last.content ?? ''}`;
  const at = last?.created_at ?? /** @type {any} */ (c).created_at ?? 0;
  const name = who?.name || o.inboxName;
  return h(
    'li',
    {},
    h(
      'button',
      {
        type: 'button',
        class: `conv${unread ? ' unread' : ''}${ended ? ' ended' : ''}`,
        'data-testid': 'widget-conversation',
        'data-conversation-id': c.id,
        onclick: () => o.open(c.id),
      },
      // Nobody owns it yet: the inbox's picture or chat mark, not its initials.
      who ? avatar(name, 'avatar', who.photo) : h('span', { class: 'avatar team', 'aria-hidden': 'true' }, o.face()),
      h(
        'span',
        { class: 'conv-text' },
        h('span', { class: 'conv-top' }, h('span', { class: 'conv-name', text: name }), h('span', { class: 'conv-time', text: at ? o.fmt.ago(at, o.t('widget.now')) : '' })),
        h('span', { class: 'conv-bottom' }, h('span', { class: 'conv-preview', text: preview }), ended ? h('span', { class: 'conv-tag', text: o.t('widget.endedTag') }) : null, unread ? h('span', { class: 'conv-dot', 'aria-label': o.t('widget.unread') }) : null),
      ),
    ),
  );
}
