import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createVerifier } from '../src/verify/verifier';
import { generateApiKey } from '../src/keys/key-format';
import type { AuthEvent, KeyStore } from '../src/types';
import { sqliteDriversHere, sqliteSandbox } from './sqlite-fixtures';
import { stderrOf } from '../../../test-utils/stderr';

const PLAINTEXT_KEY = /vc_[0-9a-f]{32}/;

/** Verifies `n` different unknown keys (each a store read) and returns their statuses. */
async function unknownKeys(verifier: ReturnType<typeof createVerifier>, n: number) {
  const statuses: number[] = [];
  for (let i = 0; i < n; i++) {
    const result = await verifier.verify(`Bearer ${generateApiKey()}`);
    statuses.push(result.ok ? 200 : result.status);
  }
  return statuses;
}

const storeEvents = (events: AuthEvent[]) =>
  events
    .filter((e) => e.type === 'store_unavailable' || e.type === 'store_available')
    .map((e) => (e.type === 'store_available' ? 'available' : `unavailable:${e.cause}`));

describe.each(sqliteDriversHere())('store failures say why, once (SQLite, %s)', (driver) => {
  const box = sqliteSandbox(driver);

  it('a corrupt keys.db: one event and one stderr line with the cause, then one when it is back', async () => {
    writeFileSync(
      box.path(),
      'this is not a SQLite database, but a file someone overwrote. '.repeat(20),
    );
    const events: AuthEvent[] = [];
    const verifier = createVerifier({
      store: box.store(),
      usage: { enabled: false },
      onEvent: (e) => events.push(e),
    });
    let statuses: number[] = [];
    const failing = await stderrOf(async () => {
      statuses = await unknownKeys(verifier, 5);
    });
    expect(statuses).toEqual([503, 503, 503, 503, 503]);
    expect(storeEvents(events)).toEqual(['unavailable:corruption']);
    expect(failing.split('\n').filter(Boolean)).toEqual([
      expect.stringMatching(
        /^vectorcache auth: the key store is unavailable \(corruption\): .*keys\.db/,
      ),
    ]);
    rmSync(box.path());
    const back = await stderrOf(async () => {
      statuses = await unknownKeys(verifier, 3);
    });
    expect(statuses).toEqual([401, 401, 401]);
    expect(storeEvents(events)).toEqual(['unavailable:corruption', 'available']);
    expect(back).toBe('vectorcache auth: the key store is available again\n');
    expect(failing + back).not.toMatch(PLAINTEXT_KEY);
    await verifier.close();
  });

  it('a keys.db that cannot be opened (a folder in its place): cause "path"', async () => {
    mkdirSync(box.path());
    const events: AuthEvent[] = [];
    const verifier = createVerifier({
      store: box.store(),
      usage: { enabled: false },
      onEvent: (e) => events.push(e),
    });
    const said = await stderrOf(async () => {
      expect(await unknownKeys(verifier, 3)).toEqual([503, 503, 503]);
    });
    expect(storeEvents(events)).toEqual(['unavailable:path']);
    expect(said.match(/unavailable \(path\)/g)).toHaveLength(1);
    await verifier.close();
  });
});

it('a store that hangs: cause "timeout", said once however many requests wait', async () => {
  const hanging: KeyStore = {
    findByHash: () => new Promise(() => undefined),
    insert: async () => undefined,
    get: async () => null,
    list: async () => [],
    update: async () => null,
    recordUsage: async () => undefined,
    close: async () => undefined,
  };
  const events: AuthEvent[] = [];
  const verifier = createVerifier({
    store: hanging,
    timeoutMs: 50,
    usage: { enabled: false },
    onEvent: (e) => events.push(e),
  });
  const said = await stderrOf(async () => {
    expect(await unknownKeys(verifier, 4)).toEqual([503, 503, 503, 503]);
  });
  expect(storeEvents(events)).toEqual(['unavailable:timeout']);
  expect(said.split('\n').filter(Boolean)).toHaveLength(1);
  await verifier.close();
});
