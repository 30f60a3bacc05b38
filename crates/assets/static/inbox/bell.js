// @ts-check
/**
 * Notifications in the inbox (I10): a bell with the unread count and the
 * list (each opens its conversation and is read), the count in the page
 * title, and, while the tab is in the background, a browser notification and
 * a short sound, each as the user's settings say. Live over the socket.
 */

import { h } from '../shared/lib.js';
import { t } from './i18n.js';
import { contactName } from './people.js';
import { api, fmt } from './state.js';

/** @typedef {{id: number, notification_type: string, push_message_title: string, primary_actor_id: number,
 *   secondary_actor_type?: string | null, secondary_actor?: {id?: number, name?: string | null} | null,
 *   read_at: number | null, last_activity_at: number}} Note */

const BELL = 'M18 16v-5a6 6 0 10-12 0v5l-2 2h16zM10 20a2 2 0 004 0';

export class Bell {
  /** @param {HTMLElement} slot @param {() => void} onCount the unread count changed */
  constructor(slot, onCount) {
    this.onCount = onCount;
    /** @type {Note[]} */
    this.list = [];
    this.unread = 0;
    this.settings = { browser: true, sound: true };
    const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
    svg.setAttribute('viewBox', '0 0 24 24');
    svg.setAttribute('class', 'icon');
    svg.setAttribute('aria-hidden', 'true');
    const path = document.createElementNS('http://www.w3.org/2000/svg', 'path');
    path.setAttribute('d', BELL);
    svg.appendChild(path);
    this.badge = h('span', { class: 'bell-badge', 'data-testid': 'bell-count', hidden: true });
    this.button = h('button', { type: 'button', class: 'icon-btn bell', 'aria-haspopup': 'true', 'aria-expanded': 'false', 'aria-label': t('inbox.notifications'), title: t('inbox.notifications'), 'data-testid': 'bell', onclick: () => this.toggle() }, svg, this.badge);
    this.items = h('ul', { class: 'bell-list' });
    this.readAll = h('button', { type: 'button', class: 'btn ghost', 'data-testid': 'bell-read-all', text: t('inbox.markAllRead'), onclick: () => void this.markAll() });
    this.panel = h('div', { class: 'bell-panel', 'data-testid': 'bell-panel', hidden: true }, h('div', { class: 'bell-head' }, h('strong', { text: t('inbox.notifications') }), this.readAll), this.items);
    slot.replaceChildren(this.button, this.panel);
    document.addEventListener('click', (ev) => {
      if (!this.panel.hidden && !slot.contains(/** @type {Node} */ (ev.target))) this.toggle(false);
    });
  }

  async load() {
    try {
      const [r, s] = await Promise.all([api.call('GET', `${api.base}/notifications`), api.call('GET', `${api.base}/notification_settings`)]);
      this.list = r?.data?.payload ?? [];
      this.unread = r?.data?.meta?.unread_count ?? 0;
      const ns = s?.notification_settings ?? {};
      this.settings = { browser: ns.browser_notifications !== false, sound: ns.sound !== false };
      this.render();
    } catch {
      /* the bell stays quiet; the next live one fills it */
    }
  }

  /** A live `notification.created`. @param {Note} n */
  arrived(n) {
    const old = this.list.find((x) => x.id === n.id);
    if (!old || old.read_at) this.unread += 1;
    this.list = [n, ...this.list.filter((x) => x.id !== n.id)];
    this.render();
    if (document.visibilityState === 'visible') return;
    if (this.settings.sound) chime();
    if (this.settings.browser && 'Notification' in window && Notification.permission === 'granted') {
      const note = new Notification(n.push_message_title, { tag: `parlor-${n.id}` });
      note.onclick = () => {
        window.focus();
        location.hash = `#/conversations/${n.primary_actor_id}`;
      };
    }
  }

  /** @param {boolean} [open] */
  toggle(open = this.panel.hidden) {
    this.panel.hidden = !open;
    if (open) this.place();
    this.button.setAttribute('aria-expanded', String(open));
    // Asked once, when the agent first opens the bell (a user gesture).
    if (open && this.settings.browser && 'Notification' in window && Notification.permission === 'default') void Notification.requestPermission();
  }

  /** Keeps the open panel on screen, wherever the bell sits (list header, phone). */
  place() {
    this.panel.style.transform = '';
    const r = this.panel.getBoundingClientRect();
    const shift = Math.max(8 - r.left, Math.min(0, window.innerWidth - 8 - r.right));
    if (shift) this.panel.style.transform = `translateX(${Math.round(shift)}px)`;
  }

  async markAll() {
    try {
      await api.call('POST', `${api.base}/notifications/read_all`);
      const now = Math.floor(Date.now() / 1000);
      this.list = this.list.map((n) => ({ ...n, read_at: n.read_at ?? now }));
      this.unread = 0;
      this.render();
    } catch {
      /* stays unread; try again */
    }
  }

  /** @param {Note} n */
  async open(n) {
    this.toggle(false);
    location.hash = `#/conversations/${n.primary_actor_id}`;
    if (n.read_at) return;
    n.read_at = Math.floor(Date.now() / 1000);
    this.unread = Math.max(0, this.unread - 1);
    this.render();
    api.call('PATCH', `${api.base}/notifications/${n.id}`, {}).catch(() => {});
  }

  render() {
    this.badge.hidden = this.unread === 0;
    this.badge.textContent = this.unread > 99 ? '99+' : String(this.unread);
    this.button.setAttribute('aria-label', this.unread ? t('inbox.notificationsUnread', { n: this.unread }) : t('inbox.notifications'));
    this.readAll.hidden = this.unread === 0;
    this.items.replaceChildren(
      ...(this.list.length
        ? this.list.map((n) =>
            h(
              'li',
              {},
              h(
                'button',
                { type: 'button', class: `bell-item${n.read_at ? '' : ' unread'}`, 'data-testid': 'bell-item', 'data-type': n.notification_type, onclick: () => void this.open(n) },
                h('span', { class: 'bell-title', text: noteText(n) }),
                h('time', { class: 'bell-time', text: fmt.ago(n.last_activity_at, t('inbox.now')) }),
              ),
            ),
          )
        : [h('li', { class: 'bell-empty', text: t('inbox.noNotifications') })]),
    );
    this.onCount();
  }
}

/** The notification in the inbox's language. @param {Note} n */
function noteText(n) {
  // A visitor who gave no name is "Visitor #N", as everywhere in the inbox.
  const name =
    n.secondary_actor_type === 'Contact'
      ? contactName({ id: n.secondary_actor?.id ?? 0, name: n.secondary_actor?.name ?? '' })
      : n.secondary_actor?.name || t('inbox.teammate');
  const vars = { name, n: n.primary_actor_id };
  switch (n.notification_type) {
    case 'conversation_assignment':
      return t(n.secondary_actor ? 'inbox.noteAssigned' : 'inbox.noteAutoAssigned', vars);
    case 'conversation_mention':
      return t('inbox.noteMention', vars);
    case 'assigned_conversation_new_message':
      return t('inbox.noteMessage', vars);
    case 'conversation_bot_handoff':
      return t('inbox.noteHandoff', vars);
    default:
      return t('inbox.noteCreated', vars);
  }
}

/** A short two-note chime, made on the spot (no audio file to fetch). */
function chime() {
  try {
    const ctx = new AudioContext();
    for (const [i, f] of [880, 1320].entries()) {
      const o = ctx.createOscillator();
      const g = ctx.createGain();
      o.frequency.value = f;
      g.gain.setValueAtTime(0.08, ctx.currentTime + i * 0.12);
      g.gain.exponentialRampToValueAtTime(0.001, ctx.currentTime + i * 0.12 + 0.25);
      o.connect(g).connect(ctx.destination);
      o.start(ctx.currentTime + i * 0.12);
      o.stop(ctx.currentTime + i * 0.12 + 0.3);
    }
  } catch {
    /* no audio here */
  }
}
