// @ts-check
/**
 * The bar above the editor while a bot has the conversation (B3): who the bot
 * is, and "Take over". A reply written meanwhile waits here, with "Take over
 * and send", instead of going out under the bot's nose.
 */

import { avatar, h } from '../shared/lib.js';
import { t } from './i18n.js';

/**
 * @param {HTMLElement} root
 * @param {import('./api.js').Conversation | null} c
 * @param {{waiting: boolean, onTakeOver: () => void}} opts `waiting`: a reply waits for the takeover
 */
export function renderBotBar(root, c, opts) {
  const bot = c?.meta?.agent_bot;
  root.hidden = !bot;
  if (!bot) {
    root.replaceChildren();
    return;
  }
  root.classList.toggle('waiting', opts.waiting);
  root.replaceChildren(
    avatar(bot.name, 'avatar xs', bot.avatar_url || undefined),
    h('span', { class: 'bot-text', 'data-testid': 'bot-text', text: opts.waiting ? t('inbox.botWaiting', { name: bot.name }) : t('inbox.botHandling', { name: bot.name }) }),
    h('button', { type: 'button', class: 'btn primary', 'data-testid': 'take-over', text: opts.waiting ? t('inbox.takeOverSend') : t('inbox.takeOver'), onclick: opts.onTakeOver }),
  );
}
