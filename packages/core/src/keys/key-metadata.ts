import { VectorcacheAuthError } from '../errors';
import { parseDuration } from '../config/duration';
import { looksLikeApiKey, redactApiKeys } from './key-format';
import { refuseKeyShaped } from './key-input';
import type { KeyMeta } from '../types';

/* What a key says it is for: its environment, its owner, its metadata, and when it is due for rotation. */

/** An environment name: lowercase letters, digits, `_` and `-`, 1 to 32 characters. */
const ENVIRONMENT = /^[a-z0-9_-]{1,32}$/;
/** An owner id: 1 to 128 printable characters (no control characters). */
const OWNER_ID = /^[^\p{Cc}]{1,128}$/u;
/** Largest `meta`, in bytes of its compact JSON. */
export const MAX_META_BYTES = 2048;
/** How old an active key may grow before it is due for rotation, unless told otherwise: 90 days. */
export const DEFAULT_ROTATION_PERIOD_MS = 90 * 86_400_000;

const invalid = (message: string): VectorcacheAuthError =>
  new VectorcacheAuthError('invalid_input', message);

/** A value as a message quotes it: JSON, key-like text redacted, at most 80 characters. */
function quote(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return redactApiKeys(text.length > 80 ? `${text.slice(0, 80)}...` : text);
}

/** An environment (`production`), or `null` (any environment); the error quotes the bad value. */
export function validateEnvironment(value: unknown): string | null {
  if (value === null) return null;
  refuseKeyShaped(value, 'environment');
  if (typeof value !== 'string' || !ENVIRONMENT.test(value)) {
    throw invalid(
      `Invalid environment ${quote(value)}: give 1 to 32 lowercase letters, digits, "_" or "-", e.g. "production", or null for any environment.`,
    );
  }
  return value;
}

/** An owner id (the application's user or customer id), or `null`. */
export function validateOwnerId(value: unknown): string | null {
  if (value === null) return null;
  refuseKeyShaped(value, 'owner id');
  if (typeof value !== 'string' || !OWNER_ID.test(value)) {
    throw invalid(
      `Invalid owner id ${quote(value)}: give 1 to 128 printable characters, e.g. "u_42", or null for none.`,
    );
  }
  return value;
}

/**
 * Metadata: a flat JSON object of string, number (finite) and boolean values, at most 2,048
 * bytes as compact JSON, no key-shaped text in a name or a value; `null` clears. The result is
 * a frozen copy.
 */
export function validateMeta(value: unknown): KeyMeta | null {
  if (value === null) return null;
  if (typeof value !== 'object' || Array.isArray(value) || value instanceof Date) {
    throw invalid(
      `Invalid meta ${quote(value)}: give a flat JSON object of strings, numbers and booleans, e.g. {"plan":"pro"}, or null to clear it.`,
    );
  }
  const out: Record<string, string | number | boolean> = {};
  for (const [name, item] of Object.entries(value as Record<string, unknown>)) {
    if (looksLikeApiKey(name) || looksLikeApiKey(item)) {
      throw invalid(
        `The meta entry ${quote(name)} holds something shaped like an API key (vc_...); it was not used or stored. Never keep a key in meta.`,
      );
    }
    const flat =
      typeof item === 'string' ||
      typeof item === 'boolean' ||
      (typeof item === 'number' && Number.isFinite(item));
    if (!flat) {
      throw invalid(
        `Invalid meta value ${quote(item)} for ${quote(name)}: values are strings, numbers or booleans (no objects, arrays or null).`,
      );
    }
    out[name] = item;
  }
  const bytes = Buffer.byteLength(JSON.stringify(out), 'utf8');
  if (bytes > MAX_META_BYTES) {
    throw invalid(
      `Invalid meta: ${bytes} bytes as compact JSON, over the ${MAX_META_BYTES}-byte limit; keep only what a request needs.`,
    );
  }
  return Object.freeze(out);
}

/**
 * A rotation period: a duration (`"90d"`, `"12h"`) or milliseconds, at least one second; absent
 * means 90 days. The error names where it came from.
 */
export function resolveRotationPeriod(value: unknown, field = 'rotationPeriod'): number {
  if (value === undefined) return DEFAULT_ROTATION_PERIOD_MS;
  const ms = typeof value === 'number' ? value : parseDuration(value, field, false);
  if (!Number.isFinite(ms) || ms < 1000) {
    throw new VectorcacheAuthError(
      'invalid_option',
      `Invalid ${field} ${quote(value)}: give a duration of at least 1s, e.g. "90d" (or milliseconds).`,
    );
  }
  return ms;
}

/** Whether a key created at `createdAt` is older than `periodMs` at `nowMs` (an active key only). */
export function isRotationDue(createdAt: string, active: boolean, nowMs: number, periodMs: number) {
  return active && nowMs - Date.parse(createdAt) > periodMs;
}
