// @ts-check
/**
 * Feedback that is not part of a pane: error toasts that say what to do, the
 * screen-reader announcer, and the keyboard shortcut help (`?`).
 */

import { PermanentError, errorText, h, icon } from '../shared/lib.js';
import { t } from './i18n.js';

const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));

/** @param {string} text */
export function toast(text) {
  const close = h('button', { type: 'button', class: 'icon-btn', 'aria-label': t('inbox.done') }, icon('close'));
  const node = h('div', { class: 'toast', role: 'alert' }, h('span', { text }), close);
  const remove = () => node.remove();
  close.addEventListener('click', remove);
  $('toasts').appendChild(node);
  setTimeout(remove, 8000);
}

/** @param {unknown} err */
export const reason = (err) => (err instanceof PermanentError ? err.message : errorText(err, t, 'inbox.errorGeneric'));

/** @param {string} text */
export function announce(text) {
  const a = $('announcer');
  a.textContent = '';
  setTimeout(() => (a.textContent = text), 50);
}

export function buildShortcuts() {
  /** @type {Array<[string, string]>} */
  const keys = [['j', 'inbox.kNext'], ['k', 'inbox.kPrev'], ['r', 'inbox.kReply'], ['c', 'inbox.kComment'], ['a', 'inbox.kAssign'], ['e', 'inbox.kClose'], ['Esc', 'inbox.kEsc'], ['?', 'inbox.kHelp']];
  const dialog = h(
    'dialog',
    { class: 'shortcuts', 'aria-labelledby': 'shortcuts-title' },
    h('h2', { id: 'shortcuts-title', text: t('inbox.shortcuts') }),
    h('dl', {}, ...keys.flatMap(([k, label]) => [h('dt', {}, h('kbd', { text: k })), h('dd', { text: t(label) })])),
    h('form', { method: 'dialog' }, h('button', { class: 'btn primary', text: t('inbox.done') })),
  );
  document.body.appendChild(dialog);
  return dialog;
}
