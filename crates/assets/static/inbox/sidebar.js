// @ts-check
/**
 * The contact sidebar: who this is and where the chat started (W10 context).
 * Every value is visitor-supplied, so everything is text; the start page is a
 * link only when it is an http(s) URL.
 */

import { h, icon, safeLink } from '../shared/lib.js';
import { t } from './i18n.js';
import { contactAvatar, contactName } from './people.js';

/**
 * @typedef {import('./api.js').Conversation} Conversation
 * @typedef {ReturnType<typeof import('../shared/lib.js').makeFormatters>} Fmt
 */

/**
 * @param {HTMLElement} root
 * @param {Conversation | null} c
 * @param {{fmt: Fmt, locale: string, onClose: () => void}} opts
 */
export function renderSidebar(root, c, opts) {
  if (!c) {
    root.replaceChildren();
    return;
  }
  const contact = c.meta?.sender;
  const name = contactName(contact);
  const attrs = c.additional_attributes ?? {};
  const closeBtn = h('button', { type: 'button', class: 'icon-btn', 'aria-label': t('inbox.hideContact'), title: t('inbox.hideContact'), onclick: opts.onClose }, icon('close'));

  /** @type {HTMLElement[]} */
  const rows = [];
  /** @param {string} label @param {Node | string | null | undefined} value @param {string} [testid] */
  const add = (label, value, testid) => {
    if (value === null || value === undefined || value === '') return;
    rows.push(h('div', { class: 'fact' }, h('dt', { text: label }), h('dd', { 'data-testid': testid ?? null }, value)));
  };

  if (contact?.email) add(t('inbox.email'), contact.email);
  if (contact?.phone_number) add(t('inbox.phone'), contact.phone_number);
  const url = attrs.initiated_at_url;
  if (url) add(t('inbox.startedOn'), safeLink(url, prettyUrl(url)) ?? url, 'context-page-url');
  add(t('inbox.pageTitle'), attrs.initiated_at_title);
  if (attrs.referer) add(t('inbox.referrer'), safeLink(attrs.referer, prettyUrl(attrs.referer)) ?? attrs.referer);
  add(t('inbox.language'), languageName(attrs.browser_language, opts.locale));
  if (attrs.user_agent) add(t('inbox.browser'), h('span', { title: attrs.user_agent, text: summarizeUA(attrs.user_agent) }));
  if (contact?.created_at) add(t('inbox.firstSeen'), h('time', { title: opts.fmt.full(contact.created_at), text: opts.fmt.full(contact.created_at) }));
  add(t('inbox.conversation'), `#${c.id}`);

  root.replaceChildren(
    h('div', { class: 'contact-head' }, h('h2', { class: 'pane-title', text: t('inbox.contactInfo') }), closeBtn),
    h('div', { class: 'contact-card' }, contactAvatar(contact, 'avatar lg'), h('p', { class: 'contact-name', 'data-testid': 'contact-name', text: name }), contact?.email ? h('p', { class: 'contact-sub', text: contact.email }) : null),
    h('dl', { class: 'facts' }, ...rows),
  );
}

/**
 * "https://shop.example/demo?x=1" → "shop.example/demo?x=1": what matters, readable.
 * @param {string} url
 */
function prettyUrl(url) {
  try {
    const u = new URL(url);
    return (u.host + u.pathname + u.search).replace(/\/$/, '') || url;
  } catch {
    return url;
  }
}

/**
 * "de-DE" → "German (Germany) · de-DE" in the viewer's language.
 * @param {string | null | undefined} code
 * @param {string} locale
 */
function languageName(code, locale) {
  if (!code) return null;
  try {
    const name = new Intl.DisplayNames([locale], { type: 'language' }).of(code);
    return name && name !== code ? `${name} · ${code}` : code;
  } catch {
    return code;
  }
}

/**
 * A short, human summary of a user agent string ("Chrome 120 · macOS").
 * @param {string} ua
 */
export function summarizeUA(ua) {
  const browser =
    match(ua, /Edg\/(\d+)/, 'Edge') ||
    match(ua, /OPR\/(\d+)/, 'Opera') ||
    match(ua, /Firefox\/(\d+)/, 'Firefox') ||
    match(ua, /(?:Chrome|Chromium|CriOS)\/(\d+)/, 'Chrome') ||
    match(ua, /Version\/(\d+)[\d.]* .*Safari/, 'Safari') ||
    '';
  const os = /iPhone|iPad/.test(ua)
    ? 'iOS'
    : /Android/.test(ua)
      ? 'Android'
      : /Mac OS X/.test(ua)
        ? 'macOS'
        : /Windows/.test(ua)
          ? 'Windows'
          : /Linux/.test(ua)
            ? 'Linux'
            : '';
  return [browser, os].filter(Boolean).join(' · ') || ua.slice(0, 60);
}

/** @param {string} ua @param {RegExp} re @param {string} name */
function match(ua, re, name) {
  const m = ua.match(re);
  return m ? `${name} ${m[1]}` : '';
}
