// @ts-check
/**
 * What every settings view uses: the page's account and user, the API, the
 * strings, toasts, labelled fields and copy boxes.
 */

import { HttpError, avatar, errorText, h, icon, makeFormatters, makeT, pickLocale, request } from '../shared/lib.js';

export const body = document.body.dataset;
export const account = Number(body.accountId);
export const me = Number(body.userId);
export const base = `/api/v1/accounts/${account}`;
export const t = makeT(JSON.parse(document.getElementById('parlor-strings')?.textContent || '{}'));
export const fmt = makeFormatters(pickLocale(body.lang || 'en'));
export const root = /** @type {HTMLElement} */ (document.getElementById('settings-body'));

/** @param {string} method @param {string} url @param {unknown} [payload] */
export const api = (method, url, payload) =>
  request(method, url, payload, { credentials: 'same-origin', onUnauthorized: () => location.assign('/login') });

/** @param {string} text @param {boolean} [bad] */
export function toast(text, bad = false) {
  const node = h('div', { class: bad ? 'toast bad' : 'toast', role: bad ? 'alert' : 'status', text });
  document.getElementById('toasts')?.appendChild(node);
  setTimeout(() => node.remove(), 6000);
}

/** @param {unknown} err */
export const failed = (err) => toast(errorText(err, t, 'settings.loadFailed'), true);

/**
 * Makes a change, then (with `saved`) says so and reloads the view; a refusal
 * says why and changes nothing on the page.
 * @param {() => Promise<unknown>} change @param {() => Promise<void>} refresh @param {boolean} [saved]
 */
export async function changeThen(change, refresh, saved = true) {
  try {
    await change();
    if (saved) toast(t('settings.saved'));
    await refresh();
  } catch (err) {
    failed(err);
  }
}

/** A read-only field with a copy button (setup links, tokens, the snippet). */
export function copyBox(/** @type {string} */ value, /** @type {string} */ testid, multiline = false) {
  const field = multiline
    ? h('textarea', { class: 'copy-value', readonly: true, rows: 3, 'data-testid': testid, spellcheck: 'false' })
    : h('input', { class: 'copy-value', readonly: true, 'data-testid': testid, spellcheck: 'false' });
  field.value = value;
  const button = h('button', { type: 'button', class: 'btn', 'data-testid': `${testid}-copy` }, icon('copy'), t('settings.copy'));
  button.addEventListener('click', async () => {
    field.select();
    try {
      await navigator.clipboard.writeText(value);
    } catch {
      document.execCommand('copy');
    }
    button.lastChild && (button.lastChild.textContent = t('settings.copied'));
    setTimeout(() => button.lastChild && (button.lastChild.textContent = t('settings.copy')), 2000);
  });
  return h('div', { class: 'copy-box' }, field, button);
}

/** @param {string} label @param {HTMLElement} control @param {string} [hint] */
export const field = (label, control, hint) =>
  h('label', { class: 'field' }, h('span', { class: 'label', text: label }), control, hint ? h('span', { class: 'hint', text: hint }) : null);

/** @param {string} name @param {Array<[string, string]>} options @param {string} value */
export function select(name, options, value) {
  const s = h('select', { name }, ...options.map(([v, label]) => h('option', { value: v, text: label })));
  s.value = value;
  return s;
}

export const ROLES = () => /** @type {Array<[string, string]>} */ ([['agent', t('settings.roleAgent')], ['administrator', t('settings.roleAdministrator')]]);
export const AVAILABILITY = () => /** @type {Array<[string, string]>} */ ([['online', t('settings.online')], ['busy', t('settings.busy')], ['offline', t('settings.offline')]]);

/** The photo with "Upload photo" and "Remove": sent at once, as Chatwoot's multipart profile update. */
/**
 * A picture with upload and remove buttons: a profile's photo, an inbox's picture.
 * @param {{name: string, detail: string, hint: string, url: string, upload: [string, string, string], remove: string, testid: string}} o
 *   `upload`: method, URL and form field name of the multipart upload; `remove`: the DELETE URL.
 */
export function photoPicker(o) {
  const face = h('span', { class: 'profile-face', 'data-testid': o.testid });
  const show = (/** @type {string} */ url) => face.replaceChildren(avatar(o.name, 'avatar lg', url || null));
  show(o.url);
  const file = h('input', { type: 'file', accept: 'image/png,image/jpeg,image/webp', class: 'sr-only', 'data-testid': `${o.testid}-input` });
  const pick = h('button', { type: 'button', class: 'btn', 'data-testid': `${o.testid}-upload` }, t('settings.uploadPhoto'));
  const remove = h('button', { type: 'button', class: 'btn ghost', 'data-testid': `${o.testid}-remove`, hidden: !o.url }, t('settings.removePhoto'));
  pick.addEventListener('click', () => file.click());
  file.addEventListener('change', async () => {
    const chosen = file.files?.[0];
    if (!chosen) return;
    const [method, url, fieldName] = o.upload;
    const form = new FormData();
    form.append(fieldName, chosen);
    try {
      const res = await fetch(url, { method, body: form, credentials: 'same-origin' });
      const body = await res.json().catch(() => ({}));
      if (!res.ok) throw new HttpError(res.status, body.code || '', body.message || '');
      show(body.avatar_url);
      remove.hidden = !body.avatar_url;
      toast(t('settings.saved'));
    } catch (err) {
      failed(err);
    }
    file.value = '';
  });
  remove.addEventListener('click', async () => {
    try {
      const body = await api('DELETE', o.remove);
      show(body?.avatar_url);
      remove.hidden = true;
    } catch (err) {
      failed(err);
    }
  });
  return h(
    'div',
    { class: 'profile-who' },
    face,
    h('div', { class: 'who' }, h('strong', { text: o.name }), h('div', { class: 'muted', text: o.detail }), h('div', { class: 'photo-actions' }, pick, remove, file), h('span', { class: 'hint', text: o.hint })),
  );
}
