// @ts-check
/**
 * The profile's notifications card (I10): which kinds notify the user, and
 * whether the inbox shows a browser notification and plays a sound while its
 * tab is in the background. Chatwoot's `notification_settings` underneath.
 */

import { h } from '../shared/lib.js';
import { api, base, failed, t, toast } from './common.js';

const KINDS = [
  'conversation_creation',
  'conversation_assignment',
  'assigned_conversation_new_message',
  'conversation_mention',
  'conversation_bot_handoff',
];

export async function notificationsCard() {
  const url = `${base}/notification_settings`;
  const s = (await api('GET', url)).notification_settings;
  const push = new Set((s.selected_push_flags ?? []).map((/** @type {string} */ f) => f.replace(/^push_/, '')));
  /** @param {string} testid @param {boolean} on @param {string} label */
  const box = (testid, on, label) => {
    const input = /** @type {HTMLInputElement} */ (h('input', { type: 'checkbox', checked: on, 'data-testid': testid }));
    return { input, row: h('label', { class: 'check' }, input, h('span', { text: label })) };
  };
  const kinds = KINDS.map((k) => ({ k, ...box(`notify-${k}`, push.has(k), t(`settings.notify_${k}`)) }));
  const browser = box('notify-browser', s.browser_notifications !== false, t('settings.notifyBrowser'));
  const sound = box('notify-sound', s.sound !== false, t('settings.notifySound'));
  const form = h(
    'form',
    { class: 'card', 'data-testid': 'notifications-form' },
    h('h3', { text: t('settings.notifications') }),
    ...kinds.map((x) => x.row),
    browser.row,
    sound.row,
    h('button', { type: 'submit', class: 'btn primary', 'data-testid': 'notifications-save' }, t('settings.save')),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const flags = kinds.filter((x) => x.input.checked).map((x) => x.k);
    try {
      await api('PUT', url, {
        notification_settings: {
          selected_push_flags: flags.map((f) => `push_${f}`),
          selected_email_flags: flags.map((f) => `email_${f}`),
          browser_notifications: browser.input.checked,
          sound: sound.input.checked,
        },
      });
      toast(t('settings.saved'));
    } catch (err) {
      failed(err);
    }
  });
  return form;
}
