import type { Principal, StoredKeyRecord } from '../types';

/** Reports a route guard's refusal of a principal to the verifier that allowed it. */
export type RouteRefusalHook = (principal: Principal) => void;

/**
 * What core keeps on a principal it made, beside its fields: declared here and read by
 * name, so a principal made by one loaded copy of core (its ESM build) is understood by another
 * (its CommonJS build). Not enumerable: a principal serialises, spreads and compares as its fields.
 */
export interface PrincipalFacts {
  /** The principal was authenticated by a JWT, not an API key (it may not mint further tokens). */
  readonly viaJwt?: boolean;
  /** Counts and reports a route guard's refusal (`requireScopes`) as the verifier's own. */
  readonly onRouteRefusal?: RouteRefusalHook;
}

/** The fields of a principal, frozen, with the facts given. */
export function makePrincipal(fields: Principal, facts: PrincipalFacts): Principal {
  const principal = { ...fields };
  if (facts.viaJwt) Object.defineProperty(principal, 'viaJwt', { value: true });
  if (facts.onRouteRefusal) {
    Object.defineProperty(principal, 'onRouteRefusal', { value: facts.onRouteRefusal });
  }
  return Object.freeze(principal);
}

/** The frozen principal of a record, built once per cached record. */
export function toPrincipal(record: StoredKeyRecord, onRouteRefusal?: RouteRefusalHook): Principal {
  return makePrincipal(
    {
      keyId: record.id,
      projectId: record.projectId,
      name: record.name,
      prefix: record.prefix,
      scopes: Object.freeze([...record.scopes]),
      environment: record.environment ?? null,
      ownerId: record.ownerId ?? null,
      meta: record.meta ? Object.freeze({ ...record.meta }) : null,
    },
    { onRouteRefusal },
  );
}

/** What core recorded about `principal` (by any copy of core). */
export function factsOf(principal: Principal): PrincipalFacts {
  return principal as PrincipalFacts;
}
