import { Command } from 'commander';
import { publicRecord } from '@vectorcache/auth-core';
import { displayPrefix, formatRecord } from '../format';
import { resolveKeyId } from '../key-input';
import { printJson, storeLine } from '../store-access';
import type { Context } from '../store-access';
import { foundByKey, PROGRAM, withKeys } from './shared';

/** `revoke ID`: a key refused from now on, on every server sharing the store. */
export function addRevoke(program: Command, ctx: Context): void {
  program
    .command('revoke')
    .description('Revoke a key; running servers refuse it at once.')
    .argument('<id>', 'id of the key (key_...) as shown by list, or the leaked key itself (vc_...)')
    .option('--json', 'print the record as JSON')
    .addHelpText(
      'after',
      `\nGiven the key itself, ${PROGRAM} hashes it, finds its record by hash and revokes that; the\nkey is sent nowhere and never printed.`,
    )
    .action(async (value: string, options: { json?: boolean }) => {
      const { before, record, byKey } = await withKeys(ctx, async (keys, store) => {
        const { id, byKey: found } = await resolveKeyId(value, store, ctx.env);
        const current = await keys.get(id);
        return { before: current, record: await keys.revoke(id), byKey: found };
      });
      if (options.json === true) return printJson(ctx, publicRecord(record));
      const already = before !== null && before.revokedAt !== null;
      ctx.out(
        (already
          ? `Key ${record.id} (${displayPrefix(record.prefix)}) was already revoked; nothing changed.\n`
          : `Revoked key ${record.id} (${displayPrefix(record.prefix)}).\n`) +
          foundByKey(byKey) +
          formatRecord(record) +
          storeLine(ctx),
      );
    });
}
