import { VectorcacheAuthError } from '../errors';
import type { KeyRecordPatch, KeyStore, StoredKeyRecord } from '../types';

/**
 * Writes a rotation: the new record and the replaced record's patch in one atomic store
 * operation (`insert(record, replacing)`) when the store declares `replacesAtomically`. Another
 * store (written before `replacing` existed) gets two writes; when the second fails, the new
 * record is revoked at once, so no key whose plaintext was never shown stays usable, and the error
 * is passed on.
 */
export async function insertReplacing(
  store: KeyStore,
  record: StoredKeyRecord,
  patch: KeyRecordPatch,
  replacedId: string,
): Promise<void> {
  if (store.replacesAtomically === true) {
    await store.insert(record, { id: replacedId, patch });
    return;
  }
  await store.insert(record);
  try {
    if ((await store.update(replacedId, patch)) === null) throw replacedMissing(replacedId);
  } catch (err) {
    await store.update(record.id, { revokedAt: record.createdAt }).catch(() => undefined);
    throw err;
  }
}

function replacedMissing(id: string): VectorcacheAuthError {
  return new VectorcacheAuthError(
    'key_not_found',
    `No key with id ${JSON.stringify(id)} to replace; the new key was revoked.`,
  );
}
