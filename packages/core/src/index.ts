export {
  API_KEY_LENGTH,
  generateApiKey,
  hashApiKey,
  isApiKeyFormat,
  keyPrefix,
} from './key-format';
export {
  DEFAULT_SCOPES,
  KNOWN_SCOPES,
  isValidScope,
  missingScopes,
  scopeGranted,
  validateScopes,
} from './scopes';
export { VectorcacheAuthError } from './errors';
export type { VectorcacheAuthErrorCode } from './errors';
export {
  INVALID_KEY_DETAIL,
  RATE_LIMITED_DETAIL,
  UNAVAILABLE_DETAIL,
  WRONG_PROJECT_DETAIL,
  failureFor,
  insufficientScope,
  tooManyAttempts,
} from './answers';
export type { AttemptLimitOptions } from './attempt-limiter';
export { clientAddress } from './client-address';
export type { ClientAddressSource, TrustProxy } from './client-address';
export { MAX_AUTHORIZATION_LENGTH, parseAuthorization } from './parse';
export type { ParsedAuthorization } from './parse';
export { keyStatus, withStatus } from './records';
export { MemoryKeyStore } from './stores/memory-store';
export { SqliteKeyStore } from './stores/sqlite-store';
export type { SqliteKeyStoreOptions } from './stores/sqlite-store';
export { availableSqliteDrivers } from './stores/sqlite-driver';
export type { SqliteDriverName } from './stores/sqlite-driver';
export { formatKeyExport, parseKeyExport } from './stores/key-export';
export type { KeyExport } from './stores/key-export';
export { createKeyManager } from './key-manager';
export { createVerifier } from './verifier';
export { createTokenIssuer } from './token-issuer';
export { createTokenExchange, isJwtPrincipal } from './token-exchange';
export type { TokenExchangeAnswer } from './token-exchange';
export type { JwtAlgorithm, JwtOptions } from './jwt';
export type { IssuedToken, TokenIssuer, TokenIssuerOptions } from './token-issuer';
export {
  DEFAULT_KEYS_FILE,
  LEGACY_KEYS_FILE,
  createVerifierFromEnv,
  describeStore,
  debugLoggerFromEnv,
  pepperFromEnv,
  projectIdFromEnv,
  storeFromEnv,
} from './env';
export type { RedisKeyStoreConstructor } from './env';
export type { RedisEnvConnection } from './redis-env';
export { createAuthHandler, createScopeGuard } from './auth-handler';
export { readAuthorizationHeader } from './request-headers';
export type { RequestHeadersLike } from './request-headers';
export { authenticateRequest, readWebAuthorization, toWebResponse } from './web-request';
export type { WebRequestLike, WebRequestSource } from './web-request';
export type {
  AuthHandler,
  AuthOptions,
  AuthOutcome,
  AuthSource,
  FailureHook,
  FailureOverride,
} from './auth-handler';
export type {
  ApiKeyRecord,
  AuditAction,
  AuditEntry,
  AuthEvent,
  AuthFailure,
  AuthHeaders,
  AuthSuccess,
  CacheOptions,
  CreateKeyInput,
  IssuedKey,
  KeyManager,
  KeyManagerOptions,
  KeyRecordPatch,
  KeyStatus,
  KeyStore,
  Principal,
  RejectReason,
  ScopeMode,
  StoreChange,
  StoreChangeListener,
  StoredKeyRecord,
  UsageBucket,
  UsageEntry,
  UsageGranularity,
  UsageOptions,
  UsageOutcome,
  UsageQuery,
  UsageRetention,
  UsageRow,
  Verifier,
  VerifierOptions,
  VerifyRequirements,
  VerifyResult,
} from './types';
