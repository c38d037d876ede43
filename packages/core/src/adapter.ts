/**
 * `@vectorcache/auth-core/adapter`: what framework adapters, the management API, the CLI and the
 * store packages are built from, and nothing else: every name here is used by one of them.
 * Applications call the main entry (`@vectorcache/auth-core`); a new adapter needs only
 * `createAuthHandler` and `createScopeGuard` (a Web-standard handler needs only the main entry's
 * `authenticateRequest`).
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
export type { ClientAddressSource, TrustProxy } from './http/client-address';
export { readWebAuthorization, toWebResponse } from './http/web-request';
export type { WebRequestLike, WebRequestSource } from './http/web-request';
export { createTokenExchange } from './jwt/token-exchange';
export type { HttpAnswer } from './types';
export { verifierStore, verifyNow } from './verify/core-verifier';
export type { VerifierStore } from './verify/core-verifier';
export { createKeyManagerFor } from './keys/key-manager';
export { invalidOption, numberOption } from './config/options';
export type { RedisKeyStoreConstructor } from './config/env';
export { isUsageOutcome } from './usage/usage-totals';
export { resolveRetention } from './usage/retention';
export { resolveUsageRange, toUsagePoints } from './usage/usage-series';
export type { UsagePoint, UsageRange } from './usage/usage-series';
