import type { ClientAddressSource } from './client-address';
import type { HttpAnswer, Principal, Verifier, VerifyRequirements } from '../types';

/** What core reads of a Web-standard `Request` (Hono's `c.req.raw`, Next.js, Bun, Deno): its headers. */
export interface WebRequestLike {
  readonly headers: { get(name: string): string | null };
}

/**
 * A Web-standard request handed to an adapter's auth handler, with the peer's address when the
 * runtime tells it (the client address of the opt-in `attemptLimit`).
 */
export interface WebRequestSource {
  webRequest: WebRequestLike;
  remoteAddress?: string | undefined;
}

/**
 * The `Authorization` value of a Web request. `Headers` joins a header sent twice with `, `,
 * which the parser refuses as a list: the same `invalid_request` a Node server's request gets.
 * @example readWebAuthorization(new Request(url, { headers: { authorization: 'Bearer vc_…' } }))
 */
export function readWebAuthorization(request: WebRequestLike): string | undefined {
  return request.headers.get('authorization') ?? undefined;
}

/** The parts of a Web request the client address is derived from (peer and `X-Forwarded-For`). */
export function webClientAddressSource(source: WebRequestSource): ClientAddressSource {
  const forwarded = source.webRequest.headers.get('x-forwarded-for');
  return {
    headers: { 'x-forwarded-for': forwarded ?? undefined },
    socket: { remoteAddress: source.remoteAddress },
  };
}

/**
 * Core's ready answer (a refusal, the token exchange's answer) as a Web `Response`: the same
 * status, body bytes and headers every adapter writes.
 * @example return toWebResponse(failureFor('missing'));
 */
export function toWebResponse(answer: HttpAnswer): Response {
  // Content-Length stated, so an answer to HEAD (sent without its body) still carries it.
  const length = String(new TextEncoder().encode(answer.body).byteLength);
  return new Response(answer.body, {
    status: answer.status,
    headers: { ...answer.headers, 'content-length': length },
  });
}

/**
 * Authenticates a Web-standard `Request` (Next.js route handlers, `Bun.serve`, Deno, Cloudflare
 * Workers): resolves to the caller's principal, or to the ready `Response` to return, with the
 * exact status, body and headers of the Express, Koa, Fastify and Hono adapters. Pass
 * `requirements.client` (the caller's address) to use the verifier's `attemptLimit`.
 * @example
 * ```ts
 * const verifier = createVerifierFromEnv();
 * export async function GET(request: Request): Promise<Response> {
 *   const auth = await authenticateRequest(verifier, request, { scopes: ['cache:read'] });
 *   if (auth instanceof Response) return auth;
 *   return Response.json({ project: auth.projectId });
 * }
 * ```
 */
export async function authenticateRequest(
  verifier: Verifier,
  request: WebRequestLike,
  requirements?: VerifyRequirements,
): Promise<Principal | Response> {
  const result = await verifier.verify(readWebAuthorization(request), requirements);
  return result.ok ? result.principal : toWebResponse(result);
}
