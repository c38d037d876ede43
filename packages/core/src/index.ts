// What applications call. What adapters, the management API and the CLI are built from lives at
// `@vectorcache/auth-core/adapter` (src/adapter.ts).
export {
  generateApiKey,
  hashApiKey,
  isApiKeyFormat,
  keyPrefix,
  looksLikeApiKey,
  redactApiKeys,
} from './keys/key-format';
export { validateKeyName } from './keys/key-input';
export { publicRecord } from './keys/records';
export {
  DEFAULT_SCOPES,
  KNOWN_SCOPES,
  missingScopes,
  scopeGranted,
  scopesOutside,
  validateScopes,
} from './scopes';
export { VectorcacheAuthError } from './errors';
export type { VectorcacheAuthErrorCode } from './errors';
export type { AttemptLimitOptions } from './verify/verifier-types';
export { MemoryKeyStore } from './stores/memory-store';
export type { MemoryKeyStoreOptions } from './stores/memory-store';
export { SqliteKeyStore } from './stores/sqlite-store';
export type { SqliteKeyStoreOptions } from './stores/sqlite-options';
export type { SqliteDriverName } from './stores/sqlite-driver';
export { formatKeyExport, parseKeyExport } from './stores/key-export';
export type { KeyExport } from './stores/key-export';
export { createKeyManager } from './keys/key-manager';
export { createVerifier } from './verify/verifier';
export { isDecisionEvent } from './verify/observe';
export { createTokenIssuer } from './jwt/token-issuer';
export type { IssuedToken, TokenIssuer, TokenIssuerOptions } from './jwt/token-issuer';
export type { JwtAlgorithm, JwtOptions } from './jwt/jwt-keys';
export {
  DEFAULT_KEYS_FILE,
  allowedScopesFromEnv,
  createVerifierFromEnv,
  describeStore,
  pepperFromEnv,
  projectIdFromEnv,
  rotationPeriodFromEnv,
  storeFromEnv,
} from './config/env';
export {
  resolveRotationPeriod,
  validateEnvironment,
  validateMeta,
  validateOwnerId,
} from './keys/key-metadata';
export { replaceRefused } from './stores/replacing';
export { connectionFailureReason } from './config/connection-failure';
export { parseDuration } from './config/duration';
export { withTimeout } from './timeout';
export { USAGE_OUTCOMES } from './usage/usage-totals';
export { authenticateRequest } from './http/web-request';
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
  KeyListFilter,
  KeyManager,
  KeyManagerOptions,
  KeyMeta,
  KeyRecordPatch,
  KeyStatus,
  KeyStore,
  Principal,
  PublicKeyRecord,
  RejectReason,
  ScopeMode,
  StoreChange,
  StoreChangeListener,
  StoreFaultCause,
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
