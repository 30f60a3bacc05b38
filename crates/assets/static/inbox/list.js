// @ts-check
/**
 * The conversation list pane (I1): status and assignee tabs with counts, and
 * the rows, newest activity first.
 */

import { avatar, h, icon } from '../shared/lib.js';
import { t } from './i18n.js';
import { plainMentions } from './mentions.js';
import { SORTS } from './state.js';
import { contactAvatar, contactName, withAvailability } from './people.js';

/**
 * @typedef {import('./api.js').Conversation} Conversation
 * @typedef {import('./api.js').Counts} Counts
 * @typedef {{status: 'open' | 'snoozed' | 'pending' | 'resolved', assignee: 'me' | 'unassigned' | 'all', team: number | null,
 *   label: string | null, sort: string}} Filter
 * @typedef {ReturnType<typeof import('../shared/lib.js').makeFormatters>} Fmt
 */

/**
 * Build the filter tabs once; returns an update function.
 * @param {HTMLElement} root
 * @param {(f: Partial<Filter>) => void} onChange
 */
export function mountFilters(root, onChange) {
  /** @param {string} testid @param {string} label @param {() => void} click */
  const tab = (testid, label, click) => {
    const count = h('span', { class: 'count' });
    const b = h('button', { type: 'button', role: 'tab', class: 'tab', 'data-testid': testid, onclick: click }, h('span', { text: label }), count);
    return { b, count };
  };
  const open = tab('status-tab-open', t('inbox.open'), () => onChange({ status: 'open' }));
  const snoozed = tab('status-tab-snoozed', t('inbox.snoozed'), () => onChange({ status: 'snoozed' }));
  const pending = tab('status-tab-pending', t('inbox.pending'), () => onChange({ status: 'pending' }));
  const resolved = tab('status-tab-resolved', t('inbox.closed'), () => onChange({ status: 'resolved' }));
  const me = tab('assignee-tab-me', t('inbox.mine'), () => onChange({ assignee: 'me' }));
  const un = tab('assignee-tab-unassigned', t('inbox.unassigned'), () => onChange({ assignee: 'unassigned' }));
  const all = tab('assignee-tab-all', t('inbox.all'), () => onChange({ assignee: 'all' }));
  const statusBar = h('div', { class: 'segmented', role: 'tablist', 'aria-label': t('inbox.statusFilter') }, open.b, snoozed.b, pending.b, resolved.b);
  const assigneeBar = h('div', { class: 'tabs', role: 'tablist', 'aria-label': t('inbox.assigneeFilter') }, me.b, un.b, all.b);
  const teamSelect = /** @type {HTMLSelectElement} */ (h('select', { class: 'team-filter', 'aria-label': t('inbox.teamFilter'), 'data-testid': 'team-filter', hidden: true }));
  teamSelect.addEventListener('change', () => onChange({ team: teamSelect.value ? Number(teamSelect.value) : null }));
  const labelSelect = /** @type {HTMLSelectElement} */ (h('select', { class: 'team-filter', 'aria-label': t('inbox.labelFilter'), 'data-testid': 'label-filter', hidden: true }));
  labelSelect.addEventListener('change', () => onChange({ label: labelSelect.value || null }));
  const sortSelect = /** @type {HTMLSelectElement} */ (
    h(
      'select',
      { class: 'team-filter', 'aria-label': t('inbox.sortBy'), 'data-testid': 'sort-by' },
      ...SORTS.map((s) => h('option', { value: s, text: t(`inbox.sort_${s}`) })),
    )
  );
  sortSelect.addEventListener('change', () => onChange({ sort: sortSelect.value }));
  root.replaceChildren(statusBar, assigneeBar, h('div', { class: 'filter-selects' }, sortSelect, teamSelect, labelSelect));
  for (const bar of [statusBar, assigneeBar]) bar.addEventListener('keydown', arrowKeys);

  /**
   * @param {Filter} f
   * @param {Partial<Counts>} counts
   * @param {import('./api.js').Team[]} [teams]
   * @param {import('./api.js').Label[]} [labels]
   */
  return (f, counts, teams = [], labels = []) => {
    // The label filter offers the labels shown in it (the labels page says which).
    const offered = labels.filter((l) => l.show_on_sidebar || l.title === f.label);
    labelSelect.hidden = !offered.length;
    const labelKeys = ['', ...offered.map((l) => l.title)].join(',');
    if (labelSelect.dataset.options !== labelKeys) {
      labelSelect.dataset.options = labelKeys;
      labelSelect.replaceChildren(h('option', { value: '', text: t('inbox.allLabels') }), ...offered.map((l) => h('option', { value: l.title, text: l.title })));
    }
    labelSelect.value = f.label ?? '';
    sortSelect.value = f.sort;
    // The team filter shows once the account has teams.
    teamSelect.hidden = !teams.length;
    const wanted = ['', ...teams.map((tm) => String(tm.id))].join(',');
    if (teamSelect.dataset.options !== wanted) {
      teamSelect.dataset.options = wanted;
      teamSelect.replaceChildren(h('option', { value: '', text: t('inbox.allTeams') }), ...teams.map((tm) => h('option', { value: String(tm.id), text: tm.name })));
    }
    teamSelect.value = f.team === null ? '' : String(f.team);
    /** @param {{b: HTMLElement}} x @param {boolean} on */
    const sel = (x, on) => {
      x.b.setAttribute('aria-selected', String(on));
      x.b.tabIndex = on ? 0 : -1;
    };
    sel(open, f.status === 'open');
    sel(snoozed, f.status === 'snoozed');
    sel(pending, f.status === 'pending');
    sel(resolved, f.status === 'resolved');
    sel(me, f.assignee === 'me');
    sel(un, f.assignee === 'unassigned');
    sel(all, f.assignee === 'all');
    /** @param {HTMLElement} el @param {number | undefined} n */
    const setCount = (el, n) => (el.textContent = typeof n === 'number' ? String(n) : '');
    setCount(me.count, counts.mine_count);
    setCount(un.count, counts.unassigned_count);
    setCount(all.count, counts.all_count);
  };
}

/**
 * Left/right arrows move between tabs of one tab list (WAI-ARIA tabs pattern).
 * @param {KeyboardEvent} ev
 */
function arrowKeys(ev) {
  if (ev.key !== 'ArrowLeft' && ev.key !== 'ArrowRight') return;
  const tabs = /** @type {HTMLElement[]} */ ([...(/** @type {HTMLElement} */ (ev.currentTarget)).querySelectorAll('[role=tab]')]);
  const i = tabs.indexOf(/** @type {HTMLElement} */ (document.activeElement));
  const next = tabs[(i + (ev.key === 'ArrowRight' ? 1 : tabs.length - 1)) % tabs.length];
  next.focus();
  next.click();
}

/**
 * The text of a conversation's latest message, for the row preview.
 * @param {Conversation} c
 */
/** The green dot of a visitor who has the widget open now. */
export function presenceDot() {
  return h('span', { class: 'presence-dot', 'data-testid': 'presence-online', role: 'img', title: t('inbox.online'), 'aria-label': t('inbox.online') });
}

export function lastMessage(c) {
  return c.last_non_activity_message ?? c.messages?.[c.messages.length - 1] ?? null;
}

/**
 * @param {HTMLElement} root
 * @param {Conversation[]} convs already filtered and sorted
 * @param {{filter: Filter, selectedId: number | null, loading: boolean, meId: number,
 *   fmt: Fmt, hasMore: boolean, onMore: () => void, online?: Set<number>, team?: Map<number, string>,
 *   failed?: boolean, onRetry?: () => void, viewers?: (id: number) => HTMLElement | null,
 *   labelColors?: Map<string, string>}} opts
 */
export function renderList(root, convs, opts) {
  const focusedId = /** @type {HTMLElement | null} */ (document.activeElement)?.closest?.('[data-conversation-id]')?.getAttribute('data-conversation-id');
  if (opts.loading && !convs.length) {
    root.replaceChildren(...Array.from({ length: 6 }, () => skeletonRow()));
    root.setAttribute('aria-busy', 'true');
    return;
  }
  root.removeAttribute('aria-busy');
  if (!convs.length && opts.failed) {
    // Not the "all done" state: nothing is known about the list.
    root.replaceChildren(
      h(
        'div',
        { class: 'empty failed', 'data-testid': 'list-failed', role: 'alert' },
        h('div', { class: 'empty-art' }, icon('wifiOff', 'icon big')),
        h('p', { class: 'empty-title', text: t('inbox.listFailed') }),
        h('p', { class: 'empty-hint', text: t('inbox.listFailedHint') }),
        h('button', { type: 'button', class: 'btn', 'data-testid': 'list-retry', text: t('inbox.retry'), onclick: opts.onRetry }),
      ),
    );
    return;
  }
  if (!convs.length) {
    const open = opts.filter.status !== 'resolved';
    root.replaceChildren(
      h(
        'div',
        { class: 'empty', 'data-testid': 'list-empty' },
        h('div', { class: 'empty-art' }, icon(open ? 'check' : 'inbox', 'icon big')),
        h('p', { class: 'empty-title', text: opts.filter.status === 'pending' ? t('inbox.emptyBot') : open ? t('inbox.emptyOpen') : t('inbox.emptyClosed') }),
        h('p', { class: 'empty-hint', text: open ? t('inbox.emptyOpenHint') : t('inbox.emptyClosedHint') }),
        h(
          'div',
          { class: 'empty-links' },
          document.body.dataset.role === 'administrator'
            ? h('a', { class: 'btn', href: `/app/settings/embed?account=${document.body.dataset.accountId}`, 'data-testid': 'empty-embed', text: t('inbox.embedLink') })
            : null,
          h('a', { class: 'btn ghost', href: '/demo', target: '_blank', rel: 'noopener', 'data-testid': 'empty-demo', text: t('inbox.demoLink') }),
        ),
      ),
    );
    return;
  }
  /** @type {HTMLElement[]} */
  const rows = convs.map((c) => row(c, opts));
  if (opts.hasMore) rows.push(h('button', { type: 'button', class: 'btn ghost more', text: t('inbox.loadMore'), onclick: opts.onMore }));
  root.replaceChildren(...rows);
  if (focusedId) /** @type {HTMLElement | null} */ (root.querySelector(`[data-conversation-id="${focusedId}"]`))?.focus();
}

/**
 * @param {Conversation} c
 * @param {{selectedId: number | null, meId: number, fmt: Fmt, online?: Set<number>, team?: Map<number, string>,
 *   viewers?: (id: number) => HTMLElement | null, labelColors?: Map<string, string>}} opts
 */
function row(c, opts) {
  const contact = c.meta?.sender;
  const name = contactName(contact, c.id);
  const last = lastMessage(c);
  const unread = c.unread_count > 0 && c.id !== opts.selectedId;
  const preview = h('span', { class: 'row-preview' });
  if (last) {
    if (last.private) preview.appendChild(icon('lock', 'icon tiny'));
    if (last.message_type === 1 && last.sender?.id === opts.meId) preview.append(`${t('inbox.you')}: `);
    preview.append(plainMentions(last.content ?? '').replace(/\s+/g, ' '));
  } else {
    preview.append(t('inbox.noMessages'));
  }
  const assignee = c.meta?.assignee;
  const when = c.last_activity_at || c.timestamp || c.created_at;
  const time = h('time', { class: 'row-time', datetime: new Date(when * 1000).toISOString(), title: opts.fmt.full(when), text: opts.fmt.ago(when, t('inbox.now')) });
  const badges = h('span', { class: 'row-badges' });
  const watching = opts.viewers?.(c.id);
  if (watching) badges.appendChild(watching);
  if (unread) badges.appendChild(h('span', { class: 'unread-badge', 'aria-label': t('inbox.unreadCount', { n: c.unread_count }), text: c.unread_count > 99 ? '99+' : String(c.unread_count) }));
  if (assignee) {
    const a = avatar(assignee.available_name || assignee.name, 'avatar xs', assignee.avatar_url);
    a.removeAttribute('aria-hidden');
    a.setAttribute('title', t('inbox.assignedTo', { name: assignee.available_name || assignee.name }));
    a.setAttribute('role', 'img');
    a.setAttribute('aria-label', t('inbox.assignedTo', { name: assignee.available_name || assignee.name }));
    badges.appendChild(withAvailability(a, opts.team?.get(assignee.id)));
  }
  const online = opts.online?.has(c.meta?.sender?.id ?? -1);
  const av = h('span', { class: 'row-avatar' }, contactAvatar(contact, 'avatar'), h('span', { class: 'channel-dot', title: 'Web' }, icon('globe', 'icon')), online ? presenceDot() : null);
  return h(
    'a',
    {
      class: `row${unread ? ' unread' : ''}${c.id === opts.selectedId ? ' selected' : ''}`,
      href: `#/conversations/${c.id}`,
      'data-testid': 'conversation-row',
      'data-conversation-id': c.id,
      'aria-current': c.id === opts.selectedId ? 'true' : null,
    },
    av,
    h(
      'span',
      { class: 'row-main' },
      h('span', { class: 'row-top' }, h('span', { class: 'row-name', text: name }), time),
      h('span', { class: 'row-bottom' }, preview, badges),
      c.labels?.length ? labelChips(c.labels, opts.labelColors) : null,
    ),
  );
}

/**
 * A conversation's labels as small coloured chips.
 * @param {string[]} titles @param {Map<string, string>} [colors]
 */
export function labelChips(titles, colors) {
  return h(
    'span',
    { class: 'label-chips' },
    ...titles.map((title) => {
      const dot = h('span', { class: 'label-dot' });
      dot.style.background = colors?.get(title) ?? 'var(--muted)';
      return h('span', { class: 'label-chip', 'data-testid': 'label-chip', 'data-label': title }, dot, h('span', { text: title }));
    }),
  );
}

function skeletonRow() {
  return h('div', { class: 'row skeleton', 'aria-hidden': 'true' }, h('span', { class: 'sk sk-avatar' }), h('span', { class: 'row-main' }, h('span', { class: 'sk sk-line' }), h('span', { class: 'sk sk-line short' })));
}
