/** Plain helpers for what the page shows: dates, prefixes, scopes and time ranges. */

import type { KeyRecord } from './api';

/** The scopes the page offers as checkboxes when a key is created or edited. */
export const KNOWN_SCOPES = [
  { scope: 'cache:read', label: 'Read the cache' },
  { scope: 'cache:write', label: 'Write the cache' },
  { scope: 'cache:*', label: 'Every cache action' },
  { scope: 'analytics:read', label: 'Read usage analytics' },
  { scope: 'keys:manage', label: 'Manage API keys' },
] as const;

/** What the Create dialog ticks first: the least a key can do, when the caller may grant it. */
export const LEAST_SCOPE = 'cache:read';

/** Whether `held` grants `scope`: `*` grants all, `res:*` grants `res:<any>`, else exactly. */
export function grants(held: readonly string[], scope: string): boolean {
  const resource = scope.slice(0, scope.indexOf(':') + 1);
  return held.some((h) => h === '*' || h === scope || (resource !== '' && h === `${resource}*`));
}

/**
 * The known scopes the signed-in key may hand out, or all of them when its own scopes are not
 * known (the API refuses an escalation anyway).
 */
export function grantableScopes(held: readonly string[] | null): string[] {
  const known = KNOWN_SCOPES.map((s) => s.scope);
  return held === null ? known : known.filter((scope) => grants(held, scope));
}

/**
 * The record of the signed-in key among a project's keys: the one active key with its display
 * prefix (`vc_` and 4 hex characters, the key's first 7 characters). `null` when none or several match: a prefix is not unique.
 */
export function signedInRecord(keys: readonly KeyRecord[], prefix: string): KeyRecord | null {
  const matches = keys.filter((k) => k.status === 'active' && k.prefix === prefix);
  return matches.length === 1 ? (matches[0] ?? null) : null;
}

/** The outcomes usage analytics count, in the order the page lists them. */
export const OUTCOMES = [
  { outcome: 'valid', label: 'Valid' },
  { outcome: 'insufficient_scope', label: 'Refused: missing scope' },
  { outcome: 'wrong_project', label: 'Refused: other project' },
  { outcome: 'wrong_environment', label: 'Refused: other environment' },
  { outcome: 'revoked', label: 'Refused: revoked key' },
  { outcome: 'expired', label: 'Refused: expired key' },
  { outcome: 'rate_limited', label: 'Refused: rate limited' },
] as const;

const pad = (n: number) => String(n).padStart(2, '0');

/** `2026-12-02 14:05 UTC`: one unambiguous form for every date on the page. */
export function formatDate(iso: string | null): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return (
    `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())} UTC`
  );
}

/** The display form of a key prefix: `vc_1234...`. */
export function displayPrefix(prefix: string): string {
  return `${prefix}...`;
}

/** Why the page went back to sign-in when its key stopped working (revoked or expired). */
export function keyGoneNote(prefix: string): string {
  return (
    `You were signed out: the key you were signed in with (${displayPrefix(prefix)}) is no ` +
    'longer accepted: it was revoked or it expired. Sign in with a valid key to go on.'
  );
}

/**
 * The status line after a rotation. It never ends on a display prefix, whose `...` would run
 * into the full stop (`vc_eb74....`).
 */
export function rotationNotice(oldPrefix: string, newPrefix: string, grace: string | undefined) {
  const old = displayPrefix(oldPrefix);
  const until = grace ? `keeps working for ${grace}` : 'stops at once';
  return `Rotated: the new key ${displayPrefix(newPrefix)} replaces ${old}, which ${until}.`;
}

/**
 * The time axis's labels for its ticks (epoch seconds), in UTC, 24-hour: `14:00` within a day,
 * `12-02` at midnight. Per day, only a midnight tick is labelled, so that a day reads once however
 * many ticks the chart draws across it.
 */
export function axisLabels(splits: readonly number[], granularity: 'hour' | 'day'): string[] {
  return splits.map((seconds) => {
    const d = new Date(seconds * 1000);
    const midnight = d.getUTCHours() === 0 && d.getUTCMinutes() === 0;
    if (midnight) return `${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
    return granularity === 'day' ? '' : `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
  });
}

export type RangeName = '24h' | '7d' | '30d';

export const RANGES: { name: RangeName; label: string; hours: number }[] = [
  { name: '24h', label: 'Last 24 hours', hours: 24 },
  { name: '7d', label: 'Last 7 days', hours: 24 * 7 },
  { name: '30d', label: 'Last 30 days', hours: 24 * 30 },
];

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * The `[from, to)` window of a range at a granularity: `to` is the end of the current hour (or
 * UTC day), so the point being filled right now is included.
 */
export function rangeWindow(
  range: RangeName,
  granularity: 'hour' | 'day',
  now: number,
): { from: string; to: string; starts: number[] } {
  const hours = RANGES.find((r) => r.name === range)?.hours ?? 24;
  const step = granularity === 'hour' ? HOUR : DAY;
  const to = Math.floor(now / step) * step + step;
  // Daily, the last 24 hours span two UTC days.
  const count = granularity === 'hour' ? hours : Math.max(2, hours / 24);
  const from = to - count * step;
  const starts: number[] = [];
  for (let t = from; t < to; t += step) starts.push(t);
  return { from: new Date(from).toISOString(), to: new Date(to).toISOString(), starts };
}

/** A key's metadata as the form shows it: one `name=value` a line. */
export function metaText(meta: KeyRecord['meta']): string {
  return Object.entries(meta ?? {})
    .map(([name, value]) => `${name}=${String(value)}`)
    .join('\n');
}

/**
 * The form's metadata lines as an object (values as strings), `null` when there are none, or the
 * words of the first line that is not `name=value`.
 */
export function parseMetaText(
  text: string,
): { meta: Record<string, string> | null } | { error: string } {
  const meta: Record<string, string> = {};
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const at = line.indexOf('=');
    if (at <= 0) return { error: `Write each metadata line as field=value (not "${line}").` };
    meta[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  return { meta: Object.keys(meta).length > 0 ? meta : null };
}
