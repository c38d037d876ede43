import { VectorcacheAuthError } from '../errors';

/**
 * Which proxies may speak for the client through `X-Forwarded-For`: none (`false`, the default:
 * the socket's peer is the client), the number of proxies in front of the app, or their exact
 * addresses (`'loopback'` stands for 127.0.0.1 and ::1).
 */
export type TrustProxy = false | number | readonly string[];

/** The parts of a Node request the client address comes from. */
export interface ClientAddressSource {
  headers: Record<string, string | string[] | undefined>;
  socket?: { remoteAddress?: string | undefined } | null;
}

function normalise(address: string): string {
  const trimmed = address.trim();
  return trimmed.startsWith('::ffff:') && trimmed.includes('.') ? trimmed.slice(7) : trimmed;
}

/** Validates a `trustProxy` option once, when the middleware is built. */
export function checkTrustProxy(value: unknown): TrustProxy {
  if (value === undefined || value === false) return false;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
  if (Array.isArray(value) && value.every((v) => typeof v === 'string' && v.length > 0)) {
    return value.flatMap((v: string) => (v === 'loopback' ? ['127.0.0.1', '::1'] : [normalise(v)]));
  }
  throw new VectorcacheAuthError(
    'invalid_option',
    'trustProxy must be false, the number of proxies in front of the app (e.g. 1), or their addresses (e.g. ["10.0.0.5", "loopback"]).',
  );
}

/**
 * The client's address: the socket's peer, or, through trusted proxies only, the address they
 * report in `X-Forwarded-For` (read right to left, never trusting what a client wrote itself).
 * @example clientAddress(req, ['loopback'])
 */
export function clientAddress(
  req: ClientAddressSource,
  trustProxy: TrustProxy,
): string | undefined {
  const peer = req.socket?.remoteAddress;
  if (peer === undefined) return undefined;
  let current = normalise(peer);
  if (trustProxy === false || trustProxy === 0) return current;
  const header = req.headers['x-forwarded-for'];
  const forwarded = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map(normalise)
    .filter((a) => a !== '');
  let hops = 0;
  while (forwarded.length > 0) {
    const trusted =
      typeof trustProxy === 'number' ? hops < trustProxy : trustProxy.includes(current);
    if (!trusted) break;
    current = forwarded.pop()!;
    hops++;
  }
  return current;
}
