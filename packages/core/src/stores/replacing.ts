import { VectorcacheAuthError } from '../errors';
import type { StoredKeyRecord } from '../types';

/** Why a rotation's replaced record may not be replaced: gone, rotated already, or revoked. */
export type ReplaceRefusal = 'missing' | 'rotated' | 'revoked';

/**
 * The error every store throws when a rotation finds its replaced record no longer replaceable,
 * checked inside the store's atomic write: of concurrent rotations of one key exactly one wins,
 * and a rotation racing a revocation never leaves a live successor of a revoked key.
 */
export function replaceRefused(id: string, why: ReplaceRefusal): VectorcacheAuthError {
  const quoted = JSON.stringify(id);
  switch (why) {
    case 'missing':
      return new VectorcacheAuthError(
        'key_not_found',
        `No key with id ${quoted} to replace; nothing was written.`,
      );
    case 'rotated':
      return new VectorcacheAuthError(
        'key_rotated',
        `Key ${quoted} was already rotated; nothing was written. Rotate its successor instead.`,
      );
    case 'revoked':
      return new VectorcacheAuthError(
        'key_not_active',
        `Key ${quoted} is already revoked; nothing was written. Create a new key instead of rotating it.`,
      );
  }
}

/** Why `current` (the replaced record as the store holds it now) may not be replaced, if so. */
export function replaceRefusal(
  current: Pick<StoredKeyRecord, 'revokedAt' | 'rotatedTo'> | null,
): ReplaceRefusal | null {
  if (current === null) return 'missing';
  if (current.rotatedTo !== undefined && current.rotatedTo !== null) return 'rotated';
  if (current.revokedAt !== null) return 'revoked';
  return null;
}
