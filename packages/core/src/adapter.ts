/**
 * `@vectorcache/auth-core/adapter`: what framework adapters, the management API and the CLI are
 * built from. Applications call the main entry (`@vectorcache/auth-core`); a new adapter needs only
 * `createAuthHandler` and `createScopeGuard` (or `authenticateRequest` for a Web-standard runtime).
 */
export { createAuthHandler, createScopeGuard } from './auth-handler';
export type {
  AuthHandler,
  AuthOptions,
  AuthOutcome,
  AuthSource,
  FailureHook,
  FailureOverride,
} from './auth-handler';
export { readAuthorizationHeader } from './request-headers';
export type { RequestHeadersLike } from './request-headers';
export { clientAddress } from './client-address';
export type { ClientAddressSource, TrustProxy } from './client-address';
export { failureFor, insufficientScope, tooManyAttempts } from './answers';
export { authenticateRequest, readWebAuthorization, toWebResponse } from './web-request';
export type { WebRequestLike, WebRequestSource } from './web-request';
export { createTokenExchange } from './token-exchange';
export type { HttpAnswer } from './types';
export { verifierStore, verifyNow } from './verifier-settings';
export type { VerifierStore } from './verifier-settings';
export { createKeyManagerFor } from './key-manager';
export { validateKeyName } from './key-input';
export { publicRecord } from './records';
export { missingScopes } from './scopes';
export { parseDuration } from './duration';
export { withTimeout } from './timeout';
export { invalidOption, positiveInteger, positiveNumber } from './options';
export { pepperFromEnv, projectIdFromEnv } from './env';
export type { RedisKeyStoreConstructor } from './env';
export { USAGE_OUTCOMES } from './usage-totals';
export { parseIsoDate, rankUsageKeys, resolveUsageRange, toUsagePoints } from './usage-series';
export type { UsagePoint, UsageRange } from './usage-series';
export { keyFromPaste, looksLikeApiKey, redactApiKeys } from './key-format';
export { KNOWN_SCOPES, scopesOutside, validateScopeVocabulary } from './scopes';
export { DEFAULT_KEYS_FILE, allowedScopesFromEnv } from './env';
export { connectionFailureReason } from './redis-env';
export { replaceRefused } from './stores/replacing';
