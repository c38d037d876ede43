import { generateKeyPairSync } from 'node:crypto';
import {
  MemoryKeyStore,
  createKeyManager,
  createTokenIssuer,
  createVerifier,
  type Verifier,
} from '@vectorcache/auth-core';
import type { BenchRow } from './stats';

async function timeBatch(run: () => Promise<unknown>, n: number): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < n; i++) await run();
  return performance.now() - started;
}

/**
 * JWT verification (HS256 and ES256, tokens from `createTokenIssuer`, so the key-state check by
 * id is included) beside cached API-key verification, interleaved in one process. Reports µs
 * per verify and the cost relative to the cached key. No target: informative.
 */
export async function benchJwtVerify(blocks = 6, batch = 2000): Promise<BenchRow[]> {
  const store = new MemoryKeyStore();
  const keys = createKeyManager({ store });
  const { key } = await keys.create({ projectId: 'bench', name: 'b', scopes: ['cache:read'] });
  const hsIssuer = createTokenIssuer({
    key: 'bench-secret-bench-secret-bench-secret!!',
    issuer: 'bench',
    audience: 'bench',
  });
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const esIssuer = createTokenIssuer({ key: privateKey, issuer: 'bench', audience: 'bench' });
  const apiKeyVerifier = createVerifier({ store });
  const hs = createVerifier({ store, jwt: hsIssuer.jwtOptions });
  const es = createVerifier({ store, jwt: esIssuer.jwtOptions });
  const requirements = { scopes: ['cache:read'] };
  const first = await apiKeyVerifier.verify(`Bearer ${key}`, requirements);
  if (!first.ok) throw new Error('bench setup: the key must verify');
  const hsToken = `Bearer ${(await hsIssuer.issue(first.principal)).token}`;
  const esToken = `Bearer ${(await esIssuer.issue(first.principal)).token}`;
  const sides: Array<[string, Verifier, string]> = [
    ['API key (cached)', apiKeyVerifier, `Bearer ${key}`],
    ['JWT HS256', hs, hsToken],
    ['JWT ES256', es, esToken],
  ];
  for (const [name, verifier, header] of sides) {
    if (!(await verifier.verify(header, requirements)).ok) throw new Error(`bench setup: ${name}`);
    await timeBatch(() => verifier.verify(header, requirements), batch); // warm-up
  }
  const totals = sides.map(() => 0);
  for (let b = 0; b < blocks; b++) {
    for (let s = 0; s < sides.length; s++) {
      const i = (s + b) % sides.length; // rotate the order so drift hits every side alike
      const [, verifier, header] = sides[i]!;
      totals[i]! += await timeBatch(() => verifier.verify(header, requirements), batch);
    }
  }
  await Promise.all(sides.map(([, verifier]) => verifier.close()));
  const perCall = totals.map((ms) => (ms * 1000) / (blocks * batch));
  const base = perCall[0]!;
  const line = sides
    .map(
      ([name], i) => `${name} ${perCall[i]!.toFixed(2)} µs (${(perCall[i]! / base).toFixed(1)}x)`,
    )
    .join(', ');
  console.log(`verify() per call: ${line}`);
  return [
    {
      name: 'JWT verification (HS256, ES256) beside a cached API key, µs per verify()',
      figure: line,
      target: 'informative (no target)',
    },
  ];
}
