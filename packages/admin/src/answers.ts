import { redactApiKeys } from '@vectorcache/auth-core';
import { type HttpAnswer } from '@vectorcache/auth-core/adapter';

/** Every answer of the management API is JSON that no cache may keep. */
const BASE_HEADERS = Object.freeze({
  'content-type': 'application/json',
  'cache-control': 'no-store',
});

/** Largest request body accepted, in bytes (16 KiB). */
export const MAX_BODY_BYTES = 16 * 1024;

/** The 409 of a rotation of a key that a concurrent (or earlier) rotation replaced. */
export const ALREADY_ROTATED = 'API key was already rotated';

/** The 503 of a change written to the Redis master that no replica acknowledged in time. */
export const NOT_DURABLE =
  'The change was written but is not yet durable: no Redis replica acknowledged it in time, so a failover could undo it. Repeat the request to confirm it.';

/** The 409 of a rotation of a key that is no longer active. */
export const NOT_ACTIVE =
  'API key is already revoked or expired; create a new key instead of rotating it';

/** A JSON answer with `Cache-Control: no-store`. */
export function json(
  status: number,
  value: unknown,
  headers: Readonly<Record<string, string>> = {},
): HttpAnswer {
  return { status, headers: { ...BASE_HEADERS, ...headers }, body: JSON.stringify(value) };
}

/** An error answer: `{"detail": "..."}`, never with a key (in any case) in it. */
export function detail(
  status: number,
  text: string,
  headers: Readonly<Record<string, string>> = {},
): HttpAnswer {
  return json(status, { detail: redactApiKeys(text) }, headers);
}

/** A refusal already decided by the verifier (401/403/429/503), made uncacheable. */
export function fromAuthFailure(failure: {
  status: number;
  body: string;
  headers: Readonly<Record<string, string | undefined>>;
}): HttpAnswer {
  const headers: Record<string, string> = { ...BASE_HEADERS };
  for (const [name, value] of Object.entries(failure.headers)) {
    if (value !== undefined) headers[name] = value;
  }
  return { status: failure.status, headers, body: failure.body };
}

/** An error the caller can fix: status and detail. */
export class AdminError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'AdminError';
  }

  /** The answer for this error. */
  answer(): HttpAnswer {
    return detail(this.status, this.message, this.headers);
  }
}

const MAX_QUOTED = 200;

/** A bad value as a detail quotes it: JSON-quoted, cut after 200 characters. */
export function quote(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > MAX_QUOTED ? `${text.slice(0, MAX_QUOTED)}...` : text;
}
