import { connect } from 'node:net';

/** A response read off the socket: status, lower-cased headers (repeats kept) and body bytes. */
export interface RawResponse {
  status: number;
  headers: Record<string, string[]>;
  body: Buffer;
}

/** One header line to write: the value as bytes, or a string written one byte per char (latin1). */
export type RawHeader = [name: string, value: string | Buffer];

const CRLF = '\r\n';

function decodeChunked(data: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = data.indexOf(CRLF, at);
    if (lineEnd < 0) throw new Error('truncated chunked body');
    const size = parseInt(data.subarray(at, lineEnd).toString('latin1'), 16);
    if (!Number.isFinite(size)) throw new Error('bad chunk size');
    if (size === 0) return Buffer.concat(parts);
    parts.push(data.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
}

function parseResponse(data: Buffer, head = false): RawResponse {
  const headEnd = data.indexOf(`${CRLF}${CRLF}`);
  if (headEnd < 0) throw new Error(`no complete response head in ${data.length} bytes`);
  const [statusLine, ...lines] = data.subarray(0, headEnd).toString('latin1').split(CRLF);
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? '')?.[1]);
  const headers: Record<string, string[]> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    (headers[name] ??= []).push(line.slice(colon + 1).trim());
  }
  let body = data.subarray(headEnd + 4);
  if (head) return { status, headers, body }; // no body, whatever the headers announce
  if (headers['transfer-encoding']?.[0]?.toLowerCase() === 'chunked') body = decodeChunked(body);
  else if (headers['content-length']) body = body.subarray(0, Number(headers['content-length'][0]));
  return { status, headers, body };
}

/**
 * Sends one HTTP/1.1 request whose bytes are written by hand, for what ordinary clients refuse
 * to send (tabs, repeated `Authorization` lines, non-ASCII bytes), and reads the answer until
 * the server closes the connection (a `HEAD` answer is read without a body).
 */
export function rawRequest(
  port: number,
  path: string,
  headers: readonly RawHeader[],
  timeoutMs = 5000,
  method = 'GET',
): Promise<RawResponse> {
  const head: Buffer[] = [
    Buffer.from(`${method} ${path} HTTP/1.1${CRLF}Host: 127.0.0.1:${port}${CRLF}`),
  ];
  for (const [name, value] of headers) {
    head.push(Buffer.from(`${name}: `, 'latin1'));
    head.push(typeof value === 'string' ? Buffer.from(value, 'latin1') : value);
    head.push(Buffer.from(CRLF));
  }
  head.push(Buffer.from(`Connection: close${CRLF}${CRLF}`));

  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect({ host: '127.0.0.1', port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer from 127.0.0.1:${port}${path} within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.on('end', () => {
      clearTimeout(timer);
      try {
        resolve(parseResponse(Buffer.concat(chunks), method === 'HEAD'));
      } catch (err) {
        reject(err);
      }
    });
    socket.write(Buffer.concat(head));
  });
}
