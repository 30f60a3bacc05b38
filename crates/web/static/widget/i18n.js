// @ts-check
/**
 * Widget strings. The visitor's browser language wins (W11); the server's guess
 * (from the channel settings / Accept-Language) is the fallback.
 */

const STRINGS = {
  en: {
    act_resolved: 'Conversation was closed by {actor}',
    act_reopened: 'Conversation was reopened by {actor}',
    act_pending: 'Conversation was marked as pending by {actor}',
    act_snoozed: 'Conversation was snoozed by {actor}',
    act_resolved_by_visitor: 'The visitor ended the conversation',
    act_reopened_by_visitor: 'The visitor reopened the conversation',
    act_self_assigned: '{actor} took this conversation',
    act_assigned: '{actor} assigned this conversation to {assignee}',
    act_unassigned: '{actor} unassigned this conversation',
    defaultTitle: 'Hi there 👋',
    defaultTagline: 'We are here to help. Ask us anything.',
    replies: 'Typically replies in a few minutes',
    close: 'Close chat',
    placeholder: 'Write a message…',
    send: 'Send',
    sending: 'Sending…',
    sent: 'Sent',
    failed: 'Not sent',
    typing: '{name} is typing…',
    someone: 'Someone',
    ended: 'This conversation has ended',
    endedHint: 'Thanks for chatting with us.',
    startNew: 'Start a new conversation',
    you: 'You',
    team: 'Team',
    offline: 'Reconnecting…',
    newMessageFrom: 'New message from {name}: {text}',
    thread: 'Conversation',
    tooLong: 'This message is too long.',
    poweredBy: 'Powered by Parlor',
    intro: 'Send us a message and we will get back to you here.',
  },
  de: {
    act_resolved: 'Unterhaltung wurde von {actor} geschlossen',
    act_reopened: 'Unterhaltung wurde von {actor} wieder geöffnet',
    act_pending: 'Unterhaltung wurde von {actor} als wartend markiert',
    act_snoozed: 'Unterhaltung wurde von {actor} zurückgestellt',
    act_resolved_by_visitor: 'Der Besucher hat die Unterhaltung beendet',
    act_reopened_by_visitor: 'Der Besucher hat die Unterhaltung wieder geöffnet',
    act_self_assigned: '{actor} hat die Unterhaltung übernommen',
    act_assigned: '{actor} hat die Unterhaltung {assignee} zugewiesen',
    act_unassigned: '{actor} hat die Zuweisung aufgehoben',
    defaultTitle: 'Hallo 👋',
    defaultTagline: 'Wir helfen gern. Fragen Sie uns alles.',
    replies: 'Antwortet meist in wenigen Minuten',
    close: 'Chat schließen',
    placeholder: 'Nachricht schreiben…',
    send: 'Senden',
    sending: 'Wird gesendet…',
    sent: 'Gesendet',
    failed: 'Nicht gesendet',
    typing: '{name} schreibt…',
    someone: 'Jemand',
    ended: 'Diese Unterhaltung wurde beendet',
    endedHint: 'Danke für Ihre Nachricht.',
    startNew: 'Neue Unterhaltung beginnen',
    you: 'Sie',
    team: 'Team',
    offline: 'Verbindung wird wiederhergestellt…',
    newMessageFrom: 'Neue Nachricht von {name}: {text}',
    thread: 'Unterhaltung',
    tooLong: 'Diese Nachricht ist zu lang.',
    poweredBy: 'Bereitgestellt von Parlor',
    intro: 'Schreiben Sie uns – wir antworten Ihnen hier.',
  },
};

/** @typedef {keyof typeof STRINGS.en} Key */

/**
 * @param {string} serverLang
 * @returns {'en' | 'de'}
 */
export function chooseLang(serverLang) {
  const prefs = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language];
  for (const l of prefs) {
    const base = String(l || '').slice(0, 2).toLowerCase();
    if (base === 'de' || base === 'en') return base;
  }
  return serverLang === 'de' ? 'de' : 'en';
}

/**
 * @param {'en' | 'de'} lang
 * @returns {(key: Key, vars?: Record<string, string>) => string}
 */
export function translator(lang) {
  const dict = STRINGS[lang];
  return (key, vars = {}) => dict[key].replace(/\{(\w+)\}/g, (_, k) => vars[k] ?? '');
}
