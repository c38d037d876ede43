import { hash } from 'node:crypto';
import {
  MemoryKeyStore,
  createKeyManager,
  createVerifier,
  type Verifier,
} from '@vectorcache/auth-core';

/** One measured comparison, ready for the results table. */
export interface BenchRow {
  name: string;
  figure: string;
  target: string;
  met: boolean;
}

const KEY_PATTERN = /^vc_[0-9a-f]{32}$/;

/** The least a hand-written check does: regex, sha256, Map lookup, scope check. */
function inlinePipeline(table: Map<string, { scopes: string[] }>) {
  return async (header: string | undefined): Promise<boolean> => {
    if (header === undefined || !header.startsWith('Bearer ')) return false;
    const token = header.slice(7);
    if (!KEY_PATTERN.test(token)) return false;
    const record = table.get(hash('sha256', token));
    if (!record) return false;
    return record.scopes.includes('cache:read') || record.scopes.includes('cache:*');
  };
}

async function opsPerSecond(run: () => Promise<unknown>, ms: number): Promise<number> {
  let ops = 0;
  const started = performance.now();
  let elapsed = 0;
  while (elapsed < ms) {
    for (let i = 0; i < 1000; i++) await run();
    ops += 1000;
    elapsed = performance.now() - started;
  }
  return (ops / elapsed) * 1000;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/**
 * verify() on a cached key against the inline pipeline, in interleaved rounds in one process,
 * so that machine noise hits both alike. Reports ops/s and the ratio (ours / inline).
 */
export async function benchCachedVerify(rounds = 10, roundMs = 250): Promise<BenchRow[]> {
  const store = new MemoryKeyStore();
  const { key, record } = await createKeyManager({ store }).create({
    projectId: 'bench',
    name: 'b',
  });
  const verifier: Verifier = createVerifier({ store });
  const header = `Bearer ${key}`;
  const requirements = { scopes: ['cache:read'] };
  const inline = inlinePipeline(new Map([[record.hash, { scopes: record.scopes }]]));
  const ours = (): Promise<unknown> => verifier.verify(header, requirements);
  const theirs = (): Promise<unknown> => inline(header);
  if (!(await verifier.verify(header, requirements)).ok || !(await inline(header))) {
    throw new Error('bench setup: the key must verify on both sides');
  }
  await opsPerSecond(ours, 300); // warm-up
  await opsPerSecond(theirs, 300);
  const oursOps: number[] = [];
  const inlineOps: number[] = [];
  const ratios: number[] = [];
  for (let r = 0; r < rounds; r++) {
    // Alternate which side goes first so drift hits both.
    const [a, b] =
      r % 2 === 0
        ? [await opsPerSecond(ours, roundMs), await opsPerSecond(theirs, roundMs)]
        : await (async () => {
            const t = await opsPerSecond(theirs, roundMs);
            const o = await opsPerSecond(ours, roundMs);
            return [o, t];
          })();
    oursOps.push(a);
    inlineOps.push(b);
    ratios.push(a / b);
  }
  await verifier.close();
  const ratio = median(ratios);
  const fmt = (n: number): string => `${Math.round(n).toLocaleString('en-US')} ops/s`;
  console.log(
    `cached verify(): ours ${fmt(median(oursOps))}, inline ${fmt(median(inlineOps))}, ratio ${ratio.toFixed(3)} ` +
      `(range ${Math.min(...ratios).toFixed(3)}-${Math.max(...ratios).toFixed(3)} over ${rounds} rounds)`,
  );
  return [
    {
      name: 'verify() on a cached key vs inline regex + sha256 + Map + scope check',
      figure: `ratio ${ratio.toFixed(3)} (ours ${fmt(median(oursOps))}, inline ${fmt(median(inlineOps))}; range ${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)})`,
      target: 'ratio >= 0.9',
      met: ratio >= 0.9,
    },
  ];
}
