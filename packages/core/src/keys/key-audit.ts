import type {
  AuditAction,
  AuditActor,
  KeyManagerOptions,
  KeyStore,
  StoredKeyRecord,
} from '../types';

/** Appends one action to the audit list. */
export type AuditWriter = (
  action: AuditAction,
  record: StoredKeyRecord,
  actor: AuditActor,
) => Promise<void>;

/**
 * The key manager's audit writes: nothing when the store keeps no audit list; a failed write
 * does not undo the action that took place, and is handed to `onAuditError`.
 */
export function createAuditWriter(
  store: KeyStore,
  now: () => number,
  onAuditError: KeyManagerOptions['onAuditError'],
): AuditWriter {
  return async function audit(action, record, actor) {
    if (!store.appendAudit) return;
    try {
      await store.appendAudit({
        at: new Date(now()).toISOString(),
        projectId: record.projectId,
        action,
        actor,
        target: { keyId: record.id, prefix: record.prefix, name: record.name },
      });
    } catch (err) {
      try {
        onAuditError?.(err);
      } catch {
        // the hook's failure is its own
      }
    }
  };
}
