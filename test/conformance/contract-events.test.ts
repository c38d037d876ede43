import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AuthEventType, RejectReason } from '@vectorcache/auth-core';

/**
 * docs/contract.md's events table and its list of rejection reasons, against core's types: the
 * records below must name every member of `AuthEventType` and `RejectReason` and nothing else (the
 * compiler holds that in `pnpm check`), and the page must list exactly those names.
 */
const EVENT_TYPES: Record<AuthEventType, true> = {
  verified: true,
  rejected: true,
  hook_error: true,
  cache_hit: true,
  cache_miss: true,
  store_read: true,
  feed_lost: true,
  feed_restored: true,
  store_unavailable: true,
  store_available: true,
};

const REASONS: Record<RejectReason, true> = {
  missing: true,
  malformed: true,
  invalid_format: true,
  unknown: true,
  revoked: true,
  expired: true,
  wrong_project: true,
  wrong_environment: true,
  insufficient_scope: true,
  store_unavailable: true,
  rate_limited: true,
};

const CONTRACT = readFileSync(join(__dirname, '..', '..', 'docs', 'contract.md'), 'utf8');
const EVENTS = CONTRACT.split('\n## Events\n')[1]?.split('\n## ')[0] ?? '';

/** The event types named in the first cell of the events table's rows. */
function documentedTypes(): string[] {
  const rows = EVENTS.split('\n').filter(
    (line) => line.startsWith('|') && !/^\|[\s-|]+$/.test(line),
  );
  const names = rows.slice(1).flatMap((row) => {
    const first = row.slice(1).split('|')[0] ?? '';
    // "`rejected` with `stage: 'route'`" documents a variant of `rejected`, not another type.
    return [...first.matchAll(/`([a-z_]+)`/g)].map((match) => match[1]!);
  });
  return [...new Set(names)].sort();
}

/** The reasons of the sentence that lists a `rejected` event's `reason`. */
function documentedReasons(): string[] {
  const sentence = EVENTS.split(/\n\n/).find((paragraph) =>
    paragraph.startsWith('The `reason` of a `rejected` event is one of'),
  );
  return [...(sentence ?? '').matchAll(/`([a-z_]+)`/g)]
    .map((match) => match[1]!)
    .filter((name) => name !== 'reason' && name !== 'rejected')
    .sort();
}

describe("docs/contract.md's events match core's types", () => {
  it('the events table lists exactly the event types, hook_error included', () => {
    expect(documentedTypes()).toEqual(Object.keys(EVENT_TYPES).sort());
  });

  it('the reasons listed are exactly the rejection reasons', () => {
    expect(documentedReasons()).toEqual(Object.keys(REASONS).sort());
  });
});
