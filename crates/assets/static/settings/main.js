// @ts-check
/**
 * The settings pages: the user's profile (names, signature, availability,
 * password, API token), the account's agents (add with a one-time setup link,
 * role, availability, new link, token reset, removal), the teams (teams.js)
 * and one inbox's settings, members and embed snippet. The page is server-rendered with its
 * navigation; this module fills `#settings-body` from the Application API.
 */

import { avatar, errorText, h, icon } from '../shared/lib.js';
import { AVAILABILITY, ROLES, account, api, base, body, copyBox, failed, field, fmt, me, photoPicker, root, select, t, toast } from './common.js';
import { greeterCard } from './bot.js';
import { notificationsCard } from './notify.js';
import { teamsView } from './teams.js';
import { labelsView } from './labels.js';

// ---- Agents ---------------------------------------------------------------

/** @typedef {{id: number, name: string, available_name: string, email: string, role: string,
 *   availability_status: string, availability?: string, confirmed: boolean, last_seen_at: number|null, thumbnail?: string}} Agent */

async function agentsView() {
  const list = h('ul', { class: 'agents', 'data-testid': 'agents-list' });
  const notice = h('div', { class: 'notice-slot' });
  const form = h(
    'form',
    { class: 'card add-agent', 'data-testid': 'add-agent' },
    h('h2', { text: t('settings.addAgent') }),
    h(
      'div',
      { class: 'row' },
      field(t('settings.name'), h('input', { name: 'name', required: true, maxlength: 255, autocomplete: 'off', 'data-testid': 'agent-name' })),
      field(t('settings.email'), h('input', { name: 'email', type: 'email', required: true, autocomplete: 'off', 'data-testid': 'agent-email' })),
      field(t('settings.role'), select('role', ROLES(), 'agent')),
    ),
    h('button', { type: 'submit', class: 'btn primary', 'data-testid': 'agent-add' }, t('settings.add')),
  );
  root.replaceChildren(
    h('header', { class: 'settings-head' }, h('h2', { text: t('settings.agents') }), h('p', { class: 'lead', text: t('settings.agentsLead') })),
    notice,
    list,
    form,
  );
  const refresh = async () => {
    /** @type {Agent[]} */
    const agents = await api('GET', `${base}/agents`);
    list.replaceChildren(...agents.map((a) => agentRow(a, notice, refresh)));
  };
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const data = new FormData(form);
    try {
      const added = await api('POST', `${base}/agents`, Object.fromEntries(data));
      form.reset();
      notice.replaceChildren(
        added.setup_url
          ? h('div', { class: 'notice ok', 'data-testid': 'setup-link' }, h('p', { text: t('settings.setupLinkHint', { name: added.available_name }) }), copyBox(added.setup_url, 'setup-url'))
          : h('div', { class: 'notice ok', text: t('settings.existingAdded', { name: added.available_name }) }),
      );
      await refresh();
    } catch (err) {
      failed(err);
    }
  });
  await refresh();
}

/** @param {Agent} a @param {HTMLElement} notice @param {() => Promise<void>} refresh */
function agentRow(a, notice, refresh) {
  const url = `${base}/agents/${a.id}`;
  const patch = async (/** @type {Record<string, string>} */ change) => {
    try {
      await api('PATCH', url, change);
      toast(t('settings.saved'));
    } catch (err) {
      failed(err);
    }
    await refresh();
  };
  const role = select('role', ROLES(), a.role);
  role.setAttribute('aria-label', `${t('settings.role')}: ${a.available_name}`);
  role.addEventListener('change', () => patch({ role: role.value }));
  const avail = select('availability', AVAILABILITY(), a.availability || a.availability_status);
  avail.setAttribute('aria-label', `${t('settings.availability')}: ${a.available_name}`);
  avail.addEventListener('change', () => patch({ availability: avail.value }));
  const status = !a.confirmed
    ? h('span', { class: 'badge', text: t('settings.invited') })
    : h('span', { class: 'muted', text: a.last_seen_at ? t('settings.lastSeen', { time: fmt.full(a.last_seen_at) }) : t('settings.never') });
  const actions = h('div', { class: 'actions' });
  const linkButton = h('button', { type: 'button', class: 'btn', 'data-testid': 'agent-new-link' }, t('settings.newLink'));
  linkButton.addEventListener('click', async () => {
    try {
      const r = await api('POST', `${url}/setup_link`);
      notice.replaceChildren(h('div', { class: 'notice ok', 'data-testid': 'setup-link' }, h('p', { text: t('settings.setupLinkHint', { name: a.available_name }) }), copyBox(r.setup_url, 'setup-url')));
    } catch (err) {
      failed(err);
    }
  });
  const tokenButton = h('button', { type: 'button', class: 'btn', 'data-testid': 'agent-reset-token' }, t('settings.resetToken'));
  tokenButton.addEventListener('click', async () => {
    try {
      const r = await api('POST', `${url}/reset_access_token`);
      notice.replaceChildren(h('div', { class: 'notice ok' }, h('p', { text: t('settings.tokenShown', { name: a.available_name }) }), copyBox(r.access_token, 'new-token')));
    } catch (err) {
      failed(err);
    }
  });
  const removeButton = h('button', { type: 'button', class: 'btn danger', 'data-testid': 'agent-remove' }, t('settings.remove'));
  removeButton.addEventListener('click', async () => {
    if (!confirm(t('settings.confirmRemove', { name: a.available_name }))) return;
    try {
      await api('DELETE', url);
    } catch (err) {
      failed(err);
    }
    await refresh();
  });
  actions.append(a.confirmed ? tokenButton : linkButton);
  if (a.confirmed) actions.append(linkButton);
  if (a.id !== me) actions.append(removeButton);
  return h(
    'li',
    { class: 'agent', 'data-testid': 'agent-row', 'data-email': a.email },
    h('span', { class: `avatar-wrap ${a.availability_status}` }, avatar(a.available_name, 'avatar', a.thumbnail), h('span', { class: 'dot', title: t(`settings.${a.availability_status}`) })),
    h('div', { class: 'who' }, h('strong', { text: a.id === me ? `${a.available_name} (${t('settings.you')})` : a.available_name }), h('span', { class: 'muted', text: a.email }), status),
    h('div', { class: 'controls' }, role, avail),
    actions,
  );
}

// ---- One inbox ------------------------------------------------------------

async function inboxView(/** @type {number} */ id) {
  const [inbox, members, agents] = await Promise.all([
    api('GET', `${base}/inboxes/${id}`),
    api('GET', `${base}/inbox_members/${id}`),
    api('GET', `${base}/agents`),
  ]);
  const text = (/** @type {string} */ name, /** @type {string} */ value, extra = {}) => {
    const input = h('input', { name, ...extra });
    input.value = value ?? '';
    return input;
  };
  const greeting = h('textarea', { name: 'greeting_message', rows: 3, maxlength: 1000, 'data-testid': 'inbox-greeting' });
  greeting.value = inbox.greeting_message ?? '';
  const domains = h('textarea', { name: 'allowed_domains', rows: 3, spellcheck: 'false', 'data-testid': 'inbox-domains' });
  domains.value = (inbox.allowed_domains || '').split(',').filter(Boolean).join('\n');
  const check = (/** @type {string} */ name, /** @type {boolean} */ on, /** @type {string} */ label, /** @type {string} */ testid) => {
    const box = h('input', { type: 'checkbox', name, 'data-testid': testid });
    box.checked = on;
    return h('label', { class: 'check' }, box, h('span', { text: label }));
  };
  const color = text('widget_color', inbox.widget_color, { type: 'color', 'data-testid': 'inbox-color' });
  const form = h(
    'form',
    { class: 'card', 'data-testid': 'inbox-form' },
    h('h3', { text: t('settings.general') }),
    photoPicker({ name: inbox.name, detail: t('settings.inboxPictureHint'), hint: t('settings.pictureTypes'), url: inbox.avatar_url, upload: ['PATCH', `${base}/inboxes/${id}`, 'avatar'], remove: `${base}/inboxes/${id}/avatar`, testid: 'inbox-photo' }),
    field(t('settings.inboxName'), text('name', inbox.name, { required: true, maxlength: 255, 'data-testid': 'inbox-name' })),
    field(t('settings.websiteUrl'), text('website_url', inbox.website_url, { type: 'url', placeholder: 'https://' })),
    h('div', { class: 'row' }, field(t('settings.color'), color), field(t('settings.replyTime'), select('reply_time', [['in_a_few_minutes', t('settings.replyMinutes')], ['in_a_few_hours', t('settings.replyHours')], ['in_a_day', t('settings.replyDay')]], inbox.reply_time))),
    field(t('settings.welcomeTitle'), text('welcome_title', inbox.welcome_title, { maxlength: 120, 'data-testid': 'inbox-title' })),
    field(t('settings.welcomeTagline'), text('welcome_tagline', inbox.welcome_tagline, { maxlength: 255 })),
    check('greeting_enabled', inbox.greeting_enabled, t('settings.greetingEnabled'), 'inbox-greeting-enabled'),
    field(t('settings.greetingMessage'), greeting),
    field(t('settings.timezone'), text('timezone', inbox.timezone, { maxlength: 64, spellcheck: 'false' })),
    check('lock_to_single_conversation', inbox.lock_to_single_conversation, t('settings.lock'), 'inbox-lock'),
    h('p', { class: 'muted hint', text: t('settings.lockHint') }),
    check('only_assignee_replies', inbox.only_assignee_replies, t('settings.onlyAssignee'), 'inbox-only-assignee'),
    h('p', { class: 'muted hint', text: t('settings.onlyAssigneeHint') }),
    check('enable_auto_assignment', inbox.enable_auto_assignment, t('settings.autoAssign'), 'inbox-auto-assign'),
    h(
      'div',
      { class: 'row' },
      field(t('settings.assignLimit'), text('max_assignment_limit', String(inbox.auto_assignment_config?.max_assignment_limit ?? ''), { type: 'number', min: 1, max: 1000, 'data-testid': 'inbox-assign-limit' }), t('settings.assignLimitHint')),
      field(t('settings.assignOrder'), select('assignment_order', [['round_robin', t('settings.roundRobin')], ['balanced', t('settings.balanced')]], inbox.auto_assignment_config?.assignment_order || 'round_robin')),
    ),
    field(t('settings.allowedDomains'), domains, t('settings.allowedDomainsHint')),
    h('button', { type: 'submit', class: 'btn primary', 'data-testid': 'inbox-save' }, t('settings.save')),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const f = new FormData(form);
    const s = (/** @type {string} */ k) => String(f.get(k) ?? '');
    try {
      await api('PATCH', `${base}/inboxes/${id}`, {
        name: s('name'),
        greeting_enabled: f.has('greeting_enabled'),
        greeting_message: s('greeting_message'),
        timezone: s('timezone'),
        lock_to_single_conversation: f.has('lock_to_single_conversation'),
        only_assignee_replies: f.has('only_assignee_replies'),
        enable_auto_assignment: f.has('enable_auto_assignment'),
        auto_assignment_config: { max_assignment_limit: s('max_assignment_limit') ? Number(s('max_assignment_limit')) : null, assignment_order: s('assignment_order') },
        channel: {
          website_url: s('website_url'),
          widget_color: s('widget_color'),
          welcome_title: s('welcome_title'),
          welcome_tagline: s('welcome_tagline'),
          reply_time: s('reply_time'),
          allowed_domains: s('allowed_domains'),
        },
      });
      toast(t('settings.saved'));
    } catch (err) {
      failed(err);
    }
  });

  const memberIds = new Set(members.payload.map((/** @type {Agent} */ m) => m.id));
  const memberForm = h(
    'form',
    { class: 'card', 'data-testid': 'members-form' },
    h('h3', { text: t('settings.members') }),
    h('p', { class: 'muted', text: t('settings.membersHint') }),
    h('ul', { class: 'members' }, ...agents.map((/** @type {Agent} */ a) => {
      const box = h('input', { type: 'checkbox', name: 'user', value: String(a.id), 'data-testid': 'member-box', 'data-email': a.email });
      box.checked = memberIds.has(a.id);
      return h('li', {}, h('label', { class: 'check' }, box, avatar(a.available_name, 'avatar sm', a.thumbnail), h('span', { text: a.available_name }), a.role === 'administrator' ? h('span', { class: 'badge', text: t('settings.roleAdministrator') }) : null));
    })),
    h('button', { type: 'submit', class: 'btn', 'data-testid': 'members-save' }, t('settings.saveMembers')),
  );
  memberForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const ids = new FormData(memberForm).getAll('user').map(Number);
    try {
      await api('PATCH', `${base}/inbox_members`, { inbox_id: id, user_ids: ids });
      toast(t('settings.saved'));
    } catch (err) {
      failed(err);
    }
  });

  const embed = h(
    'section',
    { class: 'card', id: 'embed', 'data-testid': 'embed' },
    h('h3', { text: t('settings.embed') }),
    h('p', { class: 'muted', text: t('settings.embedHint') }),
    copyBox(inbox.web_widget_script, 'snippet', true),
    h('a', { class: 'btn', href: '/demo', target: '_blank', rel: 'noopener' }, t('settings.demo')),
  );
  root.replaceChildren(
    h('header', { class: 'settings-head' }, h('h2', { text: inbox.name }), h('p', { class: 'lead', text: t('settings.inboxLead') })),
    embed,
    form,
    await greeterCard(id),
    memberForm,
  );
  if (location.hash === '#embed') embed.scrollIntoView();
}

// ---- The user's own profile ------------------------------------------------


async function profileView() {
  const profile = await api('GET', '/api/v1/profile');
  const input = (/** @type {string} */ name, /** @type {string} */ value, extra = {}) => {
    const node = h('input', { name, ...extra });
    node.value = value ?? '';
    return node;
  };
  const signature = h('textarea', { name: 'message_signature', rows: 3, maxlength: 1000, 'data-testid': 'profile-signature' });
  signature.value = profile.message_signature ?? '';
  const locale = profile.ui_settings?.locale ?? '';
  // Each language in its own words: whoever cannot read the page finds theirs.
  const language = select('locale', [['', t('settings.languageBrowser')], ['en', 'English'], ['de', 'Deutsch']], locale);
  language.setAttribute('data-testid', 'profile-language');
  const form = h(
    'form',
    { class: 'card', 'data-testid': 'profile-form' },
    photoPicker({ name: profile.available_name, detail: profile.email, hint: t('settings.photoHint'), url: profile.avatar_url, upload: ['PUT', '/api/v1/profile', 'profile[avatar]'], remove: '/api/v1/profile/avatar', testid: 'profile-photo' }),
    h('div', { class: 'row' },
      field(t('settings.name'), input('name', profile.name, { required: true, maxlength: 255, 'data-testid': 'profile-name' })),
      field(t('settings.displayName'), input('display_name', profile.display_name, { maxlength: 255, 'data-testid': 'profile-display-name' }), t('settings.displayNameHint'))),
    field(t('settings.signature'), signature),
    field(t('settings.language'), language, t('settings.languageHint')),
    h('button', { type: 'submit', class: 'btn primary', 'data-testid': 'profile-save' }, t('settings.save')),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const f = new FormData(form);
    try {
      await api('PUT', '/api/v1/profile', { profile: { name: f.get('name'), display_name: f.get('display_name'), message_signature: f.get('message_signature'), ui_settings: { locale: f.get('locale') } } });
      // The page's strings come from the server: load it again in the new language.
      if (f.get('locale') !== locale) location.reload();
      else toast(t('settings.saved'));
    } catch (err) {
      failed(err);
    }
  });

  const availability = select('availability', AVAILABILITY(), profile.availability_status);
  availability.setAttribute('data-testid', 'profile-availability');
  availability.addEventListener('change', async () => {
    try {
      await api('POST', '/api/v1/profile/availability', { profile: { account_id: account, availability: availability.value } });
      toast(t('settings.saved'));
    } catch (err) {
      failed(err);
    }
  });
  const availabilityCard = h('section', { class: 'card' }, h('h3', { text: t('settings.availability') }), field(t('settings.availability'), availability, t('settings.availabilityHint')));

  const pw = h(
    'form',
    { class: 'card', 'data-testid': 'password-form' },
    h('h3', { text: t('settings.passwordTitle') }),
    h('input', { type: 'email', name: 'email', value: profile.email, autocomplete: 'username', hidden: true }),
    field(t('settings.currentPassword'), input('current_password', '', { type: 'password', required: true, autocomplete: 'current-password', 'data-testid': 'password-current' })),
    h('div', { class: 'row' },
      field(t('settings.newPassword'), input('password', '', { type: 'password', required: true, minlength: 8, autocomplete: 'new-password', 'data-testid': 'password-new' })),
      field(t('settings.confirmPassword'), input('password_confirmation', '', { type: 'password', required: true, minlength: 8, autocomplete: 'new-password', 'data-testid': 'password-confirm' }))),
    h('button', { type: 'submit', class: 'btn', 'data-testid': 'password-save' }, t('settings.changePassword')),
  );
  pw.addEventListener('submit', async (e) => {
    e.preventDefault();
    const f = new FormData(pw);
    try {
      await api('PUT', '/api/v1/profile', { profile: { current_password: f.get('current_password'), password: f.get('password'), password_confirmation: f.get('password_confirmation') } });
      pw.reset();
      toast(t('settings.passwordChanged'));
    } catch (err) {
      failed(err);
    }
  });

  const tokenSlot = h('div', {});
  const tokenButton = h('button', { type: 'button', class: 'btn', 'data-testid': 'profile-reset-token' }, t('settings.resetOwnToken'));
  tokenButton.addEventListener('click', async () => {
    try {
      const r = await api('POST', '/api/v1/profile/reset_access_token');
      tokenSlot.replaceChildren(h('div', { class: 'notice ok' }, h('p', { text: t('settings.tokenOwnShown') }), copyBox(r.access_token, 'own-token')));
    } catch (err) {
      failed(err);
    }
  });
  const tokenCard = h('section', { class: 'card' }, h('h3', { text: t('settings.apiToken') }), h('p', { class: 'muted', text: t('settings.apiTokenHint') }), tokenSlot, tokenButton);

  root.replaceChildren(
    h('header', { class: 'settings-head' }, h('h2', { text: t('settings.profile') }), h('p', { class: 'lead', text: t('settings.profileLead') })),
    form,
    availabilityCard,
    await notificationsCard(),
    pw,
    tokenCard,
  );
}

async function start() {
  try {
    if (body.view === 'profile') await profileView();
    else if (body.view === 'inbox') await inboxView(Number(body.inboxId));
    else if (body.view === 'teams') await teamsView();
    else if (body.view === 'labels') await labelsView();
    else await agentsView();
  } catch (err) {
    root.replaceChildren(h('div', { class: 'notice bad', role: 'alert', 'data-testid': 'settings-failed', text: errorText(err, t, 'settings.loadFailed') }));
  }
  root.removeAttribute('aria-busy');
}

start();
