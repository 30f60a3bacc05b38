// @ts-check
/**
 * Colour helpers for the per-inbox accent: text on it must stay readable
 * (WCAG AA) whatever colour an admin picks.
 */

/** @param {string} hex @returns {number[]} r, g, b in 0..255 */
function rgb(hex) {
  let x = hex.slice(1);
  if (x.length === 3 || x.length === 4) x = [...x.slice(0, 3)].map((c) => c + c).join('');
  return [0, 2, 4].map((i) => parseInt(x.slice(i, i + 2), 16));
}

/** WCAG relative luminance. @param {number[]} c */
function luminance(c) {
  const [r, g, b] = c.map((v) => v / 255).map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** Dark or white text on the brand colour, for the launcher icon. @param {string} hex */
export function readableOn(hex) {
  return luminance(rgb(hex)) > 0.45 ? '#111827' : '#ffffff';
}

/**
 * Light brand colours (yellow, mint) get dark text; others are darkened in small
 * steps until white text on them reaches 4.5:1.
 * @param {string} hex
 */
export function textSafe(hex) {
  let c = rgb(hex);
  if (luminance(c) > 0.45) return { bg: hex, fg: '#111827' };
  while (1.05 / (luminance(c) + 0.05) < 4.5) c = c.map((v) => Math.round(v * 0.94));
  return { bg: `rgb(${c.join(' ')})`, fg: '#ffffff' };
}
