import { AdminError, MAX_BODY_BYTES } from './answers';
import type { AdminBody, AdminHeaders } from './types';

/** First value of a header, trimmed. */
export function headerValue(headers: AdminHeaders, name: string): string | undefined {
  const value = headers[name];
  const first = typeof value === 'string' ? value : value?.[0];
  return first?.trim();
}

/** Whether the request carries a body, from its framing headers (RFC 9112 section 6). */
export function hasBody(headers: AdminHeaders, body: AdminBody | undefined): boolean {
  if (headers['transfer-encoding'] !== undefined) return true;
  const length = headerValue(headers, 'content-length');
  if (length !== undefined && length !== '0') return true;
  return body?.kind === 'bytes' && body.bytes.length > 0;
}

/** `application/json`, with no charset or UTF-8; anything else is a 415. */
function checkMediaType(headers: AdminHeaders): void {
  const type = headerValue(headers, 'content-type') ?? '';
  const [essence = '', ...params] = type.split(';');
  const utf8 = params.every((param) => {
    const [name = '', value = ''] = param.split('=');
    if (name.trim().toLowerCase() !== 'charset') return true;
    return /^"?utf-8"?$/i.test(value.trim());
  });
  if (essence.trim().toLowerCase() !== 'application/json' || !utf8) {
    throw new AdminError(415, 'Content-Type must be application/json');
  }
  const encoding = headerValue(headers, 'content-encoding');
  if (encoding !== undefined && encoding.toLowerCase() !== 'identity') {
    throw new AdminError(415, 'Content-Encoding is not supported: send the body uncompressed');
  }
}

const tooLarge = (): AdminError => new AdminError(413, 'Request body is larger than 16 KiB');
const notJson = (): AdminError => new AdminError(400, 'Request body is not valid JSON');

const decoder = new TextDecoder('utf-8', { fatal: true });

function parseText(text: string): unknown {
  // An empty body is an empty object, as Express's and Koa's own JSON parsers have it.
  if (text.length === 0) return {};
  try {
    return JSON.parse(text);
  } catch {
    throw notJson();
  }
}

function parseBytes(bytes: Uint8Array | string): unknown {
  const size = typeof bytes === 'string' ? Buffer.byteLength(bytes) : bytes.length;
  if (size > MAX_BODY_BYTES) throw tooLarge();
  if (typeof bytes === 'string') return parseText(bytes);
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    throw notJson();
  }
  return parseText(text);
}

/** Deeper than any body of this API: its deepest is an object holding an array of strings. */
const MAX_DEPTH = 32;

/**
 * Refuses a body nested deeper than `MAX_DEPTH` (400), before anything walks it recursively
 * (`JSON.stringify`, a quoted error message): 5,000 levels would overflow the stack.
 */
function checkDepth(value: unknown): void {
  let level: unknown[] = [value];
  for (let depth = 0; level.length > 0; depth++) {
    if (depth > MAX_DEPTH) {
      throw new AdminError(400, `Request body is nested too deeply (at most ${MAX_DEPTH} levels)`);
    }
    const next: unknown[] = [];
    for (const item of level) {
      if (typeof item !== 'object' || item === null) continue;
      for (const child of Object.values(item)) next.push(child);
    }
    level = next;
  }
}

/** The size of a body parsed by the app's own parser: its declared length, or its JSON. */
function parsedSize(headers: AdminHeaders, value: unknown): number {
  const declared = Number(headerValue(headers, 'content-length'));
  if (Number.isFinite(declared) && declared >= 0) return declared;
  return Buffer.byteLength(JSON.stringify(value) ?? '');
}

/**
 * The JSON object of a request body, whatever the adapter had: checks the media type (415), the
 * size (413, over 16 KiB), the syntax (400) and that it is an object (400). The same rules decide
 * for raw bytes, a stream, and a body the app's own parser read, so every mount answers alike.
 */
export async function readJsonObject(
  headers: AdminHeaders,
  body: AdminBody | undefined,
): Promise<Record<string, unknown>> {
  checkMediaType(headers);
  let value: unknown;
  if (body === undefined) {
    value = {};
  } else if (body.kind === 'bytes') {
    value = parseBytes(body.bytes);
  } else if (body.kind === 'stream') {
    const bytes = await body.read(MAX_BODY_BYTES).catch(() => {
      throw new AdminError(400, 'Request body could not be read');
    });
    if (bytes === null) throw tooLarge();
    value = parseBytes(bytes);
  } else if (body.kind === 'parsed') {
    if (body.value === undefined) throw notJson(); // read by another, and nothing made of it
    checkDepth(body.value);
    if (parsedSize(headers, body.value) > MAX_BODY_BYTES) throw tooLarge();
    value = body.value;
  } else if (body.reason === 'too_large') {
    throw tooLarge();
  } else if (body.raw !== undefined) {
    value = parseBytes(body.raw);
  } else {
    throw body.reason === 'invalid'
      ? notJson()
      : new AdminError(400, 'Request body could not be read');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new AdminError(400, 'Request body must be a JSON object');
  }
  checkDepth(value);
  return value as Record<string, unknown>;
}
