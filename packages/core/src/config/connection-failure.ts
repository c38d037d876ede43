/** Driver error codes and messages, and how an operator reads them. */
const CONNECTION_FAILURES: ReadonlyArray<[RegExp, string]> = [
  [/ECONNREFUSED/, 'connection refused'],
  [/ETIMEDOUT|connect timeout|Connection timeout/i, 'connection timed out'],
  [/ENOTFOUND|EAI_AGAIN/, 'host not found'],
  [/EHOSTUNREACH|ENETUNREACH/, 'host unreachable'],
  [/ECONNRESET|EPIPE/, 'connection reset'],
  [/NOAUTH|WRONGPASS|invalid password|invalid username-password/i, 'authentication failed'],
  [/Failed to refresh slots cache|None of startup nodes/i, 'no cluster node answered'],
  [/Protocol error/i, 'not a Redis server'],
  [/Stream isn't writeable|Connection is closed|enableOfflineQueue/i, 'connection closed'],
];

/**
 * Why a Redis connection failed, in words for an operator (`connection refused`, `host not
 * found`, `authentication failed`...), read from a driver error's code and message; `undefined`
 * when the error is not a connection failure. Never quotes the driver's message itself.
 * @example connectionFailureReason(err) // 'connection refused'
 */
export function connectionFailureReason(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, message } = error as { code?: unknown; message?: unknown };
  const text = `${typeof code === 'string' ? code : ''} ${typeof message === 'string' ? message : ''}`;
  return CONNECTION_FAILURES.find(([pattern]) => pattern.test(text))?.[1];
}
