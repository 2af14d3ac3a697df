/**
 * The HTML status page: server-rendered (works without JavaScript; a meta refresh every 10 s
 * then), and live with it: /live.js, served by the box, fetches /fragment every 2 s and swaps
 * the page body. Both templates print the PageView and escape every value (ejs's HTML escape).
 */
import ejs from 'ejs';
import pageTemplate from '../templates/status-page.html.ejs';
import bodyTemplate from '../templates/status-body.html.ejs';
import type { ClusterView } from './cluster.js';
import { pageView } from './page-view.js';
import { lazyTemplate } from '../templates/escape.js';

// Compiled at the first request, not at start-up (see compileTemplate).
const page = lazyTemplate(() => ejs.compile(pageTemplate, { strict: true, localsName: 'it' }));
const body = lazyTemplate(() => ejs.compile(bodyTemplate, { strict: true, localsName: 'it' }));

/** Only what the page itself loads: its own script and inline style and SVG; nothing from elsewhere. */
export const PAGE_CSP =
  "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export const LIVE_INTERVAL_MS = 2000;

export function renderFragment(v: ClusterView): string {
  return body({ view: pageView(v) });
}

export function renderPage(v: ClusterView): string {
  const view = pageView(v);
  return page({ view, body: body({ view }) });
}

/** The page's script: poll /fragment, swap #main, say when the box stopped answering. */
export const LIVE_SCRIPT = `// pillars status page: live updates (the page works without this script too)
(function () {
  'use strict';
  var main = document.getElementById('main');
  var live = document.getElementById('live');
  var updated = document.getElementById('updated');
  if (!main || !window.fetch) return;
  var busy = false;
  function tick() {
    if (busy) return;
    busy = true;
    fetch('/fragment', { cache: 'no-store' }).then(function (r) {
      if (!r.ok) throw new Error('HTTP ' + r.status);
      return r.text();
    }).then(function (html) {
      main.innerHTML = html;
      var now = new Date();
      if (updated) updated.textContent = now.toISOString().replace('T', ' ').replace(/\\.\\d+Z$/, ' UTC');
      if (live) { live.textContent = 'live'; live.title = 'updated every ${LIVE_INTERVAL_MS / 1000} s'; }
    }).catch(function (e) {
      if (live) live.textContent = 'not answering (' + e.message + '), retrying';
    }).then(function () { busy = false; });
  }
  setInterval(tick, ${LIVE_INTERVAL_MS});
  if (live) live.textContent = 'live';
})();
`;
