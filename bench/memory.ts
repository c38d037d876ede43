import {
  MemoryKeyStore,
  createKeyManager,
  createVerifier,
  generateApiKey,
} from '@vectorcache/auth-core';
import type { BenchRow } from './stats';

const ENTRIES = 10_000;
const TARGET_BYTES = 1024;

/** Heap in use after a full collection (needs `--expose-gc`, which `pnpm bench` passes). */
function heapAfterGc(): number {
  const gc = (globalThis as { gc?: (options?: object) => void }).gc;
  if (!gc) throw new Error('the memory benchmark needs node --expose-gc (pnpm bench passes it)');
  // A last-resort collection finishes sweeping before it returns: after a plain gc(), heapUsed
  // still counts pages the concurrent sweeper has not reached (deltas then even come out negative).
  gc({ type: 'major', execution: 'sync', flavor: 'last-resort' });
  return process.memoryUsage().heapUsed;
}

/**
 * Memory per cache entry at 10,000 entries, from `--expose-gc` heap deltas: a verifier (default
 * bounds, usage counting on) verifies 10,000 stored keys, then 10,000 unknown keys, and the heap
 * in use after a full collection is read before and after each fill. The headers and the store's
 * records exist before the first reading, so a delta is what the caches hold: for a verified key
 * its hash, its own copy of the record, the principal, the ready answer and the usage counter;
 * for an unknown key its hash and the LRU's bookkeeping. The LRUs allocate their slot arrays up
 * front (reported apart, as the empty verifier's heap per slot).
 */
export async function benchMemory(): Promise<BenchRow[]> {
  const store = new MemoryKeyStore();
  const manager = createKeyManager({ store });
  const known: string[] = [];
  for (let i = 0; i < ENTRIES; i++) {
    const { key } = await manager.create({ projectId: `project_${i % 10}`, name: `key ${i}` });
    known.push(`Bearer ${key}`);
  }
  const unknown = Array.from({ length: ENTRIES }, () => `Bearer ${generateApiKey()}`);

  const beforeVerifier = heapAfterGc();
  // No usage flush during the run (a long interval, a pending bound above the fill): pending
  // counters stay, as between two flushes, and the store's own analytics rows (the store's
  // memory, not the verifier's) do not grow in the middle of a measurement.
  const verifier = createVerifier({
    store,
    usage: { flushIntervalMs: 3_600_000, maxPendingKeys: 4 * ENTRIES },
  });
  const empty = heapAfterGc() - beforeVerifier;
  // Two warm-up verifications (one of each kind) so code and one-off structures are not counted.
  if (!(await verifier.verify(known[0])).ok || (await verifier.verify(unknown[0])).ok) {
    throw new Error('bench setup: the stored key must verify and the random one must not');
  }
  const start = heapAfterGc();
  for (const header of known) {
    if (!(await verifier.verify(header)).ok) throw new Error('bench setup: a stored key failed');
  }
  const afterVerified = heapAfterGc();
  for (const header of unknown) {
    if ((await verifier.verify(header)).ok) throw new Error('bench setup: a random key passed');
  }
  const afterUnknown = heapAfterGc();
  const stats = verifier.stats();
  await verifier.close();
  if (stats.verifiedKeys !== ENTRIES || stats.unknownKeys !== ENTRIES) {
    throw new Error(`bench setup: caches hold ${JSON.stringify(stats)}, not ${ENTRIES} each`);
  }
  // Each fill adds ENTRIES - 1 entries: one of each was cached by the warm-up.
  const perVerified = (afterVerified - start) / (ENTRIES - 1);
  const perUnknown = (afterUnknown - afterVerified) / (ENTRIES - 1);
  const slots = empty / (3 * ENTRIES);
  const fmt = (n: number): string => `${Math.round(n).toLocaleString('en-US')} B`;
  console.log(
    `memory at ${ENTRIES} entries: verified ${fmt(perVerified)}/entry, unknown ${fmt(perUnknown)}/entry, ` +
      `empty verifier ${fmt(empty)} (${fmt(slots)} per preallocated LRU slot)`,
  );
  return [
    {
      name: `Memory per cache entry at ${ENTRIES.toLocaleString('en-US')} entries (--expose-gc heap deltas)`,
      figure:
        `verified key ${fmt(perVerified)} per entry (record copy, principal, answer, usage counter); ` +
        `unknown hash ${fmt(perUnknown)} per entry; empty verifier with default bounds ${fmt(empty)} ` +
        `(${fmt(slots)} per preallocated LRU slot)`,
      target: `<= ${TARGET_BYTES} B per verified entry`,
      met: perVerified <= TARGET_BYTES,
      note:
        perVerified <= TARGET_BYTES
          ? undefined
          : 'A verified entry holds its own copy of the record (as a Redis or SQLite read gives ' +
            'it), the frozen principal and scopes, the ready answer and the usage counter. What ' +
            'would shrink it: dropping the record copy once the principal and expiry are built.',
    },
  ];
}
