// @ts-check
/**
 * The Application API as the inbox uses it. The HttpOnly session cookie
 * authenticates; for POST the server checks the Origin header, which the
 * browser sends by itself.
 */

/**
 * @typedef {{id: number, name: string, type?: string, avatar_url?: string|null}} Sender
 * @typedef {{id: number, content: string|null, message_type: number, private?: boolean,
 *   created_at: number, conversation_id: number, echo_id?: string|null, seq?: number,
 *   status?: string, sender?: Sender|null, content_attributes?: Record<string, unknown>}} Message
 * @typedef {{id: number, name: string, available_name?: string, avatar_url?: string, email?: string}} Assignee
 * @typedef {{id: number, name: string, email?: string|null, phone_number?: string|null,
 *   thumbnail?: string, created_at?: number, last_activity_at?: number}} Contact
 * @typedef {{id: number, inbox_id: number, status: string, created_at: number, timestamp?: number,
 *   last_activity_at: number, unread_count: number, additional_attributes?: Record<string, string|null>,
 *   messages?: Message[], last_non_activity_message?: Message|null,
 *   team_id?: number|null, labels?: string[], waiting_since?: number|null, snoozed_until?: number|null,
 *   meta: {sender: Contact, assignee: Assignee|null, team?: Team|null, channel?: string,
 *   agent_bot?: {id: number, name: string, avatar_url?: string}|null},
 *   seq?: number}} Conversation
 * @typedef {{id: number, name: string, description?: string, allow_auto_assign?: boolean, is_member?: boolean}} Team
 * @typedef {{id: number, name: string, available_name?: string, avatar_url?: string|null, email?: string,
 *   role?: string, availability_status: string, open_conversations_count?: number, thumbnail?: string}} Agent
 * @typedef {{mine_count: number, unassigned_count: number, assigned_count?: number, all_count: number}} Counts
 * @typedef {{id: number, title: string, description: string, color: string, show_on_sidebar: boolean}} Label
 */

import { request } from '../shared/lib.js';

export class Api {
  /** @param {number} accountId */
  constructor(accountId) {
    this.base = `/api/v1/accounts/${accountId}`;
  }

  /**
   * @param {string} method
   * @param {string} url
   * @param {unknown} [body]
   */
  call(method, url, body) {
    // The session expired: the login page is the only way forward.
    return request(method, url, body, { credentials: 'same-origin', onUnauthorized: signedOut });
  }

  profile() {
    return this.call('GET', '/api/v1/profile');
  }

  /** The team: names, photos and availability. @returns {Promise<Agent[]>} */
  async agents() {
    return (await this.call('GET', `${this.base}/agents`)) ?? [];
  }

  /** @returns {Promise<any[]>} */
  async inboxes() {
    const r = await this.call('GET', `${this.base}/inboxes`);
    return r?.payload ?? [];
  }

  /**
   * @param {{status: string, assignee: string, team?: number | null, label?: string | null, sort?: string, page?: number}} f
   * @returns {Promise<{counts: Counts, items: Conversation[]}>}
   */
  async conversations(f) {
    const q = new URLSearchParams({ status: f.status, assignee_type: f.assignee, page: String(f.page ?? 1) });
    if (f.team) q.set('team_id', String(f.team));
    if (f.label) q.append('labels[]', f.label);
    if (f.sort && f.sort !== 'last_activity_at_desc') q.set('sort_by', f.sort);
    const r = await this.call('GET', `${this.base}/conversations?${q}`);
    return { counts: r?.data?.meta ?? {}, items: r?.data?.payload ?? [] };
  }

  /** @param {string} status @returns {Promise<Counts>} */
  async counts(status) {
    const r = await this.call('GET', `${this.base}/conversations/meta?status=${encodeURIComponent(status)}`);
    return r?.meta ?? {};
  }

  /** @param {number} id @returns {Promise<Conversation>} */
  conversation(id) {
    return this.call('GET', `${this.base}/conversations/${id}`);
  }

  /** @param {number} id @param {number} [before] @returns {Promise<Message[]>} */
  async messages(id, before) {
    const q = before ? `?before=${before}` : '';
    const r = await this.call('GET', `${this.base}/conversations/${id}/messages${q}`);
    return Array.isArray(r) ? r : r?.payload ?? [];
  }

  /**
   * @param {number} id @param {string} content @param {boolean} isPrivate @param {string} echoId
   * @param {boolean} checkCollision refuse (409 reply_collision) while another agent is replying
   * @returns {Promise<Message>}
   */
  send(id, content, isPrivate, echoId, checkCollision) {
    return this.call('POST', `${this.base}/conversations/${id}/messages`, { content, private: isPrivate, echo_id: echoId, check_collision: checkCollision });
  }

  /** @param {number} id @param {'open' | 'resolved' | 'snoozed' | 'pending'} status @param {number | null} [snoozedUntil] seconds */
  setStatus(id, status, snoozedUntil = null) {
    const body = status === 'snoozed' && snoozedUntil ? { status, snoozed_until: snoozedUntil } : { status };
    return this.call('POST', `${this.base}/conversations/${id}/toggle_status`, body);
  }

  /** @param {number} id @param {number | null} assigneeId @returns {Promise<Assignee | null>} */
  assign(id, assigneeId) {
    return this.call('POST', `${this.base}/conversations/${id}/assignments`, { assignee_id: assigneeId });
  }

  /** @param {number} id @param {number | null} teamId @returns {Promise<Team | null>} */
  assignTeam(id, teamId) {
    return this.call('POST', `${this.base}/conversations/${id}/assignments`, { team_id: teamId });
  }

  /** @returns {Promise<Team[]>} */
  async teams() {
    return (await this.call('GET', `${this.base}/teams`)) ?? [];
  }

  /** The account's labels. @returns {Promise<Label[]>} */
  async labels() {
    return (await this.call('GET', `${this.base}/labels`))?.payload ?? [];
  }

  /** Replaces the conversation's labels. @param {number} id @param {string[]} labels @returns {Promise<string[]>} */
  async setLabels(id, labels) {
    return (await this.call('POST', `${this.base}/conversations/${id}/labels`, { labels }))?.payload ?? [];
  }

  /** @param {number} id @param {boolean} on @param {boolean} isPrivate */
  typing(id, on, isPrivate) {
    return this.call('POST', `${this.base}/conversations/${id}/toggle_typing_status`, {
      typing_status: on ? 'on' : 'off',
      is_private: isPrivate,
    });
  }

  /** @param {number} id */
  seen(id) {
    return this.call('POST', `${this.base}/conversations/${id}/update_last_seen`);
  }
}

let leaving = false;
/**
 * To the sign-in page, once: a closed socket and a refused request often
 * arrive together, and a second navigation would abort the first.
 */
export function signedOut() {
  if (leaving) return;
  leaving = true;
  location.assign('/login');
}
