import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { createKeyManager, SqliteKeyStore, type KeyStore } from '@vectorcache/auth-core';
import { RedisKeyStore } from '@vectorcache/auth-redis';
import { describeRedis, redisUrl, uniquePrefix } from '../../../../test-utils/redis';
import { createApp } from '../../../../examples/express-server/src/app';
import {
  describeBrowser,
  launchChromium,
  watchPage,
  type HeadlessChromium,
  type PageWatch,
} from './chromium';

const KEY = /vc_[0-9a-f]{32}/g;
/** The whole journey in a real browser takes 15-20 s on an idle machine; more on a loaded one. */
const JOURNEY_TIMEOUT_MS = 90_000;
const XSS_NAME = '<img src=x onerror=alert(1)>';
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
  "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/**
 * Runs `work` and, if it fails, strips every plaintext key from the error before Jest prints it:
 * the test output must never hold one (CI scans it), even when an assertion fails.
 */
async function keyFree(work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (error) {
    if (error instanceof Error) {
      error.message = error.message.replace(KEY, 'vc_<redacted>');
      if (error.stack) error.stack = error.stack.replace(KEY, 'vc_<redacted>');
      delete (error as { matcherResult?: unknown }).matcherResult;
    }
    throw error;
  }
}

/**
 * The Express example app on a real socket: the management API (and so the dashboard) at
 * `/admin`, and the cache API whose routes need `cache:read` and `cache:write`.
 */
async function serve(store: KeyStore) {
  const { app, close } = createApp({ store });
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    adminUrl: `${origin}/admin/`,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await close();
    },
  };
}

/** Calls a protected route of the cache API with a key, from the test (not from the page). */
async function callCache(origin: string, key: string, route: 'query' | 'write'): Promise<number> {
  const response = await fetch(`${origin}/v1/cache/${route}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ prompt: 'What is AI?', response: 'A field of study.' }),
  });
  await response.arrayBuffer();
  return response.status;
}

/**
 * The text of the first element of `locator` once one shows `text` (a substring), or after 10 s
 * whatever it shows then, for the assertion to report.
 */
async function showing(locator: Locator, text: string): Promise<string> {
  await locator
    .filter({ hasText: text })
    .first()
    .waitFor({ timeout: 10_000 })
    .catch(() => undefined);
  return (
    (await locator
      .first()
      .textContent({ timeout: 1_000 })
      .catch(() => null)) ?? ''
  ).trim();
}

/**
 * Whether the page fits its window's width (a narrow window needs no sideways scrolling; wide
 * tables scroll inside their own box).
 */
async function fitsWidth(page: Page): Promise<boolean> {
  // After a viewport change the page lays out again (charts redraw at the new width) on the next
  // frames, not at once: wait for it to fit, up to 2 s, rather than measuring mid-reflow.
  try {
    await page.waitForFunction(
      () => document.documentElement.scrollWidth <= document.documentElement.clientWidth,
      undefined,
      { timeout: 2000 },
    );
    return true;
  } catch {
    return false;
  }
}

/**
 * Screenshots go to `docs/` when `VECTORCACHE_UPDATE_SCREENSHOTS=1` (the README shows them),
 * else to a temporary folder; either way the file must be a real PNG.
 */
const screenshotDir =
  process.env.VECTORCACHE_UPDATE_SCREENSHOTS === '1'
    ? join(__dirname, '..', '..', '..', '..', 'docs')
    : mkdtempSync(join(tmpdir(), 'vc-screenshots-'));

async function screenshot(page: Page, name: string): Promise<void> {
  const png = await page.screenshot({ path: join(screenshotDir, name), fullPage: true });
  expect(png.subarray(1, 4).toString()).toBe('PNG');
  expect(png.length).toBeGreaterThan(10_000);
}

/** The text of the focused element once it is `text`, or after 10 s whatever it is then. */
async function focusedSoon(page: Page, text: string): Promise<string> {
  await page
    .waitForFunction((t) => document.activeElement?.textContent === t, text)
    .catch(() => null);
  return page.evaluate(() => document.activeElement?.textContent ?? '');
}

/** The text of one row of the outcome totals table. */
async function outcomeCount(page: Page, outcome: string): Promise<number> {
  const cell = page.locator(`[data-testid="outcome-totals"] tr[data-outcome="${outcome}"] td`);
  if ((await cell.count()) === 0) return 0;
  return Number(await cell.textContent());
}

/** The scopes a dialog offers as checkboxes, in order, and those ticked. */
async function offeredScopes(dialog: Locator): Promise<{ offered: string[]; ticked: string[] }> {
  const boxes = dialog.locator('input[name="scope"]:not([disabled])');
  await boxes.first().waitFor();
  return boxes.evaluateAll((inputs) => ({
    offered: inputs.map((i) => (i as HTMLInputElement).value),
    ticked: inputs
      .filter((i) => (i as HTMLInputElement).checked)
      .map((i) => (i as HTMLInputElement).value),
  }));
}

/** The chart legend's value for the line labelled `label`, once it is `text` (or after 10 s). */
async function legendValue(page: Page, label: string, text: string): Promise<string> {
  const exactly = (t: string) => new RegExp(`^${t.replace(/[()]/g, '\\$&')}$`);
  const value = page
    .locator('.u-legend tr', { has: page.locator('th', { hasText: exactly(label) }) })
    .locator('td');
  await value
    .filter({ hasText: exactly(text) })
    .waitFor({ timeout: 10_000 })
    .catch(() => undefined);
  return ((await value.textContent({ timeout: 1_000 }).catch(() => null)) ?? '').trim();
}

/** Whether the page's DOM, inputs or storage hold `secret` anywhere. */
async function pageHolds(page: Page, secret: string): Promise<boolean> {
  return page.evaluate((s) => {
    const inDom = document.documentElement.outerHTML.includes(s);
    const inInputs = [...document.querySelectorAll('input, textarea')].some((el) =>
      (el as HTMLInputElement).value.includes(s),
    );
    const inText = (document.body.innerText ?? '').includes(s);
    const stored = [sessionStorage, localStorage].some((storage) =>
      Object.keys(storage).some((k) => (storage.getItem(k) ?? '').includes(s)),
    );
    return inDom || inInputs || inText || stored || document.cookie.includes(s);
  }, secret);
}

/** The dashboard's whole story on one store. */
function journey(label: string, makeStore: () => { store: KeyStore; cleanup: () => void }) {
  let chromium: HeadlessChromium;
  let store: KeyStore;
  let cleanup: () => void;
  let server: Awaited<ReturnType<typeof serve>>;
  const projectId = `proj_e2e_${label.replace(/\W/g, '')}`;
  let managerKey: string;
  let limitedManagerKey: string;
  let cacheOnlyKey: string;
  let workerKey: string;
  let keys: ReturnType<typeof createKeyManager>;

  beforeAll(async () => {
    ({ store, cleanup } = makeStore());
    keys = createKeyManager({ store });
    managerKey = (
      await keys.create({
        projectId,
        name: 'dashboard admin',
        scopes: ['keys:manage', 'analytics:read', 'cache:*'],
      })
    ).key;
    limitedManagerKey = (
      await keys.create({ projectId, name: 'key clerk', scopes: ['keys:manage'] })
    ).key;
    cacheOnlyKey = (await keys.create({ projectId, name: 'backend', scopes: ['cache:read'] })).key;
    await keys.create({ projectId, name: XSS_NAME, scopes: ['cache:read'] });
    workerKey = (await keys.create({ projectId, name: 'worker', scopes: ['cache:read'] })).key;
    await keys.create({ projectId: `${projectId}_other`, name: 'other project', scopes: [] });
    server = await serve(store);
    chromium = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await chromium?.close();
    await server?.close();
    await store?.close();
    cleanup?.();
  });

  /** A new tab on the dashboard (or `url`), watched from before its first script runs. */
  async function open(url = server.adminUrl) {
    const { context } = chromium;
    const page = await context.newPage();
    const watch = await watchPage(context, page);
    const response = await page.goto(url);
    return { context, page, watch, response };
  }

  /** Pastes a key into the sign-in form and submits it. */
  async function submitKey(page: Page, key: string): Promise<void> {
    await page.getByLabel('API key').fill(key);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  /** A new keys:manage key named `name`, and a tab signed in with it. */
  async function signedInWithNewManager(name: string) {
    const self = await keys.create({ projectId, name, scopes: ['keys:manage'] });
    const { page, watch } = await open();
    await submitKey(page, self.key);
    expect(await showing(page.getByTestId('project'), projectId)).toBe(projectId);
    return { self, page, watch };
  }

  /** What every tab must end with: no CSP violation and no script error, then it closes. */
  async function closeClean(page: Page, watch: PageWatch): Promise<void> {
    expect(await watch.cspViolations()).toEqual([]);
    expect(watch.errors).toEqual([]);
    await page.close();
  }

  test(
    'sign in, see the keys, create one, revoke it, read its usage and the audit',
    () =>
      keyFree(async () => {
        const { context, page, watch, response } = await open();
        await context.grantPermissions(['clipboard-read', 'clipboard-write'], {
          origin: server.origin,
        });

        // The page and its headers.
        expect(response?.status()).toBe(200);
        const headers = response!.headers();
        expect(headers['content-security-policy']).toBe(CSP);
        expect(headers['x-content-type-options']).toBe('nosniff');
        expect(headers['referrer-policy']).toBe('no-referrer');

        // Sign in with the manager key: the project and the seeded keys show.
        await submitKey(page, managerKey);
        expect(await showing(page.getByTestId('project'), projectId)).toBe(projectId);
        const names = await page.locator('table.keys td.name').allTextContents();
        expect(names.sort()).toEqual(
          ['backend', 'dashboard admin', 'key clerk', 'worker', XSS_NAME].sort(),
        );
        expect(await pageHolds(page, managerKey)).toBe(false);

        // The XSS-named key shows its characters and runs nothing.
        const xssCell = page.locator('table.keys td.name', { hasText: XSS_NAME });
        expect(await xssCell.textContent()).toBe(XSS_NAME);
        expect(await page.locator('table.keys img').count()).toBe(0);

        // Create a key with cache:read only, the least privilege the dialog starts with (this
        // manager may grant every known scope, so each is offered); the dialog shows it once.
        await page.getByRole('button', { name: 'Create API key' }).click();
        const create = page.getByTestId('create-dialog');
        expect(await offeredScopes(create)).toEqual({
          offered: ['cache:read', 'cache:write', 'cache:*', 'analytics:read', 'keys:manage'],
          ticked: ['cache:read'],
        });
        await create.getByLabel('Name').fill('e2e created');
        await create.getByRole('button', { name: 'Create key' }).click();
        const issuedDialog = page.getByTestId('issued-dialog');
        await issuedDialog.waitFor();
        expect(await issuedDialog.textContent()).toContain('will not be shown again');
        const created = (await page.getByTestId('issued-key').textContent()) ?? '';
        expect(/^vc_[0-9a-f]{32}$/.test(created)).toBe(true);
        await issuedDialog.getByRole('button', { name: 'Copy key' }).click();
        expect(await showing(issuedDialog.getByRole('status'), 'Copied to the clipboard.')).toBe(
          'Copied to the clipboard.',
        );
        expect((await page.evaluate(() => navigator.clipboard.readText())) === created).toBe(true);
        await issuedDialog.getByRole('button', { name: 'Done, close' }).click();
        await issuedDialog.waitFor({ state: 'detached' });
        expect(await pageHolds(page, created)).toBe(false);

        const row = page.locator('table.keys tr', { hasText: 'e2e created' });
        expect(await showing(row.locator('td[data-label="Status"]'), 'active')).toBe('active');
        const createdId = (await row.getAttribute('data-key-id')) ?? '';
        expect(createdId).toMatch(/^key_[0-9a-f]{24}$/);

        // The new key works on a protected route, and is refused a scope it lacks.
        expect(await callCache(server.origin, created, 'query')).toBe(200);
        expect(await callCache(server.origin, created, 'query')).toBe(200);
        expect(await callCache(server.origin, created, 'write')).toBe(403);

        // Revoke it in the page, through the confirmation.
        await row.getByRole('button', { name: /^Revoke/ }).click();
        const confirm = page.getByTestId('revoke-dialog');
        await confirm.waitFor();
        expect(await focusedSoon(page, 'Cancel')).toBe('Cancel');
        await confirm.getByRole('button', { name: 'Revoke key' }).click();
        await confirm.waitFor({ state: 'detached' });
        expect(await showing(row.locator('td[data-label="Status"]'), 'revoked')).toBe('revoked');
        expect(await callCache(server.origin, created, 'query')).toBe(401);
        // A revoked key can only be read: no Edit, Rotate or Revoke on its row.
        expect(await row.getByRole('button').count()).toBe(0);

        // Rotate another key without grace: the new key shows once and works, the old one stops.
        const worker = page.locator('table.keys tr', { hasText: 'worker' });
        await worker.getByRole('button', { name: /^Rotate/ }).click();
        const rotate = page.getByTestId('rotate-dialog');
        await rotate.getByLabel('Grace period for the old key').selectOption('');
        await rotate.getByRole('button', { name: 'Rotate key' }).click();
        await issuedDialog.waitFor();
        const rotated = (await page.getByTestId('issued-key').textContent()) ?? '';
        expect(/^vc_[0-9a-f]{32}$/.test(rotated) && rotated !== workerKey).toBe(true);
        await issuedDialog.getByRole('button', { name: 'Done, close' }).click();
        await issuedDialog.waitFor({ state: 'detached' });
        expect(await pageHolds(page, rotated)).toBe(false);
        expect(await callCache(server.origin, rotated, 'query')).toBe(200);
        expect(await callCache(server.origin, workerKey, 'query')).toBe(401);
        const statuses = await showing(worker.locator('td[data-label="Status"]'), 'revoked');
        expect(statuses).toBe('active'); // the new key, newest first
        expect(await worker.locator('td[data-label="Status"]').allTextContents()).toEqual([
          'active',
          'revoked',
        ]);
        // The status line does not end a sentence on a prefix's "..." ("vc_eb74....").
        const said = await showing(page.locator('p.status'), 'Rotated');
        expect(said).toBe(
          `Rotated: the new key ${rotated.slice(0, 7)}... replaces ${workerKey.slice(0, 7)}..., ` +
            'which stops at once.',
        );
        expect(said).not.toMatch(/\.\.\.\./);
        // The pair is linked both ways, and the old key's row has no buttons.
        expect(await worker.first().locator('.link').allTextContents()).toEqual([
          `replaces ${workerKey.slice(0, 7)}...`,
        ]);
        expect(await worker.nth(1).locator('.link').allTextContents()).toEqual([
          `rotated to ${rotated.slice(0, 7)}...`,
        ]);
        expect(await worker.nth(1).getByRole('button').count()).toBe(0);
        const replacedId = (await worker.nth(1).getAttribute('data-key-id')) ?? '';

        // Edit the new key's scopes: cache:write instead of cache:read, effective at once.
        await worker.first().getByRole('button', { name: /^Edit/ }).click();
        const edit = page.getByTestId('edit-dialog');
        await edit.getByRole('checkbox', { name: /^cache:read/ }).uncheck();
        await edit.getByRole('checkbox', { name: /^cache:write/ }).check();
        await edit.getByRole('button', { name: 'Save' }).click();
        await edit.waitFor({ state: 'detached' });
        expect(
          await showing(worker.first().locator('td[data-label="Scopes"]'), 'cache:write'),
        ).toBe('cache:write');
        expect(await callCache(server.origin, rotated, 'write')).toBe(201);
        expect(await callCache(server.origin, rotated, 'query')).toBe(403);
        const rotatedId = (await worker.first().getAttribute('data-key-id')) ?? '';
        expect(rotatedId).toMatch(/^key_[0-9a-f]{24}$/);

        await page.getByRole('tab', { name: 'Analytics' }).click();
        // Analytics: exactly the requests the test made with that key, by outcome.
        await page.getByLabel('Keys').selectOption(createdId);
        expect(
          await showing(page.locator('[data-testid="outcome-totals"] caption'), 'e2e created'),
        ).toContain('e2e created');
        expect(await outcomeCount(page, 'valid')).toBe(2);
        expect(await outcomeCount(page, 'insufficient_scope')).toBe(1);
        expect(await outcomeCount(page, 'revoked')).toBe(1);
        expect(await outcomeCount(page, 'total')).toBe(4);
        // Not hovered, the chart's legend shows the period and each line's total, not "--".
        expect(await legendValue(page, 'Time (UTC)', 'last 24 hours')).toBe('last 24 hours');
        expect(await legendValue(page, 'Valid', '2')).toBe('2');
        expect(await legendValue(page, 'Refused: missing scope', '1')).toBe('1');
        expect(await legendValue(page, 'Refused: revoked key', '1')).toBe('1');
        const ranked = page.locator(`[data-testid="ranking"] tr[data-key-id="${createdId}"]`);
        expect(await showing(ranked.locator('td').last(), '4')).toBe('4');
        // And those of the rotated key: one 200 and one 201 (valid), one 403 for the scope it lost.
        await page.getByLabel('Keys').selectOption(rotatedId);
        await showing(page.locator('[data-testid="outcome-totals"] caption'), 'worker');
        expect(await outcomeCount(page, 'valid')).toBe(2);
        expect(await outcomeCount(page, 'insufficient_scope')).toBe(1);
        expect(await outcomeCount(page, 'revoked')).toBe(0);
        expect(await outcomeCount(page, 'total')).toBe(3);

        // The audit list shows the create and the revoke of that key.
        const audit = page.locator(`[data-testid="audit"] tr[data-target="${createdId}"]`);
        await audit.nth(1).waitFor();
        expect(await audit.count()).toBe(2);
        expect(await audit.evaluateAll((rows) => rows.map((r) => r.dataset.action))).toEqual([
          'key.revoked',
          'key.created',
        ]);
        // The worker's rotation names the key that replaced it.
        const rotation = page.locator(
          `[data-testid="audit"] tr[data-action="key.rotated"][data-target="${replacedId}"]`,
        );
        expect(await showing(rotation.locator('.link'), 'rotated to')).toBe(
          `rotated to ${rotated.slice(0, 7)}...`,
        );
        // Both tabs, as pictures for the README, and in a narrow window without sideways scrolling.
        await page.setViewportSize({ width: 1200, height: 900 });
        await page.getByLabel('Keys').selectOption('');
        await showing(page.locator('[data-testid="outcome-totals"] caption'), 'whole project');
        if (label === 'redis') await screenshot(page, 'dashboard-analytics.png');
        expect(await fitsWidth(page)).toBe(true);
        await page.setViewportSize({ width: 360, height: 800 });
        expect(await fitsWidth(page)).toBe(true);
        await page.getByRole('tab', { name: 'API Keys' }).click();
        await showing(page.locator('table.keys td.name').first(), '');
        expect(await fitsWidth(page)).toBe(true);
        await page.setViewportSize({ width: 1200, height: 900 });
        if (label === 'redis') await screenshot(page, 'dashboard-keys.png');

        // Nothing injected ran, nothing broke the CSP, nothing failed on the page.
        expect(watch.dialogs).toEqual([]);
        expect(watch.requests.filter((url) => /\/x$/.test(url))).toEqual([]);
        await closeClean(page, watch);
      }),
    JOURNEY_TIMEOUT_MS,
  );

  test('sign-out forgets the key: nothing in storage, cookies or the DOM after a reload', () =>
    keyFree(async () => {
      // The mount point without its slash leads to the page too.
      const { context, page, watch } = await open(server.adminUrl.replace(/\/$/, ''));
      expect(page.url()).toBe(server.adminUrl);
      await page.getByLabel('Stay signed in while this tab is open').check();
      await submitKey(page, managerKey);
      expect(await showing(page.getByTestId('project'), projectId)).toBe(projectId);

      // Kept for this tab only, so a reload stays signed in.
      await page.reload();
      expect(await showing(page.getByTestId('project'), projectId)).toBe(projectId);

      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByLabel('API key').waitFor();
      await page.reload();
      await page.getByLabel('API key').waitFor();
      expect(await pageHolds(page, managerKey)).toBe(false);
      const storage = await page.evaluate(() => ({
        session: Object.keys(sessionStorage).length,
        local: Object.keys(localStorage).length,
      }));
      expect(storage).toEqual({ session: 0, local: 0 });
      expect(await context.cookies(server.origin)).toEqual([]);
      await closeClean(page, watch);
    }));

  test('keyboard only: sign in, open and leave a dialog, move between tabs', () =>
    keyFree(async () => {
      const { page, watch } = await open();
      const focused = () =>
        page.evaluate(() => {
          const el = document.activeElement as HTMLElement | null;
          return `${el?.tagName.toLowerCase()} ${el?.getAttribute('aria-label') ?? el?.textContent ?? ''}`.trim();
        });

      await page.getByLabel('API key').focus();
      await page.keyboard.insertText(managerKey);
      await page.keyboard.press('Enter');
      expect(await showing(page.getByTestId('project'), projectId)).toBe(projectId);

      // The dialog takes the focus, Escape closes it, the focus comes back to its button.
      await page.getByRole('button', { name: 'Create API key' }).focus();
      await page.keyboard.press('Enter');
      await page.getByTestId('create-dialog').waitFor();
      await page
        .waitForFunction(() => document.activeElement?.id === 'create-name')
        .catch(() => null);
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('create-name');
      await page.keyboard.press('Escape');
      await page.getByTestId('create-dialog').waitFor({ state: 'detached' });
      expect(await focused()).toBe('button Create API key');

      // Arrow keys move between the tabs.
      await page.getByRole('tab', { name: 'API Keys' }).focus();
      await page.keyboard.press('ArrowRight');
      expect(await focused()).toBe('button Analytics');
      expect(await page.getByRole('tab', { name: 'Analytics' }).getAttribute('aria-selected')).toBe(
        'true',
      );
      await page.getByTestId('outcome-totals').waitFor();
      await closeClean(page, watch);
    }));

  test('a key without either scope, and every refusal of the API, are told in words', () =>
    keyFree(async () => {
      const { page, watch } = await open();
      // The way to a first key names the CLI's scoped package and makes a key that can do what
      // the dashboard offers.
      const firstKey =
        "npx -p @vectorcache/auth-cli vectorcache-keys create --project YOUR_PROJECT --name dashboard --scopes 'keys:manage,analytics:read,cache:*'";
      expect(await page.locator('.sign-in .hint').textContent()).toContain(firstKey);
      await submitKey(page, cacheOnlyKey);
      const noScope = await showing(
        page.getByRole('alert'),
        'neither the keys:manage nor the analytics:read scope',
      );
      expect(noScope).toContain('neither the keys:manage nor the analytics:read scope');
      expect(noScope).toContain(firstKey);

      // On the sign-in screen, a refused key is told with what to do there (not "sign out").
      await submitKey(page, `vc_${'0'.repeat(32)}`);
      const refused = await showing(page.getByRole('alert'), 'unknown, revoked or expired');
      expect(refused).toContain('unknown, revoked or expired');
      expect(refused).toContain('Check that you pasted all of it');
      expect(refused).not.toMatch(/sign out/i);

      // A manager without cache scopes is offered only what it can grant, and nothing is ticked.
      await submitKey(page, limitedManagerKey);
      expect(await showing(page.getByTestId('project'), projectId)).toBe(projectId);
      await page.getByRole('button', { name: 'Create API key' }).click();
      const create = page.getByTestId('create-dialog');
      expect(await offeredScopes(create)).toEqual({ offered: ['keys:manage'], ticked: [] });
      expect(await create.textContent()).toContain(
        'Only the scopes your own key grants are offered.',
      );
      await create.press('Escape');
      await create.waitFor({ state: 'detached' });

      // Editing a key with a scope it cannot grant: shown and removable, not addable back.
      const backend = page.locator('table.keys tr', { hasText: 'backend' });
      await backend.getByRole('button', { name: /^Edit/ }).click();
      const edit = page.getByTestId('edit-dialog');
      expect(await offeredScopes(edit)).toEqual({
        offered: ['keys:manage', 'cache:read'],
        ticked: ['cache:read'],
      });
      const cacheRead = edit.getByRole('checkbox', { name: /^cache:read/ });
      await cacheRead.uncheck();
      expect(await cacheRead.isDisabled()).toBe(true);
      await edit.getByRole('button', { name: 'Cancel' }).click();
      await edit.waitFor({ state: 'detached' });

      // A key may edit only keys whose scopes its own grant (it may still revoke them): renaming
      // it is refused, and the 403 is shown with its detail.
      const refusal =
        'Cannot change a key with scopes the calling key does not have: cache:read; it may only revoke it';
      await backend.getByRole('button', { name: /^Edit/ }).click();
      await edit.getByLabel('Name').fill('backend renamed');
      await edit.getByRole('button', { name: 'Save' }).click();
      expect(await showing(edit.getByRole('alert'), refusal)).toContain(refusal);
      await edit.press('Escape');
      await edit.waitFor({ state: 'detached' });
      await page.getByRole('tab', { name: 'Analytics' }).click();
      expect(await showing(page.locator('.notice'), 'lacks the analytics:read scope')).toContain(
        'lacks the analytics:read scope',
      );
      await closeClean(page, watch);
    }));

  test('what a key is for: set at creation, shown, filtered, edited; a rotation-due badge', () =>
    keyFree(async () => {
      // A key made 100 days ago is past the default 90-day rotation period.
      const past = Date.now() - 100 * 86_400_000;
      await createKeyManager({ store, now: () => past }).create({
        projectId,
        name: 'old timer',
        scopes: ['cache:read'],
        environment: 'legacy',
      });
      const { page, watch } = await signedInWithNewManager('labeller');
      const old = page.locator('table.keys tr', { hasText: 'old timer' });
      expect(await showing(old.locator('td[data-label="Status"]'), 'rotation due')).toContain(
        'rotation due',
      );
      expect(await old.locator('td[data-label="Environment"]').textContent()).toBe('legacy');

      await page.getByRole('button', { name: 'Create API key' }).click();
      const create = page.getByTestId('create-dialog');
      await create.getByLabel('Name').fill('labelled');
      // This manager may grant keys:manage only: the dialog ticks nothing for it.
      await create.locator('input[value="keys:manage"]').check();
      await create.getByLabel(/^Environment/).fill('production');
      await create.getByLabel(/^Owner id/).fill('u_42');
      await create.getByLabel(/^Metadata/).fill('plan=pro\nregion=eu');
      await create.getByRole('button', { name: 'Create key' }).click();
      const issued = page.getByTestId('issued-dialog');
      await issued.waitFor();
      await issued.getByRole('button', { name: 'Done, close' }).click();
      await issued.waitFor({ state: 'detached' });
      const row = page.locator('table.keys tr', { hasText: 'labelled' });
      expect(await showing(row.locator('td[data-label="Environment"]'), 'production')).toBe(
        'production',
      );
      expect(await row.locator('td[data-label="Owner"]').textContent()).toBe(
        'u_42plan=proregion=eu',
      );
      expect(await row.locator('td[data-label="Status"]').textContent()).toBe('active');
      const id = (await row.getAttribute('data-key-id')) ?? '';
      expect(await keys.get(id)).toMatchObject({
        environment: 'production',
        ownerId: 'u_42',
        meta: { plan: 'pro', region: 'eu' },
      });

      // Filtered by environment, then by owner: only the matching keys stay.
      const environmentFilter = page.locator('.toolbar label', { hasText: 'Environment' });
      await environmentFilter.locator('input').fill('production');
      await environmentFilter.locator('input').blur();
      await page.locator('table.keys tr', { hasText: 'old timer' }).waitFor({ state: 'detached' });
      expect(await page.locator('table.keys td.name').allTextContents()).toEqual(['labelled']);
      await environmentFilter.locator('input').fill('');
      await environmentFilter.locator('input').blur();
      const ownerFilter = page.locator('.toolbar label', { hasText: 'Owner' });
      await ownerFilter.locator('input').fill('nobody');
      await ownerFilter.locator('input').blur();
      expect(await showing(page.locator('table.keys'), 'matching the filters')).toContain(
        'No keys matching the filters.',
      );
      await ownerFilter.locator('input').fill('');
      await ownerFilter.locator('input').blur();

      // Edited: another environment, no owner, metadata replaced.
      await page
        .locator('table.keys tr', { hasText: 'labelled' })
        .getByRole('button', { name: /^Edit/ })
        .click();
      const edit = page.getByTestId('edit-dialog');
      await edit.waitFor();
      expect(await edit.getByLabel(/^Metadata/).inputValue()).toBe('plan=pro\nregion=eu');
      await edit.getByLabel(/^Environment/).fill('staging');
      await edit.getByLabel(/^Owner id/).fill('');
      await edit.getByLabel(/^Metadata/).fill('tier=gold');
      await edit.getByRole('button', { name: 'Save' }).click();
      await edit.waitFor({ state: 'detached' });
      expect(await showing(row.locator('td[data-label="Environment"]'), 'staging')).toBe('staging');
      expect(await keys.get(id)).toMatchObject({
        environment: 'staging',
        ownerId: null,
        meta: { tier: 'gold' },
      });
      if (label === 'redis') await screenshot(page, 'dashboard-key-labels.png');
      await closeClean(page, watch);
    }));

  test('revoking the key you are signed in with warns first, then signs out', () =>
    keyFree(async () => {
      const { self, page, watch } = await signedInWithNewManager('revoke me');
      const warning = 'This is the key you are signed in with: the dashboard will sign you out.';

      // Another key's confirmation has no such warning.
      await page
        .locator('table.keys tr', { hasText: 'key clerk' })
        .getByRole('button', { name: /^Revoke/ })
        .click();
      const confirm = page.getByTestId('revoke-dialog');
      await confirm.waitFor();
      expect(await confirm.textContent()).not.toContain('signed in with');
      await confirm.getByRole('button', { name: 'Cancel' }).click();
      await confirm.waitFor({ state: 'detached' });

      await page
        .locator(`table.keys tr[data-key-id="${self.record.id}"]`)
        .getByRole('button', { name: /^Revoke/ })
        .click();
      await confirm.waitFor();
      expect(await confirm.getByRole('note').textContent()).toBe(warning);
      await confirm.getByRole('button', { name: 'Revoke key' }).click();

      // Back to sign-in, saying why, with no table left behind.
      expect(await showing(page.getByRole('alert'), 'You revoked')).toBe(
        `You revoked ${self.record.prefix}..., the key you were signed in with. Sign in with ` +
          'another key to go on.',
      );
      expect(await page.getByLabel('API key').isVisible()).toBe(true);
      expect(await page.locator('table.keys').count()).toBe(0);
      expect((await keys.get(self.record.id))?.status).toBe('revoked');
      await closeClean(page, watch);
    }));

  test('rotating the signed-in key with no grace signs out once the new key is closed', () =>
    keyFree(async () => {
      const { self, page, watch } = await signedInWithNewManager('rotate me');
      await page
        .locator(`table.keys tr[data-key-id="${self.record.id}"]`)
        .getByRole('button', { name: /^Rotate/ })
        .click();
      const rotate = page.getByTestId('rotate-dialog');
      expect(await rotate.getByRole('note').count()).toBe(0); // a 24 h grace by default
      await rotate.getByLabel('Grace period for the old key').selectOption('');
      expect(await showing(rotate.getByRole('note'), 'signed in with')).toContain(
        'This is the key you are signed in with: with no grace period, the dashboard will sign ' +
          'you out once you have copied the new key.',
      );
      await rotate.getByRole('button', { name: 'Rotate key' }).click();
      // The new key is shown first (signing out now would lose it), then the page signs out.
      const issued = page.getByTestId('issued-dialog');
      await issued.waitFor();
      const next = (await page.getByTestId('issued-key').textContent()) ?? '';
      expect(/^vc_[0-9a-f]{32}$/.test(next)).toBe(true);
      await issued.getByRole('button', { name: 'Done, close' }).click();
      expect(await showing(page.getByRole('alert'), 'You rotated')).toContain(
        `Sign in with the new key ${next.slice(0, 7)}... to go on.`,
      );
      await submitKey(page, next);
      expect(await showing(page.getByTestId('project'), projectId)).toBe(projectId);
      await closeClean(page, watch);
    }));

  test('a key revoked elsewhere signs the page out at its next read, with no stale table', () =>
    keyFree(async () => {
      const { self, page, watch } = await signedInWithNewManager('revoked elsewhere');
      await keys.revoke(self.record.id);
      // The next read signs the page out: a change of filter, unless the page's own first list
      // (slow on a loaded machine) came after the revocation and already did.
      const show = page.getByLabel('Show');
      await show.or(page.getByRole('alert')).first().waitFor();
      if (await show.isVisible()) await show.selectOption('active');
      expect(await showing(page.getByRole('alert'), 'You were signed out')).toBe(
        `You were signed out: the key you were signed in with (${self.record.prefix}...) is no ` +
          'longer accepted: it was revoked or it expired. Sign in with a valid key to go on.',
      );
      expect(await page.locator('table.keys').count()).toBe(0);
      await closeClean(page, watch);
    }));

  test('a kept key revoked elsewhere is told as such after a reload, not as a bad paste', () =>
    keyFree(async () => {
      const self = await keys.create({ projectId, name: 'kept', scopes: ['keys:manage'] });
      const { page, watch } = await open();
      await page.getByLabel('Stay signed in while this tab is open').check();
      await submitKey(page, self.key);
      expect(await showing(page.getByTestId('project'), projectId)).toBe(projectId);
      await keys.revoke(self.record.id);
      await page.reload();
      expect(await showing(page.getByRole('alert'), 'You were signed out')).toBe(
        `You were signed out: the key you were signed in with (${self.record.prefix}...) is no ` +
          'longer accepted: it was revoked or it expired. Sign in with a valid key to go on.',
      );
      expect(await pageHolds(page, self.key)).toBe(false);
      await closeClean(page, watch);
    }));
}

describeBrowser('the dashboard in Chromium', () => {
  afterAll(() => {
    if (process.env.VECTORCACHE_UPDATE_SCREENSHOTS !== '1') {
      rmSync(screenshotDir, { recursive: true, force: true });
    }
  });

  describe('on the embedded file store (SQLite)', () => {
    journey('file', () => {
      const dir = mkdtempSync(join(tmpdir(), 'vc-dashboard-'));
      return {
        store: new SqliteKeyStore({ path: join(dir, 'keys.db') }),
        cleanup: () => rmSync(dir, { recursive: true, force: true }),
      };
    });
  });

  describeRedis('on Redis', () => {
    journey('redis', () => ({
      store: new RedisKeyStore({ url: redisUrl }, { keyPrefix: uniquePrefix('dashboard') }),
      cleanup: () => undefined,
    }));
  });
});
