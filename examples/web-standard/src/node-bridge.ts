import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { INTERNAL_ERROR, TOO_LARGE } from '../../shared/answers';

/** Largest request body the bridge reads, in bytes (a bound like any body parser's). */
const MAX_BODY_BYTES = 64 * 1024;

/**
 * A Web `Request` from a Node request. Headers are appended in order from `rawHeaders`, so a
 * header sent twice reaches `authenticateRequest` twice (and is refused), as on any runtime.
 */
export function toWebRequest(req: IncomingMessage): Request {
  const headers = new Headers();
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    headers.append(req.rawHeaders[i]!, req.rawHeaders[i + 1]!);
  }
  const url = `http://${req.headers.host ?? '127.0.0.1'}${req.url ?? '/'}`;
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
  return new Request(url, {
    method: req.method,
    headers,
    body: hasBody ? (Readable.toWeb(req) as ReadableStream<Uint8Array>) : undefined,
    duplex: 'half',
  } as RequestInit);
}

/** Writes a Web `Response` on a Node response: status, every header, the body bytes. */
export async function writeWebResponse(response: Response, res: ServerResponse): Promise<void> {
  const body = Buffer.from(await response.arrayBuffer());
  res.writeHead(response.status, Object.fromEntries(response.headers));
  res.end(body);
}

/**
 * A `node:http` request listener serving a fetch-style handler (`(request) => Response`), with
 * bodies over 64 KiB refused before the handler runs.
 */
export function nodeListener(handle: (request: Request) => Promise<Response>): RequestListener {
  return (req, res) => {
    if (Number(req.headers['content-length'] ?? 0) > MAX_BODY_BYTES) {
      res.writeHead(413, { 'content-type': 'application/json' });
      res.end(JSON.stringify(TOO_LARGE));
      return;
    }
    handle(toWebRequest(req))
      .then((response) => writeWebResponse(response, res))
      .catch(() => {
        if (!res.headersSent) {
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end(JSON.stringify(INTERNAL_ERROR));
        } else res.end();
      });
  };
}
