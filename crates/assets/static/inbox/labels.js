// @ts-check
/**
 * A conversation's labels under its header: coloured chips and a "Labels"
 * button whose menu ticks the account's labels on and off (filtered as one
 * types; Escape closes). Each change is Chatwoot's `POST …/labels` with the
 * whole set; the answer's conversation comes back through `onSaved`.
 */

import { h, icon } from '../shared/lib.js';
import { t } from './i18n.js';
import { labelChips } from './list.js';
import { api, state } from './state.js';

/** @typedef {import('./api.js').Conversation} Conversation */

/** The labels' colours by title, for chips anywhere in the inbox. */
export function labelColors() {
  return new Map(state.labels.map((l) => [l.title, l.color]));
}

/** @type {HTMLElement | null} */
let openMenu = null;

function closeMenu() {
  openMenu?.remove();
  openMenu = null;
}

/**
 * @param {HTMLElement} root the bar under the thread's header
 * @param {Conversation} c
 * @param {{onSaved: (c: Conversation) => void, onError: (err: unknown) => void}} on
 */
export function renderLabelBar(root, c, on) {
  const titles = c.labels ?? [];
  root.hidden = !state.labels.length && !titles.length;
  const chips = titles.length ? labelChips(titles, labelColors()) : h('span', { class: 'muted no-labels', text: t('inbox.noLabels') });
  // The same conversation: new chips, the button (and an open menu) stay.
  if (root.dataset.conversation === String(c.id) && root.firstElementChild) {
    root.firstElementChild.replaceWith(chips);
    return;
  }
  closeMenu();
  root.dataset.conversation = String(c.id);
  // The menu opens on the conversation as it is then (a teammate may have labelled it meanwhile).
  const button = h(
    'button',
    { type: 'button', class: 'btn ghost label-button', 'aria-haspopup': 'true', 'data-testid': 'labels-button', onclick: () => toggleMenu(button, state.convs.get(c.id) ?? c, on) },
    icon('tag', 'icon tiny'),
    h('span', { text: t('inbox.labels') }),
  );
  root.replaceChildren(chips, h('span', { class: 'label-anchor' }, button));
}

/**
 * @param {HTMLElement} anchor
 * @param {Conversation} c
 * @param {{onSaved: (c: Conversation) => void, onError: (err: unknown) => void}} on
 */
function toggleMenu(anchor, c, on) {
  if (openMenu) return closeMenu();
  const chosen = new Set(c.labels ?? []);
  const search = /** @type {HTMLInputElement} */ (h('input', { type: 'search', class: 'assign-search', placeholder: t('inbox.labelSearch'), 'aria-label': t('inbox.labelSearch'), 'data-testid': 'label-search' }));
  const boxes = state.labels.map((l) => {
    const box = /** @type {HTMLInputElement} */ (h('input', { type: 'checkbox', checked: chosen.has(l.title), value: l.title }));
    const dot = h('span', { class: 'label-dot' });
    dot.style.background = l.color;
    const row = h('label', { class: 'label-option', 'data-testid': 'label-option', 'data-label': l.title }, box, dot, h('span', { text: l.title }), l.description ? h('span', { class: 'assign-meta', text: l.description }) : null);
    box.addEventListener('change', async () => {
      const next = boxes.filter((b) => b.box.checked).map((b) => b.box.value);
      try {
        await api.setLabels(c.id, next);
        on.onSaved({ ...c, labels: next.sort() });
      } catch (err) {
        box.checked = !box.checked;
        on.onError(err);
      }
    });
    return { box, row, title: l.title };
  });
  const list = h('div', { class: 'label-list' }, ...boxes.map((b) => b.row));
  const menu = h('div', { class: 'assign-menu label-menu', 'data-testid': 'label-menu' }, search, list);
  search.addEventListener('input', () => {
    const q = search.value.trim().toLowerCase();
    for (const b of boxes) b.row.hidden = !!q && !b.title.includes(q);
  });
  menu.addEventListener('keydown', (ev) => {
    if (ev.key !== 'Escape') return;
    ev.preventDefault();
    closeMenu();
    anchor.focus();
  });
  anchor.after(menu);
  openMenu = menu;
  search.focus();
  setTimeout(() => document.addEventListener('click', function away(ev) {
    if (!menu.contains(/** @type {Node} */ (ev.target)) && !anchor.contains(/** @type {Node} */ (ev.target))) {
      if (openMenu === menu) closeMenu();
      document.removeEventListener('click', away);
    } else if (openMenu !== menu) document.removeEventListener('click', away);
  }));
}
