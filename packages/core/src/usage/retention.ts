import { positiveInteger } from '../config/options';
import type { UsageRetention } from './usage-types';

/** Default retention of analytics: hourly points 35 days, daily points 400 days. */
export const DEFAULT_RETENTION: Readonly<Required<UsageRetention>> = Object.freeze({
  hourlyDays: 35,
  dailyDays: 400,
});

/**
 * How long a store remembers a usage flush id, so a flush retried after a lost answer is applied
 * once: longer than any retry of one flush.
 */
export const FLUSH_ID_MEMORY_MS = 15 * 60_000;

/**
 * A store's `retention` option, checked and with its defaults: whole days, at least 1. The one
 * rule of every store (memory, SQLite, Redis), so one setting means the same everywhere.
 */
export function resolveRetention(
  retention: UsageRetention | undefined,
  name = 'retention',
): Required<UsageRetention> {
  return {
    hourlyDays: positiveInteger(
      retention?.hourlyDays,
      DEFAULT_RETENTION.hourlyDays,
      `${name}.hourlyDays`,
      'days',
    ),
    dailyDays: positiveInteger(
      retention?.dailyDays,
      DEFAULT_RETENTION.dailyDays,
      `${name}.dailyDays`,
      'days',
    ),
  };
}
