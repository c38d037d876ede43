/**
 * Every public type of `@vectorcache/auth-core`, re-exported from the modules that define them,
 * so adapters and stores import from one place: key records and the `KeyStore` interface
 * (`store-types.ts`), usage analytics (`usage-types.ts`), principals and answers
 * (`answer-types.ts`), the verifier (`verifier-types.ts`) and the key manager
 * (`key-manager-types.ts`).
 */
export type {
  ApiKeyRecord,
  AuditAction,
  AuditEntry,
  KeyMeta,
  KeyRecordPatch,
  KeyStatus,
  KeyStore,
  StoreChange,
  StoreChangeListener,
  StoredKeyRecord,
} from './store-types';
export type {
  UsageBucket,
  UsageEntry,
  UsageGranularity,
  UsageOutcome,
  UsageQuery,
  UsageRetention,
  UsageRow,
} from './usage/usage-types';
export type {
  AuthFailure,
  AuthHeaders,
  AuthSuccess,
  HttpAnswer,
  Principal,
  RejectReason,
  ScopeMode,
  VerifyResult,
} from './http/answer-types';
export type {
  AuthEvent,
  AuthEventType,
  CacheOptions,
  StoreReadResult,
  UsageOptions,
  Verifier,
  VerifierOptions,
  VerifierStats,
  VerifyRequirements,
} from './verify/verifier-types';
export type {
  AuditActor,
  CreateKeyInput,
  IssuedKey,
  KeyActionOptions,
  KeyListFilter,
  KeyManager,
  KeyManagerOptions,
  PublicKeyRecord,
  UpdateKeyInput,
} from './keys/key-manager-types';
export type { StoreFaultCause } from './verify/verifier-types';
