import { VectorcacheAuthError } from '../errors';
import { startStoreRead } from './observe';
import { isUsableRecord } from '../keys/records';
import { withTimeout } from '../timeout';
import type { StoreHealth } from '../stores/store-health';
import type { AuthEvent, KeyStore, StoredKeyRecord } from '../types';

/** Reads one record by hash or by id; a corrupt record is a store failure (503). */
export type RecordReader = (
  what: 'findByHash' | 'get',
  key: string,
) => Promise<StoredKeyRecord | null>;

/** The verifier's store reads: bounded by the store timeout, reported as `store_read` events. */
export function createRecordReader(
  store: KeyStore,
  timeoutMs: number,
  onEvent: ((event: AuthEvent) => void) | undefined,
  emit: (event: AuthEvent) => void,
  health?: StoreHealth,
): RecordReader {
  return async function fetchRecord(what, key) {
    const done = onEvent ? startStoreRead(emit) : undefined;
    let value: StoredKeyRecord | null;
    try {
      value = await withTimeout(
        what === 'findByHash' ? store.findByHash(key) : store.get(key),
        timeoutMs,
        'a key lookup',
      );
    } catch (err) {
      done?.('error');
      health?.failed(err);
      throw err;
    }
    health?.ok();
    done?.(value === null ? 'not_found' : isUsableRecord(value) ? 'found' : 'error');
    if (value !== null && !isUsableRecord(value)) {
      throw new VectorcacheAuthError(
        'corrupt_record',
        'The key store returned a corrupt record; check the data the store holds.',
      );
    }
    return value;
  };
}
