import { redactApiKeys } from '@vectorcache/auth-core';
import type { KeyMeta, UpdateKeyInput } from '@vectorcache/auth-core';
import { CliUsageError } from './errors';

/* What a key is for, as options give it: --environment, --owner, --meta k=v (repeatable). */

/** Commander's collector for a repeatable option (`--meta a=1 --meta b=2`). */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/**
 * `--meta k=v` entries as metadata: each splits at its first `=`; values stay strings. The key
 * manager then checks the whole (flat, at most 2,048 bytes, no key-shaped value).
 */
export function metaOption(entries: readonly string[]): KeyMeta {
  const meta: Record<string, string> = {};
  for (const entry of entries) {
    const at = entry.indexOf('=');
    if (at <= 0) {
      throw new CliUsageError(
        `invalid --meta ${JSON.stringify(redactApiKeys(entry))}: give name=value, e.g. --meta plan=pro`,
      );
    }
    meta[entry.slice(0, at)] = entry.slice(at + 1);
  }
  return meta;
}

/** The options of `update` that change what a key is for; `--no-x` gives `false`: clear it. */
export interface LabelOptions {
  environment?: string | false;
  owner?: string | false;
  meta?: string[] | false;
}

/** The changes `update` asks for: `--no-environment`, `--no-owner` and `--no-meta` clear. */
export function labelChanges(
  options: LabelOptions,
): Pick<UpdateKeyInput, 'environment' | 'ownerId' | 'meta'> {
  const changes: Pick<UpdateKeyInput, 'environment' | 'ownerId' | 'meta'> = {};
  if (options.environment !== undefined) {
    changes.environment = options.environment === false ? null : options.environment;
  }
  if (options.owner !== undefined) changes.ownerId = options.owner === false ? null : options.owner;
  if (options.meta !== undefined) {
    changes.meta = options.meta === false ? null : metaOption(options.meta);
  }
  return changes;
}
