/**
 * `pnpm test:timing`: is verify() constant-time with respect to how close a presented key is to a
 * real one? A dudect-style Welch t-test (see dudect.ts) compares near-miss keys (a stored key with
 * its last 8 hex digits changed) with near-miss keys of a key that is not stored. Both classes
 * share a fixed prefix, so the test isolates closeness to the secret from effects of the input's
 * shape (branch prediction in the format check learns any repeated prefix). Pass: |t| < 4.5.
 *
 * The same harness must catch a deliberately leaky control: an early-exit comparison of plaintext
 * keys, the classic leak. (V8's own `===` compares eight bytes at a time, so its leak here is about
 * a nanosecond: too small to prove on a shared, noisy machine within a minute.) Pass: |t| > 10.
 *
 * Bounded: two attempts at most, each well under 30 s.
 */
import { randomBytes } from 'node:crypto';
import { MemoryKeyStore, createKeyManager, createVerifier } from '@vectorcache/auth-core';
import { dudect, type DudectResult } from './dudect';

const SAMPLES = Number(process.env.TIMING_SAMPLES ?? 200_000);
const flat = (s: string): string => Buffer.from(s, 'latin1').toString('latin1');
const nearMissOf = (key: string) => (): string =>
  flat(`Bearer ${key.slice(0, 27)}${randomBytes(4).toString('hex')}`);

/** The leaky control: compares plaintext keys and stops at the first differing character. */
function leakyEquals(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a.charCodeAt(i) !== b.charCodeAt(i)) return false;
  return true;
}

function show(name: string, r: DudectResult): string {
  const crops = r.byCrop
    .map((c) => `${c.percentile === null ? 'all' : `p${c.percentile * 100}`}:${c.t.toFixed(1)}`)
    .join(' ');
  return `${name.padEnd(34)} max|t| ${r.maxAbsT.toFixed(2).padStart(7)}  (${crops})`;
}

async function attempt(): Promise<boolean> {
  const store = new MemoryKeyStore();
  const { key } = await createKeyManager({ store }).create({ projectId: 'p', name: 'n' });
  const decoy = `vc_${randomBytes(16).toString('hex')}`; // never stored
  const near = nearMissOf(key);
  const far = nearMissOf(decoy);
  const make = (cls: 0 | 1): string => (cls === 0 ? near() : far());
  const options = { samples: SAMPLES, warmup: 20_000, batch: 1 };

  const verifier = createVerifier({ store, usage: { enabled: false } });
  const ours = await dudect((header) => verifier.verify(header), make, options);
  await verifier.close();

  const leaky = async (header: string): Promise<boolean> => leakyEquals(header.slice(7), key);
  const control = await dudect(leaky, make, options);

  console.log(show('verify() near-miss vs far key', ours));
  console.log(show('control: early-exit compare', control));
  const oursOk = ours.maxAbsT < 4.5;
  const controlOk = control.maxAbsT > 10;
  console.log(
    `verify(): ${oursOk ? 'no timing difference found (|t| < 4.5)' : 'TIMING DIFFERENCE (|t| >= 4.5)'}; ` +
      `control: ${controlOk ? 'leak detected (|t| > 10), so the harness can fail' : 'NOT detected (|t| <= 10): the harness is not sensitive enough'}`,
  );
  return oursOk && controlOk;
}

async function main(): Promise<void> {
  const started = Date.now();
  for (let i = 1; i <= 2; i++) {
    console.log(`timing test, attempt ${i} of 2, ${SAMPLES} samples per class`);
    if (await attempt()) {
      console.log(`took ${((Date.now() - started) / 1000).toFixed(1)} s`);
      console.log('1 passed, 0 failed');
      return;
    }
  }
  console.log(`took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  console.log('0 passed, 1 failed');
  process.exitCode = 1;
}

void main();
