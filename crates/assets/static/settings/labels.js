// @ts-check
/**
 * The labels page: each label's title, colour, description and whether the
 * inbox's filter offers it; a form to add one. Chatwoot's labels API
 * underneath (a title is a key: letters, digits, `_` and `-`).
 */

import { h } from '../shared/lib.js';
import { api, base, changeThen, field, root, t } from './common.js';

/** @typedef {{id: number, title: string, description: string, color: string, show_on_sidebar: boolean}} Label */

const TITLE_PATTERN = '[\\p{L}\\p{N}_\\-]{1,64}';

/** @param {string} name @param {string} value @param {string} testid */
const titleInput = (name, value, testid) =>
  h('input', { name, required: true, maxlength: 64, pattern: TITLE_PATTERN, value, autocomplete: 'off', spellcheck: 'false', title: t('settings.labelTitleHint'), 'data-testid': testid });

export async function labelsView() {
  const list = h('div', { class: 'labels', 'data-testid': 'labels-list' });
  const form = h(
    'form',
    { class: 'card', 'data-testid': 'add-label' },
    h('h2', { text: t('settings.addLabel') }),
    h(
      'div',
      { class: 'row' },
      field(t('settings.labelTitle'), titleInput('title', '', 'label-title'), t('settings.labelTitleHint')),
      field(t('settings.labelColor'), h('input', { type: 'color', name: 'color', value: '#1f93ff', 'data-testid': 'label-color' })),
    ),
    field(t('settings.labelDescription'), h('input', { name: 'description', maxlength: 255, autocomplete: 'off', 'data-testid': 'label-description' })),
    h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'show_on_sidebar', checked: true }), h('span', { text: t('settings.labelInFilter') })),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn primary', 'data-testid': 'label-add' }, t('settings.add'))),
  );
  root.replaceChildren(h('header', { class: 'settings-head' }, h('h2', { text: t('settings.labels') }), h('p', { class: 'lead', text: t('settings.labelsLead') })), list, form);

  const refresh = async () => {
    /** @type {{payload: Label[]}} */
    const { payload } = await api('GET', `${base}/labels`);
    list.replaceChildren(...(payload.length ? payload.map((l) => labelCard(l, refresh)) : [h('p', { class: 'muted', 'data-testid': 'labels-empty', text: t('settings.noLabels') })]));
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const data = new FormData(form);
    const body = { title: data.get('title'), description: data.get('description'), color: data.get('color'), show_on_sidebar: data.get('show_on_sidebar') === 'on' };
    void changeThen(async () => (await api('POST', `${base}/labels`, body), form.reset()), refresh);
  });
  await refresh();
}

/** @param {Label} label @param {() => Promise<void>} refresh */
function labelCard(label, refresh) {
  const url = `${base}/labels/${label.id}`;
  const title = titleInput('title', label.title, 'label-edit-title');
  const color = /** @type {HTMLInputElement} */ (h('input', { type: 'color', name: 'color', value: label.color, 'data-testid': 'label-edit-color' }));
  const description = h('input', { name: 'description', maxlength: 255, value: label.description });
  const sidebar = h('input', { type: 'checkbox', name: 'show_on_sidebar', checked: label.show_on_sidebar });
  // Through the CSSOM: the page's CSP refuses style attributes.
  const swatch = h('span', { class: 'label-swatch' });
  swatch.style.background = label.color;
  color.addEventListener('input', () => (swatch.style.background = color.value));
  const remove = h('button', { type: 'button', class: 'btn danger', 'data-testid': 'label-delete' }, t('settings.remove'));
  const form = h(
    'form',
    { class: 'card label-card', 'data-testid': 'label-card', 'data-label': label.title },
    h('div', { class: 'row' }, field(t('settings.labelTitle'), h('div', { class: 'label-title-field' }, swatch, title)), field(t('settings.labelColor'), color)),
    field(t('settings.labelDescription'), description),
    h('label', { class: 'check' }, sidebar, h('span', { text: t('settings.labelInFilter') })),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn primary', 'data-testid': 'label-save' }, t('settings.save')), remove),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const body = { title: title.value, color: color.value, description: description.value, show_on_sidebar: sidebar.checked };
    void changeThen(() => api('PATCH', url, body), refresh);
  });
  remove.addEventListener('click', () => {
    if (confirm(t('settings.confirmDeleteLabel', { name: label.title }))) void changeThen(() => api('DELETE', url), refresh, false);
  });
  return form;
}
