// @ts-check
/**
 * The greeter bot's card on an inbox's settings page (B3): on or off, its
 * name, picture and greeting. Each save is a new version of the inbox's
 * chatflow (`/inboxes/{id}/greeter`).
 */

import { h } from '../shared/lib.js';
import { api, base, failed, field, photoPicker, t, toast } from './common.js';

/** @param {number} inbox */
export async function greeterCard(inbox) {
  const url = `${base}/inboxes/${inbox}/greeter`;
  const g = await api('GET', url);
  const enabled = h('input', { type: 'checkbox', name: 'enabled', checked: g.enabled, 'data-testid': 'greeter-enabled' });
  const name = h('input', { name: 'name', maxlength: 255, value: g.name || t('settings.greeterDefaultName'), 'data-testid': 'greeter-name' });
  const greeting = h('textarea', { name: 'greeting', rows: 3, maxlength: 2000, 'data-testid': 'greeter-greeting' });
  greeting.value = g.greeting || '';
  const version = h('span', { class: 'muted', 'data-testid': 'greeter-version', text: g.version ? t('settings.greeterVersion', { n: g.version }) : '' });
  const form = h(
    'form',
    { class: 'card', 'data-testid': 'greeter-form' },
    h('h3', { text: t('settings.greeter') }),
    h('p', { class: 'muted', text: t('settings.greeterHint') }),
    photoPicker({ name: g.name || t('settings.greeterDefaultName'), detail: t('settings.greeterPictureHint'), hint: t('settings.pictureTypes'), url: g.avatar_url, upload: ['POST', `${url}/avatar`, 'avatar'], remove: `${url}/avatar`, testid: 'greeter-photo' }),
    h('label', { class: 'check' }, enabled, h('span', { text: t('settings.greeterEnabled') })),
    field(t('settings.greeterName'), name),
    field(t('settings.greeterGreeting'), greeting),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn primary', 'data-testid': 'greeter-save' }, t('settings.save')), version),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      const saved = await api('PATCH', url, { enabled: enabled.checked, name: name.value, greeting: greeting.value });
      version.textContent = t('settings.greeterVersion', { n: saved.version });
      toast(t('settings.saved'));
    } catch (err) {
      failed(err);
    }
  });
  return form;
}
