// @ts-check
/**
 * How the inbox names and pictures a contact. A visitor who gave no name has
 * an empty `name` on the API; the inbox calls it "Visitor #N" in its own
 * language, and gives it an avatar its neighbours do not share.
 */

import { avatar, h } from '../shared/lib.js';
import { t } from './i18n.js';

/** @typedef {import('./api.js').Contact} Contact */

/** @param {Contact | null | undefined} contact @param {number} [fallbackId] */
export function contactName(contact, fallbackId) {
  return contact?.name || t('inbox.visitorN', { n: String(contact?.id ?? fallbackId ?? '') });
}

/**
 * A contact's avatar. An unnamed visitor's shows the last two digits of its
 * number on a hue a golden angle from the previous number's, so #4, #40 and
 * #41 never look alike.
 * @param {Contact | null | undefined} contact @param {string} [cls]
 */
export function contactAvatar(contact, cls = 'avatar') {
  if (contact?.name || typeof contact?.id !== 'number') return avatar(contactName(contact), cls);
  const node = h('span', { class: cls, 'aria-hidden': 'true', text: String(contact.id % 100) });
  node.style.setProperty('--hue', String(Math.round((contact.id * 137.508) % 360)));
  return node;
}

/**
 * An agent's avatar with their availability dot (online, busy, offline), as
 * the team list says; the bare avatar when it does not know them.
 * @param {HTMLElement} face
 * @param {string | undefined} status
 */
export function withAvailability(face, status) {
  if (!status) return face;
  return h('span', { class: `avatar-wrap ${status}`, 'data-availability': status }, face, h('span', { class: 'dot', 'aria-hidden': 'true' }));
}
