// @ts-check
/**
 * The teams page: each team's name, description, whether its conversations
 * are assigned automatically, and its members (checkboxes over the account's
 * agents); a form to add one. Chatwoot's teams API underneath.
 */

import { avatar, h } from '../shared/lib.js';
import { api, base, changeThen, field, root, t } from './common.js';

/** @typedef {{id: number, name: string, description: string, allow_auto_assign: boolean}} Team */
/** @typedef {{id: number, available_name: string, email: string, thumbnail?: string}} Agent */

export async function teamsView() {
  const list = h('div', { class: 'teams', 'data-testid': 'teams-list' });
  const form = h(
    'form',
    { class: 'card', 'data-testid': 'add-team' },
    h('h2', { text: t('settings.addTeam') }),
    h(
      'div',
      { class: 'row' },
      field(t('settings.teamName'), h('input', { name: 'name', required: true, maxlength: 60, autocomplete: 'off', 'data-testid': 'team-name' })),
      field(t('settings.teamDescription'), h('input', { name: 'description', maxlength: 500, autocomplete: 'off', 'data-testid': 'team-description' })),
    ),
    h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'allow_auto_assign', checked: true }), h('span', { text: t('settings.teamAutoAssign') })),
    h('button', { type: 'submit', class: 'btn primary', 'data-testid': 'team-add' }, t('settings.add')),
  );
  root.replaceChildren(h('header', { class: 'settings-head' }, h('h2', { text: t('settings.teams') }), h('p', { class: 'lead', text: t('settings.teamsLead') })), list, form);

  const refresh = async () => {
    /** @type {[Team[], Agent[]]} */
    const [teams, agents] = await Promise.all([api('GET', `${base}/teams`), api('GET', `${base}/agents`)]);
    const cards = await Promise.all(teams.map(async (team) => teamCard(team, agents, await api('GET', `${base}/teams/${team.id}/team_members`), refresh)));
    list.replaceChildren(...(cards.length ? cards : [h('p', { class: 'muted', 'data-testid': 'teams-empty', text: t('settings.noTeams') })]));
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const data = new FormData(form);
    const body = { name: data.get('name'), description: data.get('description'), allow_auto_assign: data.get('allow_auto_assign') === 'on' };
    void changeThen(async () => (await api('POST', `${base}/teams`, body), form.reset()), refresh);
  });
  await refresh();
}

/** @param {Team} team @param {Agent[]} agents @param {Agent[]} members @param {() => Promise<void>} refresh */
function teamCard(team, agents, members, refresh) {
  const url = `${base}/teams/${team.id}`;
  const name = h('input', { name: 'name', required: true, maxlength: 60, value: team.name, 'data-testid': 'team-edit-name' });
  const description = h('input', { name: 'description', maxlength: 500, value: team.description });
  const auto = h('input', { type: 'checkbox', name: 'allow_auto_assign', checked: team.allow_auto_assign, 'data-testid': 'team-auto' });
  const inTeam = new Set(members.map((m) => m.id));
  const boxes = agents.map((a) => {
    const box = h('input', { type: 'checkbox', value: String(a.id), checked: inTeam.has(a.id), 'data-testid': 'team-member' });
    return { box, row: h('label', { class: 'check member' }, box, avatar(a.available_name, 'avatar xs', a.thumbnail), h('span', { text: a.available_name }), h('span', { class: 'muted', text: a.email })) };
  });
  const save = h('button', { type: 'submit', class: 'btn primary', 'data-testid': 'team-save' }, t('settings.save'));
  const remove = h('button', { type: 'button', class: 'btn danger', 'data-testid': 'team-delete' }, t('settings.remove'));
  const form = h(
    'form',
    { class: 'card team', 'data-testid': 'team-card', 'data-team': team.name },
    h('div', { class: 'row' }, field(t('settings.teamName'), name), field(t('settings.teamDescription'), description)),
    h('label', { class: 'check' }, auto, h('span', { text: t('settings.teamAutoAssign') })),
    h('fieldset', { class: 'team-members' }, h('legend', { text: t('settings.teamMembers') }), ...boxes.map((b) => b.row)),
    h('div', { class: 'actions' }, save, remove),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const ids = boxes.filter((b) => b.box.checked).map((b) => Number(b.box.value));
    void changeThen(async () => {
      await api('PATCH', url, { name: name.value, description: description.value, allow_auto_assign: auto.checked });
      await api('PATCH', `${url}/team_members`, { user_ids: ids });
    }, refresh);
  });
  remove.addEventListener('click', () => {
    if (confirm(t('settings.confirmDeleteTeam', { name: team.name }))) void changeThen(() => api('DELETE', url), refresh, false);
  });
  return form;
}
