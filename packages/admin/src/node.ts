import { VectorcacheAuthError } from '@vectorcache/auth-core';
import type { AdminBody, AdminHeaders, AdminRequest } from './types';

/** What the mounts read off a Node request (`IncomingMessage`). */
export interface NodeRequestLike {
  method?: string;
  /** The request target; under an Express mount, the part below the mount point. */
  url?: string;
  /** Express: the request target as the client sent it. */
  originalUrl?: string;
  headers: AdminHeaders;
  rawHeaders?: readonly string[];
}

/** A readable Node stream, as `IncomingMessage` is. */
export interface ReadableLike {
  readableEnded?: boolean;
  on(event: 'data', listener: (chunk: Buffer | string) => void): unknown;
  on(event: 'end' | 'close', listener: () => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  removeListener(event: string, listener: (...args: never[]) => void): unknown;
  resume(): unknown;
}

/**
 * Reads a Node stream up to `limit` bytes: resolves to the bytes, or to `null` as soon as there
 * are more (the rest is then drained and dropped, so a keep-alive connection stays usable).
 */
export function readLimited(stream: ReadableLike, limit: number): Promise<Uint8Array | null> {
  if (stream.readableEnded) return Promise.resolve(new Uint8Array(0));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = (): void => {
      stream.removeListener('data', onData);
      stream.removeListener('end', onEnd);
      stream.removeListener('close', onClose);
      stream.removeListener('error', onError);
    };
    const onData = (chunk: Buffer | string): void => {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      size += bytes.length;
      if (size > limit) {
        cleanup();
        stream.on('error', () => undefined);
        stream.resume();
        resolve(null);
        return;
      }
      chunks.push(bytes);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(Buffer.concat(chunks));
    };
    const onClose = (): void => {
      cleanup();
      reject(new Error('The request was closed before its body was read.'));
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(err);
    };
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('close', onClose);
    stream.on('error', onError);
    stream.resume();
  });
}

/** A body still on the wire: read lazily, only once the route and the caller are known. */
export function streamBody(stream: ReadableLike): AdminBody {
  return { kind: 'stream', read: (limit) => readLimited(stream, limit) };
}

/**
 * What an app's own body parser (Express's `body-parser`, Koa's `co-body`) reported when it
 * failed, as a body the admin handler decides on by its own rules; `undefined` for any other error.
 */
export function failedBody(err: unknown): AdminBody | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const { type, status, body } = err as { type?: unknown; status?: unknown; body?: unknown };
  const raw = typeof body === 'string' ? body : undefined;
  switch (type) {
    case 'entity.parse.failed':
      return { kind: 'failed', reason: 'invalid', raw };
    case 'entity.too.large':
      return { kind: 'failed', reason: 'too_large' };
    case 'charset.unsupported':
    case 'encoding.unsupported':
    case 'entity.verify.failed':
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
    case 'stream.not.readable':
      return { kind: 'failed', reason: 'unreadable', raw };
    default:
      // co-body (Koa) marks a JSON syntax error with status 400 and keeps the text.
      return status === 400 && raw !== undefined
        ? { kind: 'failed', reason: 'invalid', raw }
        : undefined;
  }
}

/**
 * The path under a mount prefix (`/admin` + `/v1/keys` -> `/v1/keys`, `/admin` -> `/`), or
 * `undefined` when the path is not under it.
 */
export function underPrefix(path: string, prefix: string): string | undefined {
  if (prefix === '' || prefix === '/') return path === '' ? '/' : path;
  if (path === prefix) return '/';
  return path.startsWith(`${prefix}/`) ? path.slice(prefix.length) : undefined;
}

/** Checks a mount prefix once: empty, or `/` followed by a path without a trailing `/`. */
export function checkPrefix(prefix: unknown): string {
  if (prefix === undefined) return '';
  if (typeof prefix !== 'string' || (prefix !== '' && !/^\/[^?#\s]*[^/?#\s]$/.test(prefix))) {
    throw new VectorcacheAuthError(
      'invalid_option',
      `prefix must be a path such as "/admin" (got ${typeof prefix === 'string' ? JSON.stringify(prefix) : typeof prefix}).`,
    );
  }
  return prefix;
}

/** Splits `/v1/keys?status=active` into its path and query string. */
export function splitUrl(url: string): { path: string; query: string } {
  const at = url.indexOf('?');
  return at < 0 ? { path: url, query: '' } : { path: url.slice(0, at), query: url.slice(at + 1) };
}

/**
 * The admin request of a Node request: method, path relative to the mount, query, headers
 * (raw ones too, for a repeated `Authorization`), and the body as the adapter has it.
 */
export function nodeAdminRequest(
  req: NodeRequestLike,
  url: string,
  body: AdminBody | undefined,
): AdminRequest {
  const { path, query } = splitUrl(url);
  const sent = req.originalUrl ?? req.url;
  return {
    method: req.method ?? 'GET',
    path: path === '' ? '/' : path,
    requestPath: sent === undefined ? undefined : splitUrl(sent).path,
    query,
    headers: req.headers,
    rawHeaders: req.rawHeaders,
    body,
  };
}
