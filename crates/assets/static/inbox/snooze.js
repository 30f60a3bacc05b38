// @ts-check
/**
 * The header's snooze menu (I8, issue 14): snooze until the visitor replies,
 * for an hour, until tomorrow or next Monday morning, until a chosen time, or
 * mark the conversation pending. Choosing calls back with Chatwoot's
 * `toggle_status` body; main.js sends it. Escape or a click elsewhere closes.
 */

import { h } from '../shared/lib.js';
import { t } from './i18n.js';

/** @typedef {{status: 'snoozed' | 'pending', snoozed_until?: number | null}} StatusChoice */

/** @type {HTMLElement | null} */
let openMenu = null;

function close() {
  openMenu?.remove();
  openMenu = null;
}

/** Seconds since the epoch of `days` days from today at 9:00 local time. @param {number} days */
function morning(days) {
  const d = new Date();
  d.setDate(d.getDate() + days);
  d.setHours(9, 0, 0, 0);
  return Math.floor(d.getTime() / 1000);
}

/** Days until next Monday (1 to 7). */
const toMonday = () => ((8 - new Date().getDay()) % 7) || 7;

/**
 * @param {HTMLElement} anchor
 * @param {(choice: StatusChoice) => void} onChoose
 */
export function openSnoozeMenu(anchor, onChoose) {
  if (openMenu) return close();
  /** @param {StatusChoice} choice */
  const choose = (choice) => {
    close();
    onChoose(choice);
    anchor.focus();
  };
  /** @param {string} testid @param {string} label @param {StatusChoice} choice */
  const option = (testid, label, choice) => h('button', { type: 'button', class: 'snooze-option', role: 'menuitem', 'data-testid': testid, text: label, onclick: () => choose(choice) });
  const now = () => Math.floor(Date.now() / 1000);
  const custom = /** @type {HTMLInputElement} */ (h('input', { type: 'datetime-local', class: 'snooze-custom', 'aria-label': t('inbox.snoozeCustom'), 'data-testid': 'snooze-custom' }));
  const customGo = h('button', { type: 'button', class: 'btn', 'data-testid': 'snooze-custom-go', text: t('inbox.snoozeAt') });
  customGo.addEventListener('click', () => {
    const at = custom.value ? Math.floor(new Date(custom.value).getTime() / 1000) : NaN;
    if (!Number.isFinite(at) || at <= now()) {
      custom.setCustomValidity(t('inbox.snoozeFuture'));
      custom.reportValidity();
      return;
    }
    choose({ status: 'snoozed', snoozed_until: at });
  });
  custom.addEventListener('input', () => custom.setCustomValidity(''));
  const menu = h(
    'div',
    { class: 'assign-menu snooze-menu', role: 'menu', 'data-testid': 'snooze-menu' },
    h('p', { class: 'assign-group', text: t('inbox.snoozeTitle') }),
    option('snooze-reply', t('inbox.snoozeUntilReply'), { status: 'snoozed', snoozed_until: null }),
    option('snooze-hour', t('inbox.snoozeHour'), { status: 'snoozed', snoozed_until: now() + 3600 }),
    option('snooze-tomorrow', t('inbox.snoozeTomorrow'), { status: 'snoozed', snoozed_until: morning(1) }),
    option('snooze-monday', t('inbox.snoozeMonday'), { status: 'snoozed', snoozed_until: morning(toMonday()) }),
    h('div', { class: 'snooze-row' }, custom, customGo),
    h('hr'),
    option('mark-pending', t('inbox.markPending'), { status: 'pending' }),
  );
  menu.addEventListener('keydown', (ev) => {
    if (ev.key !== 'Escape') return;
    ev.preventDefault();
    close();
    anchor.focus();
  });
  anchor.after(menu);
  openMenu = menu;
  /** @type {HTMLElement | null} */ (menu.querySelector('.snooze-option'))?.focus();
  setTimeout(() => document.addEventListener('click', function away(ev) {
    if (!menu.contains(/** @type {Node} */ (ev.target)) && !anchor.contains(/** @type {Node} */ (ev.target))) {
      if (openMenu === menu) close();
      document.removeEventListener('click', away);
    } else if (openMenu !== menu) document.removeEventListener('click', away);
  }));
}
