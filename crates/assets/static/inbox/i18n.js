// @ts-check
/**
 * The inbox's strings: its part of the server's language catalogue
 * (crates/i18n), in the page's language, from the page's JSON data block.
 */

import { makeT } from '../shared/lib.js';

export const lang = document.documentElement.lang || 'en';

/** @type {import('../shared/lib.js').T} */
export const t = makeT(JSON.parse(document.getElementById('parlor-strings')?.textContent || '{}'));
