// @ts-check
/**
 * The conversation header's assignee dropdown (I5): the account's agents
 * (photo, availability, open conversations) and its teams, filtered as one
 * types; arrow keys and Enter, or the mouse; Escape closes. Choosing calls
 * back; main.js sends Chatwoot's `assignments` and renders.
 */

import { avatar, h, icon } from '../shared/lib.js';
import { t } from './i18n.js';
import { withAvailability } from './people.js';
import { me, state } from './state.js';

/** @typedef {{kind: 'agent', id: number | null} | {kind: 'team', id: number | null}} Choice */

/** @type {HTMLElement | null} */
let openMenu = null;

export function closeAssignMenu() {
  openMenu?.remove();
  openMenu = null;
}

/**
 * Opens the menu under `anchor` for conversation `c`.
 * @param {HTMLElement} anchor
 * @param {import('./api.js').Conversation} c
 * @param {(choice: Choice) => void} onChoose
 */
export function openAssignMenu(anchor, c, onChoose) {
  if (openMenu) return closeAssignMenu();
  const search = /** @type {HTMLInputElement} */ (h('input', { type: 'search', class: 'assign-search', placeholder: t('inbox.assignSearch'), 'aria-label': t('inbox.assignSearch'), 'data-testid': 'assign-search' }));
  const list = h('ul', { class: 'assign-list', role: 'listbox', 'aria-label': t('inbox.assignee') });
  const menu = h('div', { class: 'assign-menu', 'data-testid': 'assign-menu' }, search, list);
  const current = c.meta?.assignee?.id ?? null;
  const team = c.team_id ?? c.meta?.team?.id ?? null;

  /** @param {Choice} choice */
  const choose = (choice) => {
    closeAssignMenu();
    onChoose(choice);
    anchor.focus();
  };
  /** @param {string} label @param {HTMLElement | null} face @param {string} meta @param {boolean} on @param {Choice} choice @param {string} testid */
  const option = (label, face, meta, on, choice, testid) =>
    h(
      'li',
      { role: 'option', class: 'assign-option', 'aria-selected': String(on), tabindex: '-1', 'data-testid': testid, 'data-id': choice.id === null ? '' : String(choice.id), 'data-label': label.toLowerCase(), onclick: () => choose(choice) },
      face ?? h('span', { class: 'assign-icon' }, icon(choice.kind === 'team' ? 'inbox' : 'user', 'icon tiny')),
      h('span', { class: 'assign-name', text: label }),
      meta ? h('span', { class: 'assign-meta', text: meta }) : null,
      on ? icon('check', 'icon tiny') : null,
    );

  const agents = [...state.agents.values()].sort((a, b) => Number(b.id === me.id) - Number(a.id === me.id) || (a.available_name || a.name).localeCompare(b.available_name || b.name));
  const rows = [
    h('li', { class: 'assign-group', role: 'presentation', text: t('inbox.agents') }),
    ...agents.map((a) => {
      const name = a.id === me.id ? `${a.available_name || a.name} (${t('inbox.you')})` : a.available_name || a.name;
      const face = withAvailability(avatar(a.available_name || a.name, 'avatar xs', a.avatar_url || a.thumbnail || undefined), a.availability_status);
      const open = t('inbox.openCount', { n: a.open_conversations_count ?? 0 });
      return option(name, face, open, a.id === current, { kind: 'agent', id: a.id }, 'assign-agent');
    }),
    current !== null ? option(t('inbox.unassign'), null, '', false, { kind: 'agent', id: null }, 'assign-none') : null,
    state.teams.length ? h('li', { class: 'assign-group', role: 'presentation', text: t('inbox.teams') }) : null,
    ...state.teams.map((tm) => option(tm.name, null, '', tm.id === team, { kind: 'team', id: tm.id }, 'assign-team')),
    team !== null ? option(t('inbox.noTeam'), null, '', false, { kind: 'team', id: null }, 'assign-no-team') : null,
  ];
  list.replaceChildren(...rows.filter((r) => r !== null));
  const options = () => /** @type {HTMLElement[]} */ ([...list.querySelectorAll('.assign-option')].filter((o) => !(/** @type {HTMLElement} */ (o).hidden)));
  search.addEventListener('input', () => {
    const q = search.value.trim().toLowerCase();
    for (const o of /** @type {NodeListOf<HTMLElement>} */ (list.querySelectorAll('.assign-option'))) o.hidden = !!q && !(o.dataset.label || '').includes(q);
  });
  menu.addEventListener('keydown', (ev) => {
    const all = options();
    const i = all.indexOf(/** @type {HTMLElement} */ (document.activeElement));
    if (ev.key === 'Escape') {
      ev.preventDefault();
      closeAssignMenu();
      anchor.focus();
    } else if (ev.key === 'ArrowDown' || ev.key === 'ArrowUp') {
      ev.preventDefault();
      const next = all[ev.key === 'ArrowDown' ? Math.min(all.length - 1, i + 1) : Math.max(0, i - 1)];
      next?.focus();
    } else if (ev.key === 'Enter') {
      ev.preventDefault();
      (i >= 0 ? all[i] : all[0])?.click();
    }
  });
  anchor.after(menu);
  openMenu = menu;
  search.focus();
  // A click elsewhere closes it.
  setTimeout(() => document.addEventListener('click', function away(ev) {
    if (!menu.contains(/** @type {Node} */ (ev.target)) && ev.target !== anchor) {
      if (openMenu === menu) closeAssignMenu();
      document.removeEventListener('click', away);
    } else if (openMenu !== menu) document.removeEventListener('click', away);
  }));
}
