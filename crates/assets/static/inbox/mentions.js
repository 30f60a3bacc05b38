// @ts-check
/**
 * @mentions in comments (I6): typing `@` in the comment editor offers
 * teammates and teams, filtered as one types (arrow keys, Enter or Tab, or
 * the mouse); a chosen one is written as `@Name` and sent in Chatwoot's form,
 * `[@Name](mention://user/ID/Name)` or `mention://team/ID/…`; stored
 * mentions show as chips.
 */

import { h, linkify } from '../shared/lib.js';
import { me, state } from './state.js';

const STORED = /\[@([^\]\n]{1,80})\]\(mention:\/\/(user|team)\/(\d+)\/[^)\n]*\)/g;

/** The text with its mentions as plain `@Name` (a row's preview). @param {string} text */
export const plainMentions = (text) => text.replace(STORED, '@$1');

/** A comment's text with its mentions as chips (links stay links). @param {string} text */
export function withMentions(text) {
  const out = document.createDocumentFragment();
  let at = 0;
  for (const m of text.matchAll(STORED)) {
    out.append(linkify(text.slice(at, m.index)));
    const mine = m[2] === 'user' && Number(m[3]) === me.id;
    out.append(h('span', { class: `mention${mine ? ' me' : ''}`, 'data-testid': 'mention', text: `@${m[1]}` }));
    at = (m.index ?? 0) + m[0].length;
  }
  out.append(linkify(text.slice(at)));
  return out;
}

/**
 * @param {HTMLTextAreaElement} input
 * @param {() => boolean} active only in the comment editor
 */
export function attachMentions(input, active) {
  /** @type {Array<{label: string, token: string}>} */
  let chosen = [];
  const menu = h('ul', { class: 'mention-menu', role: 'listbox', 'data-testid': 'mention-menu', hidden: true });
  input.after(menu);
  let index = 0;
  /** @type {Array<{label: string, token: string}>} */
  let offered = [];

  /** The `@word` just before the caret, if any. */
  const query = () => {
    const before = input.value.slice(0, input.selectionStart ?? 0);
    const m = before.match(/(^|\s)@([\p{L}\p{N} ._-]{0,30})$/u);
    return m ? { q: m[2].toLowerCase(), from: before.length - m[2].length - 1 } : null;
  };

  function close() {
    menu.hidden = true;
    offered = [];
  }

  function show() {
    const found = active() ? query() : null;
    if (!found) return close();
    const people = [...state.agents.values()]
      .filter((a) => a.id !== me.id)
      .map((a) => ({ label: a.available_name || a.name, token: `mention://user/${a.id}/` }));
    const teams = state.teams.map((tm) => ({ label: tm.name, token: `mention://team/${tm.id}/` }));
    offered = [...people, ...teams].filter((c) => c.label.toLowerCase().includes(found.q)).slice(0, 8);
    if (!offered.length) return close();
    index = Math.min(index, offered.length - 1);
    menu.replaceChildren(
      ...offered.map((c, i) =>
        h('li', { role: 'option', class: 'mention-option', 'aria-selected': String(i === index), 'data-testid': 'mention-option', onmousedown: (/** @type {Event} */ ev) => (ev.preventDefault(), pick(i)) }, h('span', { text: `@${c.label}` }), c.token.includes('/team/') ? h('span', { class: 'muted', text: '#' }) : null),
      ),
    );
    menu.hidden = false;
  }

  /** @param {number} i */
  function pick(i) {
    const found = query();
    const c = offered[i];
    if (!found || !c) return close();
    const label = `@${c.label}`;
    const after = input.value.slice(input.selectionStart ?? 0);
    input.value = `${input.value.slice(0, found.from)}${label} ${after}`;
    const caret = found.from + label.length + 1;
    input.setSelectionRange(caret, caret);
    chosen.push({ label, token: `[${label}](${c.token}${encodeURIComponent(c.label)})` });
    close();
    input.dispatchEvent(new Event('input'));
  }

  input.addEventListener('input', () => {
    index = 0;
    show();
  });
  input.addEventListener('blur', close);
  input.addEventListener('keydown', (ev) => {
    if (menu.hidden) return;
    if (ev.key === 'ArrowDown' || ev.key === 'ArrowUp') {
      ev.preventDefault();
      index = (index + (ev.key === 'ArrowDown' ? 1 : offered.length - 1)) % offered.length;
      show();
    } else if (ev.key === 'Enter' || ev.key === 'Tab') {
      ev.preventDefault();
      ev.stopImmediatePropagation();
      pick(index);
    } else if (ev.key === 'Escape') {
      ev.stopImmediatePropagation();
      close();
    }
  });

  return {
    /** Whether the menu has the keyboard (Enter picks rather than sends). */
    open: () => !menu.hidden,
    /** The text as sent: each chosen `@Name` in Chatwoot's mention form. @param {string} text */
    encode(text) {
      let out = text;
      for (const c of chosen) out = out.replace(c.label, c.token);
      return out;
    },
    reset() {
      chosen = [];
      close();
    },
  };
}
