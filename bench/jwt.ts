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
export async function benchJwtVerify(blocks = 4, batch = 1000): Promise<BenchRow[]> {
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
  // Fresh tokens (each verified once: the signature check runs) and a repeated one (served from
  // the verified-token cache, as a client reusing its token until it expires is).
  const fresh = async (issuer: typeof hsIssuer, n: number): Promise<string[]> => {
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push(`Bearer ${(await issuer.issue(first.principal)).token}`);
    return out;
  };
  const perSide = blocks * batch + batch;
  const sides: Array<[string, Verifier, string[]]> = [
    ['API key (cached)', apiKeyVerifier, [`Bearer ${key}`]],
    ['JWT HS256 repeated', hs, [(await fresh(hsIssuer, 1))[0]!]],
    ['JWT ES256 repeated', es, [(await fresh(esIssuer, 1))[0]!]],
    ['JWT HS256 fresh', hs, await fresh(hsIssuer, perSide)],
    ['JWT ES256 fresh', es, await fresh(esIssuer, perSide)],
  ];
  const cursor = sides.map(() => 0);
  const next = (i: number): string => {
    const headers = sides[i]![2];
    return headers[cursor[i]!++ % headers.length]!;
  };
  for (let i = 0; i < sides.length; i++) {
    const [name, verifier] = sides[i]!;
    if (!(await verifier.verify(next(i), requirements)).ok) throw new Error(`bench setup: ${name}`);
    await timeBatch(() => verifier.verify(next(i), requirements), batch); // warm-up
  }
  const totals = sides.map(() => 0);
  for (let b = 0; b < blocks; b++) {
    for (let s = 0; s < sides.length; s++) {
      const i = (s + b) % sides.length; // rotate the order so drift hits every side alike
      const verifier = sides[i]![1];
      totals[i]! += await timeBatch(() => verifier.verify(next(i), requirements), batch);
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
