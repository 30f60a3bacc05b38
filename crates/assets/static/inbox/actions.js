// @ts-check
/**
 * What an agent does to the open conversation from its header: close,
 * reopen, snooze or mark pending, assign (the dropdown's choice, or the `a` key's "to me"). Each
 * changes the state optimistically where it can, calls the API and asks
 * main.js to render (`hooks`).
 */

import { t } from './i18n.js';
import { reason, toast } from './feedback.js';
import { api, me, state } from './state.js';

/** @typedef {import('./api.js').Conversation} Conversation */

/** Set by main.js: render everything, refresh the tab counts, reload the team. */
export const hooks = { render: () => {}, counts: () => {}, team: () => {} };

/** Close (or, when closed, reopen) the open conversation. */
export async function toggleStatus() {
  const c = state.openId === null ? null : state.convs.get(state.openId);
  if (c) await setStatus(c.status === 'resolved' ? 'open' : 'resolved');
}

/**
 * Moves the open conversation to `status` (with a snooze's end, in seconds,
 * or null: until the visitor writes).
 * @param {'open' | 'resolved' | 'snoozed' | 'pending'} status @param {number | null} [until]
 */
export async function setStatus(status, until = null) {
  const c = state.openId === null ? null : state.convs.get(state.openId);
  if (!c) return;
  const before = { status: c.status, snoozed_until: c.snoozed_until };
  Object.assign(c, { status, snoozed_until: status === 'snoozed' ? until : null });
  hooks.render();
  try {
    const r = await api.setStatus(c.id, status, until);
    c.status = r?.payload?.current_status || status;
    hooks.counts();
  } catch (err) {
    Object.assign(c, before);
    toast(t('inbox.errorAction', { reason: reason(err) }));
  }
  hooks.render();
}

export async function toggleAssign() {
  const c = state.openId === null ? null : state.convs.get(state.openId);
  if (!c) return;
  const mine = c.meta?.assignee?.id === me.id;
  try {
    const a = await api.assign(c.id, mine ? null : me.id);
    c.meta = { ...c.meta, assignee: mine ? null : a && a.id ? a : { id: me.id, name: me.name, available_name: me.name } };
    hooks.counts();
  } catch (err) {
    toast(t('inbox.errorAction', { reason: reason(err) }));
  }
  hooks.render();
}

/**
 * The dropdown's choice: an agent (or nobody) or a team (or none).
 * @param {Conversation} c @param {import('./assign.js').Choice} choice
 */
export async function assignTo(c, choice) {
  try {
    if (choice.kind === 'agent') {
      const a = await api.assign(c.id, choice.id);
      c.meta = { ...c.meta, assignee: a && a.id ? a : null };
    } else {
      const tm = await api.assignTeam(c.id, choice.id);
      c.team_id = tm?.id ?? null;
      c.meta = { ...c.meta, team: tm };
    }
    hooks.counts();
    hooks.team();
  } catch (err) {
    toast(t('inbox.errorAction', { reason: reason(err) }));
  }
  hooks.render();
}
