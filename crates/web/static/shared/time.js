// @ts-check
/**
 * Date and time formatting with Intl, in the viewer's locale and time zone.
 * The API sends Unix seconds.
 */

/**
 * Pick the locale for Intl: the UI language, refined by the browser's own
 * locale when it is a variant of the same language (en-GB keeps its date order).
 * @param {string} lang "en" | "de"
 */
export function pickLocale(lang) {
  const prefs = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language];
  return prefs.find((l) => l && l.toLowerCase().startsWith(lang)) || lang;
}

/** @param {number} seconds */
export const toDate = (seconds) => new Date(seconds * 1000);

/**
 * @param {string} locale
 */
export function makeFormatters(locale) {
  const time = new Intl.DateTimeFormat(locale, { hour: 'numeric', minute: '2-digit' });
  const full = new Intl.DateTimeFormat(locale, { dateStyle: 'full', timeStyle: 'short' });
  const day = new Intl.DateTimeFormat(locale, { weekday: 'long', day: 'numeric', month: 'long' });
  const dayYear = new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'long', year: 'numeric' });
  const weekday = new Intl.DateTimeFormat(locale, { weekday: 'short' });
  const short = new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short' });
  const rel = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
  const minutes = new Intl.NumberFormat(locale, { style: 'unit', unit: 'minute', unitDisplay: 'short' });
  const hours = new Intl.NumberFormat(locale, { style: 'unit', unit: 'hour', unitDisplay: 'short' });

  /** @param {Date} d */
  const startOfDay = (d) => new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();

  return {
    /** "14:05" or "2:05 PM" */
    time: (/** @type {number} */ s) => time.format(toDate(s)),
    /** Full date for tooltips. */
    full: (/** @type {number} */ s) => full.format(toDate(s)),
    /** Day separator label: "Today", "Yesterday", "Monday, 3 March". */
    day(/** @type {number} */ s) {
      const d = toDate(s);
      const diff = Math.round((startOfDay(new Date()) - startOfDay(d)) / 86400000);
      if (diff === 0 || diff === 1) {
        const text = rel.format(-diff, 'day');
        return text.charAt(0).toUpperCase() + text.slice(1);
      }
      return d.getFullYear() === new Date().getFullYear() ? day.format(d) : dayYear.format(d);
    },
    /** Key that changes with the calendar day, for day separators. */
    dayKey: (/** @type {number} */ s) => startOfDay(toDate(s)),
    /**
     * Compact relative time for list rows: "now", "2 min", "3 hr", "Mon", "3 Mar".
     * @param {number} s
     * @param {string} nowLabel
     */
    ago(s, nowLabel) {
      const secs = Date.now() / 1000 - s;
      if (secs < 60) return nowLabel;
      if (secs < 3600) return minutes.format(Math.floor(secs / 60));
      if (secs < 86400) return hours.format(Math.floor(secs / 3600));
      if (secs < 6 * 86400) return weekday.format(toDate(s));
      return short.format(toDate(s));
    },
  };
}
