// @ts-check
/**
 * The Client (public) API as the widget uses it, plus the visitor identity kept
 * in this frame's localStorage per website token.
 */

import { store } from '../shared/lib.js';

/**
 * @typedef {{source_id: string, pubsub_token: string, contact_id: number}} Identity
 * @typedef {{id: number, content: string|null, message_type: number, content_type?: string,
 *   private?: boolean, created_at: number, conversation_id: number, echo_id?: string|null,
 *   seq?: number, status?: string, sender?: {id: number, name: string, type: string,
 *   avatar_url?: string|null} | null}} Message
 * @typedef {{id: number, status: string, messages?: Message[], seq?: number,
 *   meta?: any, assignee?: any}} Conversation
 */

/** An HTTP answer that was not 2xx. `status` 0 means the network failed. */
export class HttpError extends Error {
  /** @param {number} status @param {string} code @param {string} message */
  constructor(status, code, message) {
    super(message || code || `HTTP ${status}`);
    this.status = status;
    this.code = code;
  }
}

export class ClientApi {
  /** @param {string} token website token */
  constructor(token) {
    this.token = token;
    this.base = `/public/api/v1/inboxes/${encodeURIComponent(token)}`;
    this.identityKey = `parlor:identity:${token}`;
    /** @type {Identity | null} */
    this.identity = store.get(this.identityKey);
  }

  /**
   * @param {string} method
   * @param {string} path
   * @param {unknown} [body]
   */
  async call(method, path, body) {
    let res;
    try {
      res = await fetch(this.base + path, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: 'omit',
        cache: 'no-store',
      });
    } catch (err) {
      throw new HttpError(0, 'network', String(err));
    }
    const text = await res.text().catch(() => '');
    let json = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      /* non-JSON error page */
    }
    if (!res.ok) throw new HttpError(res.status, json?.code ?? '', json?.message ?? '');
    return json;
  }

  hasIdentity() {
    return Boolean(this.identity?.source_id);
  }

  /** Forget a contact the server no longer knows. */
  dropIdentity() {
    this.identity = null;
    store.set(this.identityKey, null);
  }

  /** @returns {Promise<Identity>} */
  async ensureIdentity() {
    if (this.identity?.source_id) return this.identity;
    const c = await this.call('POST', '/contacts', {});
    this.identity = { source_id: c.source_id, pubsub_token: c.pubsub_token, contact_id: c.id };
    store.set(this.identityKey, this.identity);
    return this.identity;
  }

  contactPath() {
    if (!this.identity) throw new HttpError(401, 'no_identity', '');
    return `/contacts/${encodeURIComponent(this.identity.source_id)}`;
  }

  /** @returns {Promise<Conversation[]>} */
  async conversations() {
    const list = await this.call('GET', `${this.contactPath()}/conversations`);
    return Array.isArray(list) ? list : [];
  }

  /**
   * @param {Record<string, string>} attrs additional_attributes (W10 context)
   * @returns {Promise<Conversation>}
   */
  createConversation(attrs) {
    return this.call('POST', `${this.contactPath()}/conversations`, { additional_attributes: attrs });
  }

  /** @param {number} id @returns {Promise<Message[]>} */
  async messages(id) {
    const list = await this.call('GET', `${this.contactPath()}/conversations/${id}/messages`);
    return Array.isArray(list) ? list : Array.isArray(list?.payload) ? list.payload : [];
  }

  /** @param {number} id @param {string} content @param {string} echoId @returns {Promise<Message>} */
  sendMessage(id, content, echoId) {
    return this.call('POST', `${this.contactPath()}/conversations/${id}/messages`, { content, echo_id: echoId });
  }

  /** @param {number} id @param {boolean} on */
  typing(id, on) {
    return this.call('POST', `${this.contactPath()}/conversations/${id}/toggle_typing`, {
      typing_status: on ? 'on' : 'off',
    });
  }

  /** @param {number} id */
  seen(id) {
    return this.call('POST', `${this.contactPath()}/conversations/${id}/update_last_seen`);
  }
}
