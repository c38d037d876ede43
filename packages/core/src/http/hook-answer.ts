import type { AuthEvent, AuthFailure, HttpAnswer } from '../types';

/** A replacement for the default refusal, returned by an `onFailure` hook. */
export interface FailureOverride {
  status?: number;
  /** A string is sent as is; anything else is sent as JSON. */
  body?: unknown;
  headers?: Record<string, string>;
}

/** The hooks of the options whose mistakes core absorbs and reports. */
export type HookName = 'onFailure' | 'projectId';

// RFC 9110 field names (tchar) and the value bytes Node and the Fetch Headers both accept:
// Latin-1 without controls other than HTAB. An em dash, a CR or a NUL fails here, not in Node.
const FIELD_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
// Framing and connection headers: the adapter's server writes these from the body it sends.
const RESERVED = new Set([
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'trailer',
  'te',
  'proxy-connection',
]);

/** The override applied to core's refusal, or what is wrong with it. */
function overridden(failure: AuthFailure, override: object): HttpAnswer | string {
  if (typeof (override as { then?: unknown }).then === 'function') {
    return 'returned a promise (it must answer synchronously)';
  }
  const { status, headers, body } = override as FailureOverride;
  if (status !== undefined && !(Number.isInteger(status) && status >= 400 && status <= 599)) {
    return 'returned a status that is not an integer from 400 to 599';
  }
  let text = failure.body;
  if (body !== undefined) {
    let json: string | undefined;
    try {
      json = typeof body === 'string' ? body : JSON.stringify(body);
    } catch {
      json = undefined;
    }
    if (typeof json !== 'string') return 'returned a body that is neither a string nor JSON';
    text = json;
  }
  const out: Record<string, string> = { ...failure.headers };
  if (headers !== undefined) {
    if (typeof headers !== 'object' || headers === null || Array.isArray(headers)) {
      return 'returned headers that are not an object of strings';
    }
    for (const [name, value] of Object.entries(headers)) {
      if (!FIELD_NAME.test(name)) return 'returned a header name that is not an HTTP token';
      const lower = name.toLowerCase();
      if (RESERVED.has(lower))
        return `returned the header ${lower}, which the server writes itself`;
      if (typeof value !== 'string') return `returned a non-string value for the header ${lower}`;
      if (!FIELD_VALUE.test(value)) {
        return `returned a value for the header ${lower} with a character HTTP cannot carry (outside Latin-1, or a control character)`;
      }
      // Trimmed as the Fetch Headers of Hono would, so every adapter sends the same bytes.
      out[lower] = value.replace(/^[\t ]+|[\t ]+$/g, '');
    }
  }
  return { status: status ?? failure.status, body: text, headers: out };
}

/**
 * Core's refusal through the user's hook: the hook's answer when every part of it can be sent,
 * otherwise core's own answer, with the mistake passed to `report` (a throwing hook included).
 */
export function refusalThroughHook<Req>(
  failure: AuthFailure,
  req: Req,
  hook: (failure: AuthFailure, req: Req) => FailureOverride | void,
  report: (hook: HookName, problem: string) => void,
): HttpAnswer {
  let result: HttpAnswer | string;
  try {
    const override: unknown = hook(failure, req);
    if (override === undefined || override === null) return failure;
    result =
      typeof override === 'object'
        ? overridden(failure, override)
        : 'returned something other than an object';
  } catch (err) {
    // The error's own message may quote the request; its class name is enough to find it.
    result = `threw ${err instanceof Error ? err.name : typeof err} (or its answer could not be read)`;
  }
  if (typeof result !== 'string') return result;
  report('onFailure', result);
  return failure;
}

/** Most distinct mistakes reported per handler: a hook that fails in new ways keeps memory bounded. */
const MAX_REPORTED = 32;

/**
 * Reports each distinct hook mistake once, as a `hook_error` event, so a broken hook is heard
 * without flooding the log on every request.
 */
export function hookReporter(
  listeners: ReadonlyArray<((event: AuthEvent) => void) | undefined>,
): (hook: HookName, problem: string) => void {
  const seen = new Set<string>();
  return (hook, problem) => {
    const detail =
      hook === 'onFailure'
        ? `${hook} ${problem}; core's own answer was sent instead.`
        : `${hook} ${problem}.`;
    if (seen.has(detail) || seen.size >= MAX_REPORTED) return;
    seen.add(detail);
    for (const listener of listeners) {
      try {
        listener?.({ type: 'hook_error', hook, detail });
      } catch {
        // A failing listener must not change the answer.
      }
    }
  };
}
