/**
 * Arbitrary `Authorization` headers thrown at every adapter over real sockets: never a 5xx,
 * never an error reaching the framework, and 200 only for `Bearer <the valid key>`.
 */
import fc from 'fast-check';
import { rawRequest, type RawHeader } from './raw-client';
import { ADAPTERS, seededApps, type Keys } from './servers';

const RUNS_PER_ADAPTER = 300;
const INVALID = '{"detail":"Invalid or missing API key"}';

const apps = seededApps();

/** A byte that may appear in a header value on the wire (no CR, LF or other controls). */
const headerChar = fc
  .oneof(
    { weight: 8, arbitrary: fc.integer({ min: 0x20, max: 0x7e }) },
    { weight: 1, arbitrary: fc.constant(0x09) },
    { weight: 1, arbitrary: fc.integer({ min: 0x80, max: 0xff }) },
  )
  .map((code) => String.fromCharCode(code));

const noise = (maxLength: number): fc.Arbitrary<string> =>
  fc.string({ unit: headerChar, maxLength });

/** Header values built from a valid key: the near misses are where a bug would let one in. */
function headerValues(k: Keys): fc.Arbitrary<string> {
  const token = fc.oneof(
    fc.constant(k.good),
    fc.constantFrom(k.unknown, k.revoked, k.expired, k.good.toUpperCase(), k.good.slice(0, -1)),
    fc
      .tuple(fc.nat({ max: k.good.length - 1 }), headerChar)
      .map(([at, c]) => k.good.slice(0, at) + c + k.good.slice(at + 1)),
    fc.tuple(noise(3), noise(3)).map(([before, after]) => before + k.good + after),
    noise(40),
  );
  const structured = fc
    .tuple(
      fc.constantFrom('', ' ', '\t', '  '),
      fc.constantFrom('Bearer', 'bearer', 'BEARER', 'bEaReR', 'Bearerx', 'Basic', 'Token', ''),
      fc.constantFrom(' ', '  ', '\t', '', ',', ' \t', '\u00a0'),
      token,
      fc.constantFrom('', ' ', '\t', ' x', ',', ', Bearer', '\u00a0'),
    )
    .map((parts) => parts.join(''));
  // Well-formed headers carrying the valid key, in every spelling the parser must accept.
  const wellFormed = fc
    .tuple(
      fc.constantFrom('', ' ', '\t', ' \t'),
      fc
        .array(fc.boolean(), { minLength: 6, maxLength: 6 })
        .map((upper) => [...'bearer'].map((c, i) => (upper[i] ? c.toUpperCase() : c)).join('')),
      fc.integer({ min: 1, max: 4 }).map((n) => ' '.repeat(n)),
      fc.constantFrom('', ' ', '\t', '\t '),
    )
    .map(([before, scheme, spaces, after]) => `${before}${scheme}${spaces}${k.good}${after}`);
  return fc.oneof(
    { weight: 2, arbitrary: wellFormed },
    { weight: 6, arbitrary: structured },
    { weight: 3, arbitrary: noise(80) },
    { weight: 1, arbitrary: fc.string({ unit: headerChar, minLength: 4000, maxLength: 9000 }) },
  );
}

/** The only requests that may pass: one header, `bearer`, spaces, the key; SP/HTAB around it. */
function shouldPass(values: readonly string[], k: Keys): boolean {
  if (values.length !== 1) return false;
  const trimmed = values[0]!.replace(/^[ \t]+|[ \t]+$/g, '');
  const match = /^bearer +(.*)$/i.exec(trimmed);
  return match?.[1] === k.good;
}

describe.each(ADAPTERS)('%s', (adapter) => {
  it(`answers ${RUNS_PER_ADAPTER} arbitrary Authorization headers without a 5xx`, async () => {
    const target = apps.targets()[adapter];
    const seen = { accepted: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          { weight: 4, arbitrary: headerValues(apps.keys()).map((value) => [value]) },
          { weight: 1, arbitrary: fc.array(headerValues(apps.keys()), { maxLength: 2 }) },
        ),
        async (values) => {
          const headers = values.map((value): RawHeader => ['Authorization', value]);
          const res = await rawRequest(target.port, '/', headers);
          expect(res.status).toBeLessThan(500);
          if (shouldPass(values, apps.keys())) {
            seen.accepted++;
            expect(res.status).toBe(200);
          } else {
            seen.refused++;
            expect(res.status).toBe(401);
            expect(res.body.toString('utf8')).toBe(INVALID);
          }
          expect(target.errors).toEqual([]);
        },
      ),
      { numRuns: RUNS_PER_ADAPTER },
    );
    // The generator must reach both sides of the oracle, or the property proves nothing.
    expect(seen.accepted).toBeGreaterThan(0);
    expect(seen.refused).toBeGreaterThan(0);
  }, 120_000);
});
