import { Command } from 'commander';
import { parseDuration } from '../duration';
import { displayPrefix, formatIssuedKey, formatRecord } from '../format';
import { resolveKeyId } from '../key-input';
import { printJson, storeLine } from '../store-access';
import type { Context } from '../store-access';
import { withKeys, issuedJson, statusLine } from './shared';

/** `rotate ID`: a new key for an old one, which ends after the grace period. */
export function addRotate(program: Command, ctx: Context): void {
  program
    .command('rotate')
    .description('Replace a key by a new one (same project, name, scopes).')
    .argument('<id>', 'id of the key to rotate (key_...) as shown by list, or the key itself')
    .option(
      '--grace <duration>',
      'keep the old key valid for a duration such as 15m or 24h (default: revoke it at once)',
    )
    .option('--json', 'print { "key", "record" } (the new key) as JSON')
    .action(async (value: string, options: { grace?: string; json?: boolean }) => {
      const gracePeriodMs =
        options.grace === undefined ? 0 : parseDuration(options.grace, '--grace', true);
      const { issued, old, id } = await withKeys(ctx, async (keys, store) => {
        const resolved = await resolveKeyId(value, store, ctx.env);
        const rotated = await keys.rotate(resolved.id, { gracePeriodMs });
        return { issued: rotated, old: await keys.get(resolved.id), id: resolved.id };
      });
      if (options.json === true) return printJson(ctx, issuedJson(issued));
      ctx.out(
        `Rotated key ${id}: the new key is ${issued.record.id} (${displayPrefix(issued.record.prefix)}).\n` +
          formatIssuedKey(issued.key) +
          formatRecord(issued.record) +
          (old ? `\nThe old key ${old.id} is ${statusLine(old)}.\n` : '') +
          storeLine(ctx),
      );
    });
}
