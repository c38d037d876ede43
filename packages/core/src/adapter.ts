/**
 * `@vectorcache/auth-core/adapter`: what framework adapters, the management API and the CLI are
 * built from. Applications call the main entry (`@vectorcache/auth-core`); a new adapter needs only
 * `createAuthHandler` and `createScopeGuard` (or `authenticateRequest` for a Web-standard runtime).
 */
export { createAuthHandler, createScopeGuard } from './http/auth-handler';
export type {
  AuthHandler,
  AuthOptions,
  AuthOutcome,
  AuthSource,
  FailureHook,
  FailureOverride,
} from './http/auth-handler';
export { readAuthorizationHeader } from './http/request-headers';
export type { RequestHeadersLike } from './http/request-headers';
export { clientAddress } from './http/client-address';
export type { ClientAddressSource, TrustProxy } from './http/client-address';
export { failureFor, insufficientScope, tooManyAttempts } from './http/answers';
export { authenticateRequest, readWebAuthorization, toWebResponse } from './http/web-request';
export type { WebRequestLike, WebRequestSource } from './http/web-request';
export { createTokenExchange } from './jwt/token-exchange';
export type { HttpAnswer } from './types';
export { verifierStore, verifyNow } from './verify/core-verifier';
export type { VerifierStore } from './verify/core-verifier';
export { createKeyManagerFor } from './keys/key-manager';
export { validateKeyName } from './keys/key-input';
export { publicRecord } from './keys/records';
export { replaceRefused } from './stores/replacing';
export { missingScopes } from './scopes';
export { parseDuration } from './config/duration';
export { withTimeout } from './timeout';
export { invalidOption, positiveInteger, positiveNumber } from './config/options';
export { pepperFromEnv, projectIdFromEnv, rotationPeriodFromEnv } from './config/env';
export type { RedisKeyStoreConstructor } from './config/env';
export { USAGE_OUTCOMES, isUsageOutcome } from './usage/usage-totals';
export { resolveRetention } from './usage/retention';
export {
  parseIsoDate,
  rankUsageKeys,
  resolveUsageRange,
  toUsagePoints,
} from './usage/usage-series';
export type { UsagePoint, UsageRange } from './usage/usage-series';
export { keyFromPaste, looksLikeApiKey, redactApiKeys } from './keys/key-format';
export { KNOWN_SCOPES, scopesOutside, validateScopeVocabulary } from './scopes';
export { DEFAULT_KEYS_FILE, allowedScopesFromEnv } from './config/env';
export { connectionFailureReason } from './config/redis-env';
export {
  resolveRotationPeriod,
  validateEnvironment,
  validateMeta,
  validateOwnerId,
} from './keys/key-metadata';
