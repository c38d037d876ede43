import type { HttpAnswer } from '@vectorcache/auth-core/adapter';
import { headerValue } from './body';
import { detail } from './answers';
import type { AdminRequest } from './types';

/** One built file of the page (see `dashboard/README.md`). */
interface DashboardAsset {
  contentType: string;
  cacheControl: string;
  etag: string;
  body: string;
}

let assets: Readonly<Record<string, DashboardAsset>> | null | undefined;

/**
 * The page's files, built by `dashboard/build.mjs` into `dashboard/dist/asset-map.ts` before this
 * package is built, which bundles them into its own output. Loaded on first use, so that code
 * run from source without that build (unit tests) works, answering 503 for the page.
 */
function assetMap(): Readonly<Record<string, DashboardAsset>> | null {
  if (assets === undefined) {
    try {
      assets = (
        require('../dashboard/dist/asset-map') as {
          dashboardAssetMap: Readonly<Record<string, DashboardAsset>>;
        }
      ).dashboardAssetMap;
    } catch {
      assets = null;
    }
  }
  return assets;
}

/**
 * The page's Content-Security-Policy: its own files only, no inline script or style, no frames,
 * no `<base>`, no form submissions.
 */
export const DASHBOARD_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
  "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

const PAGE_HEADERS = Object.freeze({
  'content-security-policy': DASHBOARD_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
});

/** Whether an `If-None-Match` value names `etag` (or is `*`). */
function matchesEtag(ifNoneMatch: string, etag: string): boolean {
  return ifNoneMatch === '*' || ifNoneMatch.split(',').some((tag) => tag.trim() === etag);
}

/**
 * The dashboard's answer to a request, or `undefined` when the path is none of its files (the
 * API's routes decide then). `GET /` is the page and `GET /assets/...` its content-hashed files,
 * with the CSP, `nosniff`, `no-referrer` and an ETag (`304` when `If-None-Match` has it). The
 * mount point without its trailing slash (`/admin`) is redirected to `/admin/`, so that the
 * page's relative URLs resolve under the mount point.
 */
export function dashboardAnswer(request: AdminRequest): HttpAnswer | undefined {
  const files = assetMap();
  if (files === null) {
    if (request.path !== '/') return undefined;
    return detail(503, 'The dashboard page is not built: run `pnpm run build`', {
      'retry-after': '1',
    });
  }
  const asset = files[request.path];
  if (!asset) return undefined;
  const method = request.method.toUpperCase();
  if (method !== 'GET' && method !== 'HEAD') {
    return detail(405, 'Method not allowed', { allow: 'GET, HEAD' });
  }
  const sent = request.requestPath;
  if (request.path === '/' && sent !== undefined && sent !== '' && !sent.endsWith('/')) {
    const location = `./${encodeURIComponent(decodeSafe(sent.slice(sent.lastIndexOf('/') + 1)))}/`;
    // Relative, so it holds behind a proxy that moves the mount point.
    return detail(308, `The dashboard is at ${location}`, { location });
  }
  const headers = {
    'content-type': asset.contentType,
    'cache-control': asset.cacheControl,
    etag: asset.etag,
    ...PAGE_HEADERS,
  };
  const ifNoneMatch = headerValue(request.headers, 'if-none-match');
  if (ifNoneMatch !== undefined && matchesEtag(ifNoneMatch, asset.etag)) {
    // No body, so no Content-Type (Koa drops it on a 304; every mount answers alike).
    const { 'content-type': _type, ...notModified } = headers;
    return { status: 304, headers: notModified, body: '' };
  }
  return { status: 200, headers, body: asset.body };
}

function decodeSafe(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
