import { VectorcacheAuthError } from './errors';
import type { ScopeMode } from './types';

/** Scopes given to a key created without any: full cache access and analytics, never `keys:manage`. */
export const DEFAULT_SCOPES: readonly string[] = Object.freeze(['cache:*', 'analytics:read']);

/**
 * The scopes known today. Without a declared vocabulary any scope matching the grammar is
 * accepted (the CLI warns about others); see {@link scopesOutside}.
 */
export const KNOWN_SCOPES: readonly string[] = Object.freeze([
  'cache:read',
  'cache:write',
  'cache:*',
  'analytics:read',
  'keys:manage',
]);

const SCOPE_PATTERN = /^(?:\*|[a-z0-9_-]+:(?:\*|[a-z0-9_-]+))$/;
const MAX_SCOPE_LENGTH = 128;

/**
 * Whether `scope` follows the grammar `resource:action` (lowercase letters, digits, `_`, `-`),
 * `resource:*` or `*`.
 * @example isValidScope('cache:read') // true
 */
export function isValidScope(scope: unknown): scope is string {
  return typeof scope === 'string' && scope.length <= MAX_SCOPE_LENGTH && SCOPE_PATTERN.test(scope);
}

/**
 * Validates a list of scopes and returns a de-duplicated copy; throws a `VectorcacheAuthError`
 * (`invalid_scope`) that quotes the first bad scope.
 * @example validateScopes(['cache:read', 'analytics:read'])
 */
export function validateScopes(scopes: unknown): string[] {
  if (!Array.isArray(scopes)) {
    throw new VectorcacheAuthError(
      'invalid_scope',
      'Scopes must be an array of strings such as ["cache:read", "analytics:read"].',
    );
  }
  for (const scope of scopes) {
    if (!isValidScope(scope)) {
      throw new VectorcacheAuthError(
        'invalid_scope',
        `Invalid scope ${JSON.stringify(scope)}: use "resource:action" with lowercase letters, digits, "_" or "-" (e.g. "cache:read"), "resource:*" or "*".`,
      );
    }
  }
  return [...new Set(scopes as string[])];
}

/**
 * Whether the granted scopes cover `required`: an exact match, `resource:*` for the same
 * resource, or `*`. Matching is case-sensitive.
 * @example scopeGranted(['cache:*'], 'cache:read') // true
 */
export function scopeGranted(granted: readonly string[], required: string): boolean {
  const colon = required.indexOf(':');
  for (const scope of granted) {
    if (scope === required || scope === '*') return true;
    // `resource:*` with the same resource: compare in place, no allocation on the hot path.
    if (
      colon > 0 &&
      scope.length === colon + 2 &&
      scope.charCodeAt(colon + 1) === 0x2a &&
      scope.charCodeAt(colon) === 0x3a &&
      sameResource(scope, required, colon)
    ) {
      return true;
    }
  }
  return false;
}

function sameResource(scope: string, required: string, colon: number): boolean {
  for (let i = 0; i < colon; i++) if (scope.charCodeAt(i) !== required.charCodeAt(i)) return false;
  return true;
}

/** Whether the granted scopes satisfy `required` in `mode`; allocation-free (hot path). */
export function scopesSatisfied(
  granted: readonly string[],
  required: readonly string[],
  mode: ScopeMode = 'all',
): boolean {
  if (required.length === 0) return true;
  if (mode === 'any') {
    for (const scope of required) if (scopeGranted(granted, scope)) return true;
    return false;
  }
  for (const scope of required) if (!scopeGranted(granted, scope)) return false;
  return true;
}

/**
 * The required scopes that the granted ones do not cover; empty when access is allowed.
 * In `any` mode one covered scope is enough.
 */
export function missingScopes(
  granted: readonly string[],
  required: readonly string[],
  mode: ScopeMode = 'all',
): string[] {
  if (required.length === 0) return [];
  const missing = required.filter((scope) => !scopeGranted(granted, scope));
  if (mode === 'any' && missing.length < required.length) return [];
  return missing;
}

function resourceOf(scope: string): string | undefined {
  const colon = scope.indexOf(':');
  return colon > 0 ? scope.slice(0, colon) : undefined;
}

/**
 * The scopes of `scopes` that a service's scope vocabulary does not declare. Inside it are: a
 * listed scope; `*`; `resource:*` when the vocabulary has any scope of that resource.
 * @example scopesOutside(['cache:raed', 'cache:*'], ['cache:read', 'cache:write']) // ['cache:raed']
 */
export function scopesOutside(scopes: readonly string[], vocabulary: readonly string[]): string[] {
  const listed = new Set(vocabulary);
  const resources = new Set(vocabulary.map(resourceOf));
  return scopes.filter((scope) => {
    if (listed.has(scope) || scope === '*') return false;
    return !(scope.endsWith(':*') && resources.has(resourceOf(scope)));
  });
}

/**
 * Validates a scope vocabulary (the `allowedScopes` option, or `VECTORCACHE_SCOPES` split on
 * commas): a non-empty list of valid scopes; `source` names it in the error.
 * @example validateScopeVocabulary(['cache:read', 'cache:write'], 'allowedScopes')
 */
export function validateScopeVocabulary(value: unknown, source: string): readonly string[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new VectorcacheAuthError(
      'invalid_option',
      `${source} must list the scopes keys may be given, e.g. cache:read,cache:write,analytics:read.`,
    );
  }
  for (const scope of value) {
    if (!isValidScope(scope)) {
      throw new VectorcacheAuthError(
        'invalid_option',
        `${source} holds an invalid scope ${JSON.stringify(scope)}: use "resource:action" with lowercase letters, digits, "_" or "-" (e.g. "cache:read"), "resource:*" or "*".`,
      );
    }
  }
  return Object.freeze([...new Set(value as string[])]);
}

/**
 * Refuses (`invalid_scope`) scopes outside a declared vocabulary, quoting the first of them.
 * Without a vocabulary every valid scope passes.
 */
export function checkScopeVocabulary(
  scopes: readonly string[],
  vocabulary: readonly string[] | undefined,
): void {
  if (vocabulary === undefined) return;
  const [outside] = scopesOutside(scopes, vocabulary);
  if (outside === undefined) return;
  throw new VectorcacheAuthError(
    'invalid_scope',
    `Scope ${JSON.stringify(outside)} is not one of this service's scopes (${vocabulary.join(', ')}); check its spelling, or declare it in VECTORCACHE_SCOPES or the allowedScopes option.`,
  );
}
