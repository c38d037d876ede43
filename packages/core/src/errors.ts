import type { AuthFailure } from './http/answer-types';

/** Machine-readable codes of {@link VectorcacheAuthError}, so `switch (err.code)` narrows. */
export type VectorcacheAuthErrorCode =
  | 'invalid_scope'
  | 'insufficient_scope'
  | 'invalid_option'
  | 'invalid_input'
  | 'key_not_found'
  | 'key_not_active'
  | 'key_rotated'
  | 'not_durable'
  | 'duplicate_key'
  | 'store_unavailable'
  | 'store_timeout'
  | 'corrupt_record'
  | 'store_unreadable';

/**
 * The one error class of the package: programming mistakes (bad options, invalid scopes) and store
 * failures. An invalid key presented by a client is never an exception: it is a `VerifyResult`.
 * Messages never contain a plaintext key. `instanceof` holds across two loaded copies of core (an
 * app that both `require`s and `import`s it): the check reads a declared field, not the class.
 */
export class VectorcacheAuthError extends Error {
  /** True for an error made by any loaded copy of this class (or a subclass of this copy's). */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (this !== VectorcacheAuthError)
      return Function.prototype[Symbol.hasInstance].call(this, value);
    return (
      typeof value === 'object' &&
      value !== null &&
      (value as Partial<VectorcacheAuthError>).isVectorcacheAuthError === true
    );
  }

  /** True on every error of this class, whichever loaded copy of core made it (not enumerable). */
  declare readonly isVectorcacheAuthError: true;

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
    Object.defineProperty(this, 'isVectorcacheAuthError', { value: true });
    this.code = code;
    if (options?.answer) this.answer = options.answer;
  }
}
