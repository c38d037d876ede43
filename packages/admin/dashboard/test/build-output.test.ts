import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

/** The built asset map (`pnpm run build` writes it; `pnpm test` builds first). */
type AssetMap = Record<
  string,
  { contentType: string; cacheControl: string; etag: string; body: string }
>;

function loadAssetMap(): AssetMap {
  const file = join(__dirname, '..', 'dist', 'asset-map.ts');
  if (!existsSync(file)) {
    throw new Error(`${file} is missing: build the dashboard first (pnpm run build)`);
  }
  return (require(file) as { dashboardAssetMap: AssetMap }).dashboardAssetMap;
}

const assets = loadAssetMap();
const page = assets['/'];

/** Every `src` and `href` the page refers to. */
const references = (html: string) =>
  [...html.matchAll(/\s(?:src|href)="([^"]*)"/g)].map((m) => m[1] as string);

describe('the built dashboard', () => {
  test('the page is HTML that loads only its own files, by relative URL', () => {
    expect(page).toBeDefined();
    expect(page!.contentType).toBe('text/html; charset=utf-8');
    const refs = references(page!.body);
    expect(refs.filter((r) => r.startsWith('assets/')).length).toBeGreaterThanOrEqual(2);
    for (const ref of refs) {
      if (ref === 'data:,') continue; // the empty favicon, so the browser asks for no other
      expect(ref).toMatch(/^assets\/[\w-]+\.(js|css)$/);
      expect(assets[`/${ref}`]).toBeDefined();
    }
  });

  test('nothing inline for the strict CSP: no inline script, style, handler or base', () => {
    const html = page!.body;
    for (const tag of html.match(/<script\b[^>]*>/g) ?? []) expect(tag).toMatch(/\ssrc="/);
    expect(html).not.toMatch(/<script\b[^>]*>\s*[^<\s]/);
    expect(html).not.toMatch(/<style\b/i);
    expect(html).not.toMatch(/\sstyle=/i);
    expect(html).not.toMatch(/\son[a-z]+=/i);
    expect(html).not.toMatch(/<base\b/i);
    expect(html).not.toMatch(/https?:\/\//);
  });

  test('assets are content-hashed, typed and cacheable forever; the page revalidates', () => {
    const files = Object.entries(assets).filter(([path]) => path !== '/');
    expect(files.length).toBeGreaterThanOrEqual(2);
    for (const [path, asset] of files) {
      expect(path).toMatch(/^\/assets\/[\w]+-[A-Z0-9]{8}\.(js|css)$/);
      expect(asset.contentType).toBe(
        path.endsWith('.js') ? 'text/javascript; charset=utf-8' : 'text/css; charset=utf-8',
      );
      expect(asset.cacheControl).toBe('public, max-age=31536000, immutable');
    }
    expect(page!.cacheControl).toBe('no-cache');
  });

  test('every ETag is the hash of the body it names, and no two files share one', () => {
    const etags = new Set<string>();
    for (const asset of Object.values(assets)) {
      const digest = createHash('sha256').update(asset.body).digest('base64url').slice(0, 27);
      expect(asset.etag).toBe(`"${digest}"`);
      etags.add(asset.etag);
    }
    expect(etags.size).toBe(Object.keys(assets).length);
  });

  test('the page stays small: first view under 24 KiB gzipped, everything under 48 KiB', () => {
    const gz = (body: string) => gzipSync(body, { level: 9 }).length;
    const firstView = ['/', ...references(page!.body).filter((r) => r.startsWith('assets/'))];
    const first = firstView.reduce(
      (sum, p) => sum + gz(assets[p.startsWith('/') ? p : `/${p}`]!.body),
      0,
    );
    const all = Object.values(assets).reduce((sum, a) => sum + gz(a.body), 0);
    expect(first).toBeLessThan(24 * 1024);
    expect(all).toBeLessThan(48 * 1024);
    // The chart library is split off: the first view does not carry it.
    expect(all - first).toBeGreaterThan(10 * 1024);
  });

  test('no plaintext key and no key-shaped secret is baked into the bundle', () => {
    for (const asset of Object.values(assets)) expect(asset.body).not.toMatch(/vc_[0-9a-f]{32}/);
  });
});
