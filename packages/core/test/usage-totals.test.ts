import {
  USAGE_OUTCOMES,
  addTo,
  mergeHour,
  toEntry,
  type Segment,
  type Totals,
} from '../src/usage/usage-totals';

// Usage totals on their own: segments added up per key, hours merged (at most 48 carried per
// key), and the entry a store's recordUsage receives.

const HOUR = 3_600_000;
const T0 = Date.parse('2026-01-01T10:00:00Z');

const segment = (over: Partial<Segment> = {}): Segment => ({
  id: 'key_a',
  projectId: 'p',
  hourStart: T0,
  count: 3,
  last: T0 + 500,
  valid: 3,
  refusals: undefined,
  ...over,
});

describe('USAGE_OUTCOMES', () => {
  it('lists every outcome once, in the order answers give them, and cannot be changed', () => {
    expect(USAGE_OUTCOMES).toEqual([
      'valid',
      'revoked',
      'expired',
      'wrong_project',
      'wrong_environment',
      'insufficient_scope',
      'rate_limited',
    ]);
    expect(Object.isFrozen(USAGE_OUTCOMES)).toBe(true);
  });
});

describe('addTo', () => {
  it('starts a key with its first segment: count, last use, project, valid and refusals', () => {
    const totals = new Map<string, Totals>();
    addTo(totals, segment({ count: 4, valid: 2, refusals: { wrong_project: 2, revoked: 1 } }));
    expect([...totals.keys()]).toEqual(['key_a']);
    const total = totals.get('key_a')!;
    expect(total.count).toBe(4);
    expect(total.last).toBe(T0 + 500);
    expect(total.projectId).toBe('p');
    expect([...total.hours]).toEqual([[T0, { valid: 2, wrong_project: 2, revoked: 1 }]]);
  });

  it('adds segments of a key: counts summed, the latest last use kept, hours apart', () => {
    const totals = new Map<string, Totals>();
    addTo(totals, segment({ count: 2, valid: 2, last: T0 + 900 }));
    addTo(totals, segment({ count: 1, valid: 0, last: T0 + 100, refusals: { expired: 1 } }));
    addTo(totals, segment({ hourStart: T0 + HOUR, count: 5, valid: 5, last: T0 + HOUR + 1 }));
    addTo(totals, segment({ id: 'key_b', count: 1, valid: 1 }));
    const a = totals.get('key_a')!;
    expect(a.count).toBe(8);
    expect(a.last).toBe(T0 + HOUR + 1);
    expect([...a.hours]).toEqual([
      [T0, { valid: 2, expired: 1 }],
      [T0 + HOUR, { valid: 5 }],
    ]);
    expect(totals.get('key_b')!.count).toBe(1);
  });

  it('an earlier segment never moves the last use back', () => {
    const totals = new Map<string, Totals>();
    addTo(totals, segment({ last: T0 + 900 }));
    addTo(totals, segment({ last: T0 + 899 }));
    expect(totals.get('key_a')!.last).toBe(T0 + 900);
  });

  it('the project comes from the first segment that knows it', () => {
    const totals = new Map<string, Totals>();
    addTo(totals, segment({ projectId: undefined }));
    expect(totals.get('key_a')!.projectId).toBeUndefined();
    addTo(totals, segment({ projectId: 'p' }));
    addTo(totals, segment({ projectId: 'q' }));
    expect(totals.get('key_a')!.projectId).toBe('p');
  });

  it('a segment with no valid request adds no valid count', () => {
    const totals = new Map<string, Totals>();
    addTo(totals, segment({ count: 0, valid: 0, refusals: { rate_limited: 2 } }));
    expect(totals.get('key_a')!.hours.get(T0)).toEqual({ rate_limited: 2 });
  });
});

describe('mergeHour', () => {
  const empty = (): Totals => ({ count: 0, last: 0, projectId: 'p', hours: new Map() });

  it('adds counts outcome by outcome; zero counts create nothing', () => {
    const total = empty();
    mergeHour(total, T0, { valid: 1, revoked: 0 });
    mergeHour(total, T0, { valid: 2, expired: 3 });
    expect(total.hours.get(T0)).toEqual({ valid: 3, expired: 3 });
  });

  it('carries at most 48 hours per key: a 49th is dropped, the 48 kept still merge', () => {
    const total = empty();
    for (let h = 0; h < 48; h++) mergeHour(total, T0 + h * HOUR, { valid: 1 });
    expect(total.hours.size).toBe(48);
    mergeHour(total, T0 + 48 * HOUR, { valid: 1 });
    expect(total.hours.size).toBe(48);
    expect(total.hours.has(T0 + 48 * HOUR)).toBe(false);
    mergeHour(total, T0 + 47 * HOUR, { valid: 4 });
    expect(total.hours.get(T0 + 47 * HOUR)).toEqual({ valid: 5 });
  });
});

describe('toEntry', () => {
  it('one bucket per hour and non-zero outcome, in outcome order; ISO times; the project', () => {
    const total: Totals = {
      count: 7,
      last: T0 + HOUR + 59_000,
      projectId: 'p',
      hours: new Map([
        [T0, { rate_limited: 1, valid: 4, insufficient_scope: 0 }],
        [T0 + HOUR, { revoked: 2 }],
      ]),
    };
    expect(toEntry('key_a', total)).toEqual({
      id: 'key_a',
      count: 7,
      lastUsedAt: '2026-01-01T11:00:59.000Z',
      projectId: 'p',
      buckets: [
        { hour: '2026-01-01T10:00:00.000Z', outcome: 'valid', count: 4 },
        { hour: '2026-01-01T10:00:00.000Z', outcome: 'rate_limited', count: 1 },
        { hour: '2026-01-01T11:00:00.000Z', outcome: 'revoked', count: 2 },
      ],
    });
  });

  it('no project: the entry has no projectId field at all', () => {
    const entry = toEntry('key_a', { count: 0, last: T0, projectId: undefined, hours: new Map() });
    expect(entry).toEqual({
      id: 'key_a',
      count: 0,
      lastUsedAt: '2026-01-01T10:00:00.000Z',
      buckets: [],
    });
    expect('projectId' in entry).toBe(false);
  });
});
