import type { AdminHeaders, AdminRequest } from './types';

/**
 * Reads a Web stream up to `limit` bytes: resolves to the bytes, or to `null` as soon as there
 * are more (the rest is cancelled).
 */
export async function readWebLimited(
  stream: ReadableStream<Uint8Array>,
  limit: number,
): Promise<Uint8Array | null> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

/** Bytes already in memory, or `null` when there are more than `limit`. */
function sizedBelow(buffer: ArrayBuffer, limit: number): Uint8Array | null {
  return buffer.byteLength > limit ? null : new Uint8Array(buffer);
}

/**
 * The admin request of a Web `Request` (Hono, and any Fetch-style runtime): method, `path`
 * relative to the mount, query, headers (a header sent twice arrives joined by `, `, which the
 * verifier refuses as Node's repeated lines), and the body, read lazily and bounded; `readBefore`
 * gives the bytes of a body the app already read (a framework's body cache), decided on alike.
 */
export function webAdminRequest(
  request: Request,
  path: string,
  readBefore?: () => Promise<ArrayBuffer>,
): AdminRequest {
  const headers: AdminHeaders = {};
  request.headers.forEach((value, name) => {
    headers[name] = value;
  });
  const body = request.body;
  const url = new URL(request.url);
  return {
    method: request.method,
    path: path === '' ? '/' : path,
    requestPath: url.pathname,
    query: url.search.slice(1),
    headers,
    body:
      readBefore !== undefined
        ? { kind: 'stream', read: (limit) => readBefore().then((b) => sizedBelow(b, limit)) }
        : body === null
          ? undefined
          : { kind: 'stream', read: (limit) => readWebLimited(body, limit) },
  };
}
