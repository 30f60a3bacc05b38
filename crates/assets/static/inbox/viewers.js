// @ts-check
/**
 * Who is looking (I4). This tab tells the server which conversation it shows
 * and what the agent writes there (`viewing`, every 4 s while the tab is
 * visible, at once on a change; docs/realtime.md), and draws the others: their
 * faces above the reply editor with "Ben is replying…", a hint to open the next
 * unassigned conversation instead, small faces on the list's rows, and the
 * "send anyway" question when the server refused a reply that would collide.
 */

import { avatar, h } from '../shared/lib.js';
import { t } from './i18n.js';
import { otherViewers, state } from './state.js';

const EVERY_MS = 4000;

/** @typedef {'reply' | 'comment' | null} Composing */

export class Viewing {
  /** @param {(frame: object) => void} send the socket's send (dropped while offline) */
  constructor(send) {
    this.send = send;
    /** @type {Composing} */
    this.composing = null;
    /** @type {number | null} what the server was last told */
    this.told = null;
    setInterval(() => this.say(), EVERY_MS);
    document.addEventListener('visibilitychange', () => this.say());
  }

  /** @param {Composing} kind */
  setComposing(kind) {
    if (kind === this.composing) return;
    this.composing = kind;
    this.say();
  }

  /** Tells the server what this tab shows now; a hidden tab views nothing. */
  say() {
    const id = document.visibilityState === 'visible' ? state.openId : null;
    if (id === null && this.told === null) return;
    this.send({ event: 'viewing', conversation: id, composing: id === null ? null : this.composing });
    this.told = id;
  }

  /** A new socket knows nothing of this tab yet. */
  reconnected() {
    this.told = null;
    this.say();
  }

  /** @param {{full?: boolean, conversations?: Record<string, import('./state.js').Viewer[]>}} d */
  update(d) {
    if (d.full) state.viewers.clear();
    for (const [id, list] of Object.entries(d.conversations ?? {})) {
      if (Array.isArray(list) && list.length) state.viewers.set(Number(id), list);
      else state.viewers.delete(Number(id));
    }
  }
}

/** @param {number} id */
function agentName(id) {
  const a = state.agents.get(id);
  return a?.available_name || a?.name || t('inbox.teammate');
}

/** @param {number} id @param {string} cls */
function face(id, cls) {
  const name = agentName(id);
  const node = avatar(name, cls, state.agents.get(id)?.avatar_url ?? undefined);
  node.setAttribute('title', name);
  return node;
}

/**
 * The bar above the reply editor: who else is here and what they write.
 * @param {HTMLElement} root
 * @param {number} id the open conversation
 * @param {{next: number | null, onNext: () => void}} opts the next unassigned conversation to offer
 */
export function renderViewerBar(root, id, opts) {
  const others = otherViewers(id);
  root.hidden = !others.length;
  if (!others.length) {
    root.replaceChildren();
    return;
  }
  const replying = others.find((v) => v.composing === 'reply');
  const commenting = others.find((v) => v.composing === 'comment');
  const lead = replying ?? commenting ?? others[0];
  const name = agentName(lead.id);
  const more = others.length - 1;
  let text;
  if (replying) text = t('inbox.viewerReplying', { name });
  else if (commenting) text = t('inbox.viewerCommenting', { name });
  else text = more ? t('inbox.viewersLooking', { name, n: more }) : t('inbox.viewerLooking', { name });
  root.classList.toggle('busy', !!replying);
  const parts = [
    h('span', { class: 'viewer-faces' }, ...others.slice(0, 4).map((v) => face(v.id, 'avatar xs'))),
    replying ? h('span', { class: 'dots', 'aria-hidden': 'true' }, h('i'), h('i'), h('i')) : null,
    h('span', { class: 'viewer-text', 'data-testid': 'viewer-text', text }),
    opts.next !== null ? h('button', { type: 'button', class: 'btn ghost', 'data-testid': 'viewer-next', text: t('inbox.viewerNext'), onclick: opts.onNext }) : null,
  ];
  // replaceChildren would write a null as the text "null".
  root.replaceChildren(...parts.filter((p) => p !== null));
}

/** Small faces of who views a conversation, for its list row. @param {number} id */
export function rowViewers(id) {
  const others = otherViewers(id);
  if (!others.length) return null;
  const names = others.map((v) => agentName(v.id)).join(', ');
  return h('span', { class: 'row-viewers', 'data-testid': 'row-viewers', role: 'img', 'aria-label': t('inbox.viewingNow', { names }), title: t('inbox.viewingNow', { names }) }, ...others.slice(0, 3).map((v) => face(v.id, 'avatar xxs')));
}

/**
 * The server refused a reply because someone else is replying: ask whether to
 * send it anyway. The draft stays safe either way.
 * @param {HTMLElement} root
 * @param {{name: string, onSend: () => void, onEdit: () => void} | null} ask
 */
export function renderCollision(root, ask) {
  root.hidden = !ask;
  if (!ask) {
    root.replaceChildren();
    return;
  }
  root.replaceChildren(
    h('span', { class: 'collision-text', text: t('inbox.collision', { name: ask.name }) }),
    h('button', { type: 'button', class: 'btn', 'data-testid': 'collision-edit', text: t('inbox.collisionEdit'), onclick: ask.onEdit }),
    h('button', { type: 'button', class: 'btn primary', 'data-testid': 'collision-send', text: t('inbox.collisionSend'), onclick: ask.onSend }),
  );
}
