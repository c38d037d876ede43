import { STATUS_CODES } from 'node:http';

/** The examples' own answers, JSON like every answer of the middleware (`{"detail": ...}`). */
export const NOT_FOUND = Object.freeze({ detail: 'Not found' });
/** A request body that is not JSON. */
export const INVALID_JSON = Object.freeze({ detail: 'Request body is not valid JSON' });
/** A request body over the example's 64 KiB limit. */
export const TOO_LARGE = Object.freeze({ detail: 'Request body too large' });
/** Anything unexpected: never a message or a stack trace. */
export const INTERNAL_ERROR = Object.freeze({ detail: 'Internal server error' });

/** What an example answers to an error a framework or body parser threw: status and JSON body. */
export interface ErrorAnswer {
  status: number;
  body: { readonly detail: string };
}

/** Whether an error a body parser threw says the body is not JSON (Express, Koa, Fastify). */
function isJsonSyntaxError(error: { type?: unknown; code?: unknown; name?: unknown }): boolean {
  return (
    error.type === 'entity.parse.failed' ||
    error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' ||
    error.name === 'SyntaxError'
  );
}

/**
 * The JSON answer to an error thrown while serving a request: a client error keeps its status
 * (400 for a body that is not JSON, 413 for one too large), anything else is a 500 that tells
 * nothing of the error itself.
 * @example app.use((err, req, res, next) => { const a = errorAnswer(err); res.status(a.status).json(a.body); });
 */
export function errorAnswer(error: unknown): ErrorAnswer {
  const fields = (typeof error === 'object' && error !== null ? error : {}) as {
    status?: unknown;
    statusCode?: unknown;
    type?: unknown;
    code?: unknown;
    name?: unknown;
  };
  const status = Number(fields.status ?? fields.statusCode);
  if (!Number.isInteger(status) || status < 400 || status > 499) {
    return { status: 500, body: INTERNAL_ERROR };
  }
  if (status === 400 && isJsonSyntaxError(fields)) return { status, body: INVALID_JSON };
  if (status === 413) return { status, body: TOO_LARGE };
  return { status, body: { detail: STATUS_CODES[status] ?? 'Bad request' } };
}

/** A request's JSON body, or `undefined` when it is not JSON (answered {@link INVALID_JSON}). */
export async function readJson(
  read: () => Promise<unknown>,
): Promise<{ body: unknown } | undefined> {
  try {
    return { body: await read() };
  } catch {
    return undefined;
  }
}
