// @ts-check
/**
 * The widget frame for a website token no inbox has: it tells the loader
 * (widget.js), which then draws no launcher and warns the site's owner in the
 * console. The token is the loader's own; nothing else is said.
 */
if (window.parent !== window) window.parent.postMessage({ type: 'parlor:unknown' }, '*');
