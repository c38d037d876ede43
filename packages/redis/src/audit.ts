import { VectorcacheAuthError } from '@vectorcache/auth-core';
import type { AuditAction, AuditEntry } from '@vectorcache/auth-core';

const ACTIONS: ReadonlySet<string> = new Set<AuditAction>([
  'key.created',
  'key.updated',
  'key.revoked',
  'key.rotated',
]);

function isText(value: unknown): value is string {
  return typeof value === 'string';
}

/** The entry's own fields only (so nothing else a caller attached is ever stored), or `null`. */
function auditFields(value: unknown): AuditEntry | null {
  if (typeof value !== 'object' || value === null) return null;
  const { at, projectId, action, actor, target } = value as Record<string, unknown>;
  if (!isText(at) || Number.isNaN(Date.parse(at))) return null;
  if (!isText(projectId) || projectId === '' || !isText(action) || !ACTIONS.has(action))
    return null;
  const t = (target ?? {}) as Record<string, unknown>;
  if (!isText(t.keyId) || !isText(t.prefix) || !isText(t.name)) return null;
  let who: AuditEntry['actor'] = null;
  if (actor !== null) {
    const a = (actor ?? {}) as Record<string, unknown>;
    if (!isText(a.keyId) || !isText(a.prefix)) return null;
    who = { keyId: a.keyId, prefix: a.prefix };
  }
  return {
    at,
    projectId,
    action: action as AuditAction,
    actor: who,
    target: { keyId: t.keyId, prefix: t.prefix, name: t.name },
  };
}

/** An audit entry as stored (JSON of its own fields); rejects an entry that is not one. */
export function encodeAudit(entry: AuditEntry): string {
  const fields = auditFields(entry);
  if (fields === null) {
    throw new VectorcacheAuthError(
      'invalid_input',
      'appendAudit needs { at (ISO-8601), projectId, action (key.created, key.updated, key.revoked or key.rotated), actor ({ keyId, prefix } or null), target { keyId, prefix, name } }.',
    );
  }
  return JSON.stringify(fields);
}

/** A stored audit entry, or `null` for one that does not parse (skipped, never fatal). */
export function decodeAudit(text: string): AuditEntry | null {
  try {
    return auditFields(JSON.parse(text));
  } catch {
    return null;
  }
}
