import type { AuthFailure } from './types';

/** Machine-readable codes of {@link VectorcacheAuthError}, so `switch (err.code)` narrows. */
export type VectorcacheAuthErrorCode =
  | 'invalid_scope'
  | 'insufficient_scope'
  | 'invalid_option'
  | 'invalid_input'
  | 'key_not_found'
  | 'key_not_active'
  | 'duplicate_key'
  | 'store_unavailable'
  | 'store_timeout'
  | 'corrupt_record'
  | 'store_unreadable';

/**
 * The one error class of the package: programming mistakes (bad options, invalid scopes) and store
 * failures. An invalid key presented by a client is never an exception: it is a `VerifyResult`.
 * Messages never contain a plaintext key.
 */
export class VectorcacheAuthError extends Error {
  /** What went wrong, as a stable code. */
  readonly code: VectorcacheAuthErrorCode;
  /** The HTTP answer a server sends for this error, when it maps to one (e.g. the 403 of `insufficient_scope`). */
  readonly answer?: AuthFailure;

  constructor(
    code: VectorcacheAuthErrorCode,
    message: string,
    options?: { cause?: unknown; answer?: AuthFailure },
  ) {
    super(message, options);
    this.name = 'VectorcacheAuthError';
    this.code = code;
    if (options?.answer) this.answer = options.answer;
  }
}
