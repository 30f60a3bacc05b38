// @ts-check
/**
 * A persistent, ordered outbox for messages.
 *
 * Every message the user writes is stored in localStorage with its echo_id before
 * anything is sent, shown at once as "sending", and POSTed strictly one after the
 * other until the server accepts it. The server dedupes by echo_id, so sending the
 * same item again after an unclear failure (timeout, dropped link) is safe. After a
 * reload, whatever is left is sent. That is how messages typed while offline
 * arrive once and in order.
 */

import { store } from './dom.js';

/**
 * @typedef {object} OutboxItem
 * @property {string} echo_id
 * @property {string} content
 * @property {number | null} conversation_id
 * @property {number} created_at  Unix seconds, for display while pending
 * @property {boolean} [private]
 */

/** Thrown by a sender for a failure that retrying will not fix (e.g. 422). */
export class PermanentError extends Error {}

const RETRY_MIN = 500;
const RETRY_MAX = 5_000;

export class Outbox {
  /**
   * @param {string} key localStorage key
   * @param {(item: OutboxItem) => Promise<unknown>} send resolves when stored
   * @param {object} hooks
   * @param {(item: OutboxItem, result: unknown) => void} hooks.onSent
   * @param {(item: OutboxItem, error: unknown) => void} hooks.onFailed
   * @param {() => void} hooks.onChange any change of the pending list
   */
  constructor(key, send, hooks) {
    this.key = key;
    this.send = send;
    this.hooks = hooks;
    this.busy = false;
    this.attempt = 0;
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.timer = undefined;
    addEventListener('online', () => this.kick());
    // Another tab of the same visitor/agent changed the outbox.
    addEventListener('storage', (e) => {
      if (e.key === this.key) this.hooks.onChange();
    });
  }

  /** @returns {OutboxItem[]} */
  items() {
    const list = store.get(this.key);
    return Array.isArray(list) ? list : [];
  }

  /** @param {OutboxItem[]} list */
  save(list) {
    store.set(this.key, list.length ? list : null);
    this.hooks.onChange();
  }

  /** @param {OutboxItem} item */
  add(item) {
    this.save([...this.items(), item]);
    this.kick();
  }

  /** @param {string} echoId */
  remove(echoId) {
    const list = this.items();
    const next = list.filter((i) => i.echo_id !== echoId);
    if (next.length !== list.length) this.save(next);
  }

  /** @param {(item: OutboxItem) => OutboxItem} fn */
  update(fn) {
    this.save(this.items().map(fn));
  }

  /** Send now (cancels a pending backoff wait). */
  kick() {
    clearTimeout(this.timer);
    this.attempt = 0;
    void this.run();
  }

  async run() {
    if (this.busy) return;
    this.busy = true;
    try {
      for (;;) {
        // Re-read each time: the realtime echo or another tab may have removed items.
        const item = this.items()[0];
        if (!item) break;
        try {
          const result = await this.send(item);
          this.remove(item.echo_id);
          this.attempt = 0;
          this.hooks.onSent(item, result);
        } catch (err) {
          if (err instanceof PermanentError) {
            this.remove(item.echo_id);
            this.hooks.onFailed(item, err);
            continue;
          }
          // Network trouble or a 5xx: keep the order, wait, try the same item again.
          const delay = Math.min(RETRY_MAX, RETRY_MIN * 2 ** this.attempt);
          this.attempt += 1;
          this.timer = setTimeout(() => void this.run(), delay);
          break;
        }
      }
    } finally {
      this.busy = false;
    }
  }
}
