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
export { parseDuration } from './duration';
export { withTimeout } from './timeout';
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
export { keyStatus, publicRecord, withStatus } from './records';
export { MemoryKeyStore } from './stores/memory-store';
export type { MemoryKeyStoreOptions } from './stores/memory-store';
export { DEFAULT_AUDIT_LIMIT, DEFAULT_RETENTION } from './stores/usage-table';
export { SqliteKeyStore } from './stores/sqlite-store';
export type { SqliteKeyStoreOptions } from './stores/sqlite-store';
export { availableSqliteDrivers } from './stores/sqlite-driver';
export type { SqliteDriverName } from './stores/sqlite-driver';
export { formatKeyExport, parseKeyExport } from './stores/key-export';
export type { KeyExport } from './stores/key-export';
export {
  MAX_NAME_LENGTH,
  createKeyManager,
  createKeyManagerFor,
  validateKeyName,
} from './key-manager';
export { createVerifier } from './verifier';
export { isDecisionEvent } from './observe';
export { USAGE_OUTCOMES } from './usage';
export { parseIsoDate, rankUsageKeys, resolveUsageRange, toUsagePoints } from './usage-series';
export type { UsagePoint, UsageRange } from './usage-series';
export { verifierStore } from './verifier-settings';
export type { VerifierStore } from './verifier-settings';
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
  AuditActor,
  AuditEntry,
  AuthEvent,
  AuthEventType,
  AuthFailure,
  AuthHeaders,
  AuthSuccess,
  CacheOptions,
  CreateKeyInput,
  IssuedKey,
  KeyActionOptions,
  KeyManager,
  KeyManagerOptions,
  KeyRecordPatch,
  KeyStatus,
  KeyStore,
  Principal,
  PublicKeyRecord,
  RejectReason,
  ScopeMode,
  StoreChange,
  StoreChangeListener,
  StoreReadResult,
  StoredKeyRecord,
  UpdateKeyInput,
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
  VerifierStats,
  VerifyRequirements,
  VerifyResult,
} from './types';
