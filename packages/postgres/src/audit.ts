import { VectorcacheAuthError } from '@vectorcache/auth-core';
import type { AuditAction, AuditEntry } from '@vectorcache/auth-core';

const ACTIONS: readonly AuditAction[] = [
  'key.created',
  'key.updated',
  'key.revoked',
  'key.rotated',
];

type Fields = Record<string, unknown>;

const strings = (object: unknown, names: readonly string[]): Fields | null => {
  if (typeof object !== 'object' || object === null) return null;
  const fields = object as Fields;
  return names.every((name) => typeof fields[name] === 'string') ? fields : null;
};

/**
 * An audit entry rebuilt from its own fields only (so nothing else a caller attached is ever
 * stored, and a stored row is read back exactly shaped), or `null` when it is not one.
 */
export function auditEntryOf(value: unknown): AuditEntry | null {
  const entry = strings(value, ['at', 'projectId', 'action']);
  const target = strings(entry?.target, ['keyId', 'prefix', 'name']);
  if (entry === null || target === null) return null;
  const action = entry.action as AuditAction;
  if (!ACTIONS.includes(action) || entry.projectId === '') return null;
  if (Number.isNaN(Date.parse(entry.at as string))) return null;
  let actor: AuditEntry['actor'] = null;
  if (entry.actor !== null) {
    const by = strings(entry.actor, ['keyId', 'prefix']);
    if (by === null) return null;
    actor = { keyId: by.keyId as string, prefix: by.prefix as string };
  }
  return {
    at: entry.at as string,
    projectId: entry.projectId as string,
    action,
    actor,
    target: {
      keyId: target.keyId as string,
      prefix: target.prefix as string,
      name: target.name as string,
    },
  };
}

/** The stored text of an entry; rejects an entry that is not one. */
export function auditText(entry: AuditEntry): string {
  const own = auditEntryOf(entry);
  if (own === null) {
    throw new VectorcacheAuthError(
      'invalid_input',
      `appendAudit needs { at (ISO-8601), projectId, action (${ACTIONS.join(', ')}), actor ({ keyId, prefix } or null), target { keyId, prefix, name } }.`,
    );
  }
  return JSON.stringify(own);
}

/** A stored entry, or `null` for a row that does not parse (skipped, never fatal). */
export function auditFromText(text: unknown): AuditEntry | null {
  try {
    return typeof text === 'string' ? auditEntryOf(JSON.parse(text)) : null;
  } catch {
    return null;
  }
}
