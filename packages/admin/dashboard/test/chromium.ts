import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { BrowserContext, Page } from 'playwright-core';

/** Debian's Chromium (`apt-get install chromium`); `CHROMIUM_PATH` points elsewhere. */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Whether a browser is there to drive; CI installs it, so there its absence is a failure. */
export const chromiumAvailable = existsSync(chromiumPath);

/**
 * `describe` for the browser suites: skipped with the reason in its name when Chromium is missing
 * locally; under CI (`CI=true`) the suite runs and fails instead.
 */
export const describeBrowser: jest.Describe =
  chromiumAvailable || process.env.CI
    ? describe
    : (((name: string, fn: () => void) =>
        describe.skip(
          `${name} [SKIPPED: no Chromium at ${chromiumPath}; apt-get install chromium]`,
          fn,
        )) as unknown as jest.Describe);

/** A headless Chromium with a fresh profile (its one context), removed on close. */
export interface HeadlessChromium {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Launches headless Chromium with a fresh profile and nothing that reaches the network. */
export async function launchChromium(): Promise<HeadlessChromium> {
  const profile = mkdtempSync(join(tmpdir(), 'vc-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  // A step that cannot happen fails well within the test's own timeout, naming the step.
  context.setDefaultTimeout(10_000);
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** What a page did that a test must see: console lines, errors, CSP violations, dialogs, requests. */
export interface PageWatch {
  console: string[];
  errors: string[];
  cspViolations(): Promise<string[]>;
  /** JavaScript dialogs (`alert`...) opened: an injected script would open one. */
  dialogs: string[];
  requests: string[];
}

/**
 * Records everything a page does. CSP violations are caught twice: as the console lines Chromium
 * prints, and by a `securitypolicyviolation` listener installed before any page script runs.
 */
export async function watchPage(context: BrowserContext, page: Page): Promise<PageWatch> {
  const watch = {
    console: [] as string[],
    errors: [] as string[],
    dialogs: [] as string[],
    requests: [] as string[],
  };
  await context.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { __csp: string[] }).__csp = seen;
    document.addEventListener('securitypolicyviolation', (e) =>
      seen.push(`${e.violatedDirective} ${e.blockedURI}`),
    );
  });
  page.on('console', (message) => watch.console.push(`${message.type()}: ${message.text()}`));
  page.on('pageerror', (error) => watch.errors.push(error.message));
  page.on('dialog', (dialog) => {
    watch.dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  page.on('request', (request) => watch.requests.push(request.url()));
  return {
    ...watch,
    cspViolations: async () => {
      const fromPage = await page
        .evaluate(() => (window as unknown as { __csp?: string[] }).__csp ?? [])
        .catch(() => []);
      const fromConsole = watch.console.filter((line) => /Content Security Policy/i.test(line));
      return [...fromPage, ...fromConsole];
    },
  };
}
