// @ts-check
/**
 * The inbox's state, shared by its modules: who is signed in, the API, the
 * formatters, and what the panes show. main.js changes it and renders.
 */

import { makeFormatters, pickLocale, store } from '../shared/lib.js';
import { Api } from './api.js';
import { lang } from './i18n.js';

/** @typedef {import('./api.js').Conversation} Conversation */
/** @typedef {import('./api.js').Message} Message */
/** @typedef {import('./api.js').Agent} Agent */
/** @typedef {import('./list.js').Filter} Filter */
/** @typedef {{id: number, composing: 'reply' | 'comment' | null}} Viewer */

const ds = document.body.dataset;
export const me = { id: Number(ds.userId), name: ds.userName || '', accountId: Number(ds.accountId) };
export const api = new Api(me.accountId);
export const locale = pickLocale(lang);
export const fmt = makeFormatters(locale);

/** The list's orders (Chatwoot's `sort_by`), as the sort menu offers them. */
export const SORTS = ['last_activity_at_desc', 'created_at_desc', 'created_at_asc', 'waiting_since_asc'];

export const FILTER_KEY = `parlor:inbox-filter:${me.accountId}:${me.id}`;
const savedFilter = store.get(FILTER_KEY);

export const state = {
  /** @type {Filter} */
  filter: {
    status: ['resolved', 'pending', 'snoozed'].includes(savedFilter?.status) ? savedFilter.status : 'open',
    assignee: ['me', 'unassigned', 'all'].includes(savedFilter?.assignee) ? savedFilter.assignee : 'all',
    team: typeof savedFilter?.team === 'number' ? savedFilter.team : null,
    label: typeof savedFilter?.label === 'string' ? savedFilter.label : null,
    sort: SORTS.includes(savedFilter?.sort) ? savedFilter.sort : 'last_activity_at_desc',
  },
  /** @type {Map<number, Conversation>} */
  convs: new Map(),
  /** @type {Set<number>} contacts with the widget open now (presence.update) */
  online: new Set(),
  /** @type {Map<number, string>} each agent's availability as the team sees it */
  team: new Map(),
  /** @type {Map<number, Agent>} the account's agents, by id (names and photos) */
  agents: new Map(),
  /** @type {import('./api.js').Team[]} the account's teams */
  teams: [],
  /** @type {import('./api.js').Label[]} the account's labels */
  labels: [],
  /** @type {Map<number, Viewer[]>} who views each conversation now (viewers.update), me included */
  viewers: new Map(),
  /** @type {Partial<import('./api.js').Counts>} */
  counts: {},
  loading: true,
  /** The last list load failed: with nothing to show, the list says so and offers a retry. */
  loadFailed: false,
  page: 1,
  hasMore: false,
  /** @type {number | null} */
  openId: null,
  /** @type {Map<number, Message>} messages of the open conversation */
  messages: new Map(),
  hasOlder: false,
  /** @type {Map<number, {name: string, userId: number | null, timer: number}>} who types where (userId: a teammate's) */
  typing: new Map(),
  contactOpen: matchMedia('(min-width: 1100px)').matches,
  /** @type {Map<number, string>} */
  inboxes: new Map(),
  /** @type {import('../shared/lib.js').OutboxItem[]} */
  failed: [],
};

/** Everyone but me who views the conversation now. @param {number} id */
export function otherViewers(id) {
  return (state.viewers.get(id) ?? []).filter((v) => v.id !== me.id);
}

/** @param {Conversation} c */
export function matches(c) {
  const f = state.filter;
  if (c.status !== f.status) return false;
  if (f.team !== null && (c.team_id ?? c.meta?.team?.id ?? null) !== f.team) return false;
  if (f.label !== null && !(c.labels ?? []).includes(f.label)) return false;
  if (f.assignee === 'me') return c.meta?.assignee?.id === me.id;
  if (f.assignee === 'unassigned') return !c.meta?.assignee;
  return true;
}

/** The server's order for the list, applied to what the page holds. @param {Conversation} a @param {Conversation} b */
function byFilter(a, b) {
  const recent = (b.last_activity_at || 0) - (a.last_activity_at || 0) || b.id - a.id;
  switch (state.filter.sort) {
    case 'created_at_desc':
      return b.created_at - a.created_at || b.id - a.id;
    case 'created_at_asc':
      return a.created_at - b.created_at || a.id - b.id;
    case 'waiting_since_asc': {
      const wa = a.waiting_since ?? Infinity;
      const wb = b.waiting_since ?? Infinity;
      return wa === wb ? recent : wa - wb;
    }
    default:
      return recent;
  }
}

export function visibleConvs() {
  return [...state.convs.values()].filter(matches).sort(byFilter);
}

/**
 * Keeps a listed conversation's `waiting_since` as the server does: a
 * visitor's message starts the wait, the team's public reply ends it.
 * @param {Conversation} c @param {Message} m
 */
export function noteWaiting(c, m) {
  if (m.message_type === 0) c.waiting_since ??= m.created_at;
  else if (m.message_type === 1 && !m.private) c.waiting_since = null;
}

/** The unassigned open conversation waiting longest, other than the open one: what a second agent could take instead. */
export function nextUnassigned() {
  const waiting = [...state.convs.values()].filter((c) => c.status === 'open' && !c.meta?.assignee && c.id !== state.openId);
  waiting.sort((a, b) => (a.last_activity_at || 0) - (b.last_activity_at || 0));
  return waiting[0]?.id ?? null;
}
