// @ts-check
/**
 * The reply editor: Reply / Comment tabs, a growing textarea, Send.
 * Enter sends, Shift+Enter breaks the line. Typing is reported at most every
 * 2 s, and "off" after 3 s idle or on send.
 */

import { h, icon } from '../shared/lib.js';
import { t } from './i18n.js';
import { attachMentions } from './mentions.js';

const MAX_LEN = 150000;

/**
 * @param {HTMLElement} slot
 * @param {{onSend: (content: string, isPrivate: boolean) => void,
 *   onTyping: (on: boolean, isPrivate: boolean) => void,
 *   onComposing: (kind: 'reply' | 'comment' | null) => void}} on
 */
export function mountComposer(slot, on) {
  let isPrivate = false;
  const replyTab = h('button', { type: 'button', role: 'tab', class: 'ctab', 'data-testid': 'composer-tab-reply', onclick: () => setMode(false, true) }, icon('chat', 'icon tiny'), t('inbox.reply'));
  const commentTab = h('button', { type: 'button', role: 'tab', class: 'ctab', 'data-testid': 'composer-tab-comment', onclick: () => setMode(true, true) }, icon('lock', 'icon tiny'), t('inbox.comment'));
  const input = /** @type {HTMLTextAreaElement} */ (h('textarea', { class: 'composer-input', rows: '2', maxlength: String(MAX_LEN), 'data-testid': 'composer-input' }));
  const sendLabel = h('span');
  const send = h('button', { type: 'submit', class: 'btn primary send', 'data-testid': 'send-button', disabled: true }, sendLabel, icon('send', 'icon'));
  const hint = h('span', { class: 'composer-hint', 'aria-hidden': 'true', text: t('inbox.hint') });
  const form = h(
    'form',
    { class: 'composer', novalidate: true },
    h('div', { class: 'ctabs', role: 'tablist' }, replyTab, commentTab),
    input,
    h('div', { class: 'composer-foot' }, hint, send),
  );
  slot.replaceChildren(form);
  const mentions = attachMentions(input, () => isPrivate);

  /** @param {boolean} priv @param {boolean} focus */
  function setMode(priv, focus) {
    if (priv !== isPrivate) stopTyping();
    isPrivate = priv;
    form.classList.toggle('private', priv);
    replyTab.setAttribute('aria-selected', String(!priv));
    commentTab.setAttribute('aria-selected', String(priv));
    input.placeholder = priv ? t('inbox.commentPlaceholder') : t('inbox.replyPlaceholder');
    input.setAttribute('aria-label', priv ? t('inbox.comment') : t('inbox.reply'));
    sendLabel.textContent = priv ? t('inbox.addComment') : t('inbox.send');
    if (focus) input.focus();
    composing();
  }

  /** @type {'reply' | 'comment' | null} */
  let composingNow = null;
  /** What the agent writes now, for who else is looking: a draft in a tab. */
  function composing() {
    const kind = input.value.trim() ? (isPrivate ? 'comment' : 'reply') : null;
    if (kind === composingNow) return;
    composingNow = kind;
    on.onComposing(kind);
  }
  setMode(false, false);

  let typingAt = 0;
  let typingOn = false;
  let idle = 0;
  function startTyping() {
    const now = Date.now();
    if (now - typingAt > 2000) {
      typingAt = now;
      typingOn = true;
      on.onTyping(true, isPrivate);
    }
    clearTimeout(idle);
    idle = window.setTimeout(stopTyping, 3000);
  }
  function stopTyping() {
    clearTimeout(idle);
    if (!typingOn) return;
    typingOn = false;
    typingAt = 0;
    on.onTyping(false, isPrivate);
  }

  function autosize() {
    input.style.height = 'auto';
    input.style.height = `${Math.min(Math.max(input.scrollHeight, 64), 240)}px`;
    send.disabled = !input.value.trim();
    composing();
  }

  function submit() {
    const content = input.value.replace(/^\s*\n|\s+$/g, '');
    if (!content.trim() || content.length > MAX_LEN) return;
    stopTyping();
    on.onSend(isPrivate ? mentions.encode(content) : content, isPrivate);
    mentions.reset();
    input.value = '';
    autosize();
  }

  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    submit();
  });
  input.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing && !mentions.open()) {
      ev.preventDefault();
      submit();
    } else if (ev.key === 'Escape') {
      input.blur();
    }
  });
  input.addEventListener('input', () => {
    autosize();
    if (input.value.trim()) startTyping();
    else stopTyping();
  });
  input.addEventListener('blur', stopTyping);

  return {
    /** @param {boolean} priv */
    focus(priv) {
      setMode(priv, true);
    },
    /** A reply given back to edit (a collision the agent chose not to send). @param {string} text */
    restore(text) {
      setMode(false, true);
      input.value = text;
      autosize();
    },
    /** Switching conversations: keep nothing typed for another visitor. */
    reset() {
      stopTyping();
      mentions.reset();
      input.value = '';
      setMode(false, false);
      autosize();
    },
  };
}
