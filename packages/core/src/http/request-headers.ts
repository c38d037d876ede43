/** Case-insensitive match, without allocating for the usual spellings (hot path). */
function isAuthorizationName(name: string): boolean {
  return (
    name === 'authorization' || name === 'Authorization' || name.toLowerCase() === 'authorization'
  );
}

/** The shape of a Node request that {@link readAuthorizationHeader} reads. */
export interface RequestHeadersLike {
  headers: Record<string, string | string[] | undefined>;
  rawHeaders?: readonly string[];
}

/**
 * The `Authorization` value of a Node request, or every value when the header was sent more than
 * once (Node keeps only the first in `headers`), so the verifier answers `invalid_request`.
 * @example const header = readAuthorizationHeader(req);
 */
export function readAuthorizationHeader(req: RequestHeadersLike): string | string[] | undefined {
  const raw = req.rawHeaders;
  if (raw) {
    let first: string | undefined;
    let all: string[] | undefined;
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const name = raw[i]!;
      if (name.length === 13 && isAuthorizationName(name)) {
        if (first === undefined) first = raw[i + 1]!;
        else (all ??= [first]).push(raw[i + 1]!);
      }
    }
    if (all) return all;
  }
  const value = req.headers.authorization;
  return value;
}
