/**
 * The status page's views of the pair (read-only, GET only):
 *   /  or /index.html   the HTML page (browsers; `/` stays text for curl and wget)
 *   /fragment           the page body, for the page's live updates
 *   /live.js            the page's script
 *   /metrics            Prometheus text exposition of this node
 *   /cluster.json       both nodes' snapshots (`pillarsctl cluster status --json`)
 */
import type { ClusterView } from './cluster.js';
import { METRICS_CONTENT_TYPE, renderMetrics } from './metrics.js';
import { LIVE_SCRIPT, PAGE_CSP, renderFragment, renderPage } from './page.js';
import type { NodeSnapshot } from './snapshot.js';

export interface ViewSource {
  cluster(): Promise<ClusterView>;
  snapshot(): Promise<NodeSnapshot>;
}

export interface RouteResponse {
  status: number;
  type: string;
  body: string;
  headers?: Record<string, string>;
}

const NO_STORE = { 'cache-control': 'no-store' };
const HTML_HEADERS = {
  ...NO_STORE,
  'content-security-policy': PAGE_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

/** Does the client want HTML (a browser) rather than text (curl, wget)? */
export function wantsHtml(accept: string | undefined): boolean {
  return /\btext\/html\b/.test(accept ?? '');
}

export async function viewRoute(
  path: string,
  accept: string | undefined,
  src: ViewSource,
): Promise<RouteResponse | undefined> {
  switch (path) {
    case '/':
      if (!wantsHtml(accept)) return undefined;
      return {
        status: 200,
        type: 'text/html; charset=utf-8',
        body: renderPage(await src.cluster()),
        headers: HTML_HEADERS,
      };
    case '/index.html':
      return {
        status: 200,
        type: 'text/html; charset=utf-8',
        body: renderPage(await src.cluster()),
        headers: HTML_HEADERS,
      };
    case '/fragment':
      return {
        status: 200,
        type: 'text/html; charset=utf-8',
        body: renderFragment(await src.cluster()),
        headers: HTML_HEADERS,
      };
    case '/live.js':
      return {
        status: 200,
        type: 'text/javascript; charset=utf-8',
        body: LIVE_SCRIPT,
        headers: { 'cache-control': 'max-age=300', 'x-content-type-options': 'nosniff' },
      };
    case '/metrics':
      return { status: 200, type: METRICS_CONTENT_TYPE, body: renderMetrics(await src.snapshot()), headers: NO_STORE };
    case '/cluster.json':
      return {
        status: 200,
        type: 'application/json',
        body: JSON.stringify(await src.cluster()) + '\n',
        headers: NO_STORE,
      };
    default:
      return undefined;
  }
}
