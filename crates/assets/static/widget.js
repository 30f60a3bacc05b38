/*
 * Parlor widget loader (W1). Embedded on any site with
 *   <script src="https://parlor.example/widget.js" data-website-token="…" async></script>
 *
 * Tiny, no dependencies, never restyles the host page: launcher and panel live
 * in a shadow root styled by a constructable stylesheet (which a host page's CSP
 * does not block, unlike <style>). The chat runs in an iframe on Parlor's origin,
 * loaded on first click or when idle; postMessage with exact origin checks.
 */
(function () {
  'use strict';
  var script = document.currentScript;
  if (window.$parlor || !script || !script.src) return;
  var token = script.getAttribute('data-website-token') || '';
  var origin = new URL(script.src).origin;
  var de = /^de\b/i.test(navigator.language || '');
  var L = de
    ? { open: 'Chat öffnen', close: 'Chat schließen', unread: 'ungelesen', title: 'Chat' }
    : { open: 'Open chat', close: 'Close chat', unread: 'unread', title: 'Chat' };

  var css =
    ':host{all:initial}' +
    '.l{position:fixed;right:20px;bottom:20px;z-index:2147483646;width:56px;height:56px;border-radius:50%;border:0;padding:0;cursor:pointer;' +
    'background:var(--c,#1f93ff);color:var(--f,#fff);box-shadow:0 4px 14px rgba(0,0,0,.18),0 2px 4px rgba(0,0,0,.12);display:grid;place-items:center;' +
    'transition:transform .16s ease,box-shadow .16s ease;-webkit-tap-highlight-color:transparent}' +
    '.l:hover{transform:scale(1.05);box-shadow:0 6px 20px rgba(0,0,0,.22)}' +
    '.l:focus-visible{outline:3px solid var(--c,#1f93ff);outline-offset:3px}' +
    '.l svg{width:26px;height:26px;fill:none;stroke:currentColor;stroke-width:2;stroke-linecap:round;stroke-linejoin:round;position:absolute;transition:transform .2s ease,opacity .2s ease}' +
    '.l .x{opacity:0;transform:rotate(-45deg)}.o .l .x{opacity:1;transform:none}.o .l .b{opacity:0;transform:rotate(45deg)}' +
    '.n{position:absolute;top:-4px;right:-4px;min-width:20px;height:20px;padding:0 6px;box-sizing:border-box;border-radius:10px;background:#e5484d;color:#fff;' +
    'font:600 12px/20px system-ui,sans-serif;text-align:center;box-shadow:0 0 0 2px #fff}' +
    '.n[hidden]{display:none}' +
    '.p{position:fixed;right:20px;bottom:88px;z-index:2147483647;width:380px;height:min(640px,calc(100vh - 108px));max-height:calc(100dvh - 108px);' +
    'border-radius:16px;overflow:hidden;background:#fff;box-shadow:0 12px 48px rgba(0,0,0,.22),0 2px 8px rgba(0,0,0,.08);' +
    'opacity:0;transform:translateY(12px) scale(.98);transform-origin:bottom right;visibility:hidden;transition:opacity .18s ease,transform .18s ease,visibility 0s .18s}' +
    '.o .p{opacity:1;transform:none;visibility:visible;transition:opacity .18s ease,transform .18s ease}' +
    '.p iframe{border:0;width:100%;height:100%;display:block}' +
    '@media (prefers-color-scheme:dark){.p{background:#16181d}.n{box-shadow:0 0 0 2px #16181d}}' +
    '@media (max-width:480px){.p{inset:0;width:100%;height:100%;max-height:none;border-radius:0}.o .l{display:none}}' +
    '@media (prefers-reduced-motion:reduce){.l,.p,.l svg,.o .p{transition:none}}';

  var host = document.createElement('parlor-widget');
  var root = host.attachShadow({ mode: 'open' });
  if (root.adoptedStyleSheets && typeof CSSStyleSheet === 'function' && 'replaceSync' in CSSStyleSheet.prototype) {
    var sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    root.adoptedStyleSheets = [sheet];
  } else {
    var style = document.createElement('style');
    style.textContent = css;
    root.appendChild(style);
  }

  // Built with DOM calls, not innerHTML: host pages with Trusted Types would refuse it.
  var NS = 'http://www.w3.org/2000/svg';
  function el(tag, cls) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    return e;
  }
  function svg(cls, d) {
    var s = document.createElementNS(NS, 'svg');
    var p = document.createElementNS(NS, 'path');
    s.setAttribute('class', cls);
    s.setAttribute('viewBox', '0 0 24 24');
    s.setAttribute('aria-hidden', 'true');
    p.setAttribute('d', d);
    s.appendChild(p);
    return s;
  }
  var wrap = el('div');
  var panel = el('div', 'p');
  var button = el('button', 'l');
  var badge = el('span', 'n');
  button.type = 'button';
  button.setAttribute('data-testid', 'launcher');
  button.setAttribute('aria-expanded', 'false');
  badge.setAttribute('data-testid', 'launcher-badge');
  badge.hidden = true;
  button.appendChild(svg('b', 'M5 5h14a2 2 0 012 2v8a2 2 0 01-2 2h-7l-5 4v-4H5a2 2 0 01-2-2V7a2 2 0 012-2z'));
  button.appendChild(svg('x', 'M6 9l6 6 6-6'));
  button.appendChild(badge);
  wrap.appendChild(panel);
  wrap.appendChild(button);
  // Shown once the frame is ready: a wrong token draws nothing.
  wrap.hidden = true;
  root.appendChild(wrap);
  var frame = null;
  var ready = false;
  var isOpen = false;

  function label() {
    var n = Number(badge.textContent) || 0;
    button.setAttribute('aria-label', (isOpen ? L.close : L.open) + (n && !badge.hidden ? ' (' + n + ' ' + L.unread + ')' : ''));
  }

  function post(msg) {
    if (frame && ready) frame.contentWindow.postMessage(msg, origin);
  }

  function context() {
    post({ type: 'parlor:context', url: location.href, title: document.title, referrer: document.referrer });
  }

  function load() {
    if (frame) return;
    frame = document.createElement('iframe');
    frame.title = L.title;
    frame.setAttribute('allow', 'clipboard-write');
    frame.src = origin + '/widget/frame?website_token=' + encodeURIComponent(token);
    panel.appendChild(frame);
  }

  function open() {
    load();
    isOpen = true;
    wrap.className = 'o';
    button.setAttribute('aria-expanded', 'true');
    badge.hidden = true;
    label();
    context();
    post({ type: 'parlor:open' });
    if (ready) frame.focus();
  }

  function close() {
    if (!isOpen) return;
    isOpen = false;
    wrap.className = '';
    button.setAttribute('aria-expanded', 'false');
    label();
    post({ type: 'parlor:closed' });
    button.focus();
  }

  window.addEventListener('message', function (ev) {
    // Only our own frame, from Parlor's exact origin.
    if (!frame || ev.source !== frame.contentWindow || ev.origin !== origin) return;
    var msg = ev.data;
    if (!msg || typeof msg.type !== 'string') return;
    if (msg.type === 'parlor:unknown') {
      host.remove();
      console.warn('Parlor: no inbox has data-website-token "' + token + '"');
    } else if (msg.type === 'parlor:ready') {
      ready = true;
      wrap.hidden = false;
      if (typeof msg.color === 'string' && /^#[0-9a-f]{3,8}$/i.test(msg.color)) {
        host.style.setProperty('--c', msg.color);
        if (typeof msg.fg === 'string' && /^#[0-9a-f]{3,8}$/i.test(msg.fg)) host.style.setProperty('--f', msg.fg);
      }
      context();
      if (msg.open === true && !isOpen) open();
      else if (isOpen) {
        post({ type: 'parlor:open' });
        frame.focus();
      }
    } else if (msg.type === 'parlor:close') {
      close();
    } else if (msg.type === 'parlor:unread') {
      var n = Math.max(0, Math.min(99, Number(msg.count) || 0));
      badge.textContent = String(n);
      badge.hidden = !n || isOpen;
      label();
    }
  });

  button.addEventListener('click', function () {
    isOpen ? close() : open();
  });

  function mount() {
    document.body.appendChild(host);
    label();
    load();
  }
  if (document.body) mount();
  else document.addEventListener('DOMContentLoaded', mount);

  window.$parlor = {
    open: open,
    close: close,
    toggle: function () {
      isOpen ? close() : open();
    },
  };
})();
