import { Command } from 'commander';
import { resolveUsageRange, toUsagePoints } from '@vectorcache/auth-core/adapter';
import { CliUsageError } from '../errors';
import { displayPrefix, formatDate, formatUsageTable } from '../format';
import { resolveKeyId } from '../key-input';
import { printJson } from '../store-access';
import type { Context } from '../store-access';
import { withKeys } from './shared';

/** `usage ID`: a key's requests per hour or day, by outcome. */
export function addUsage(program: Command, ctx: Context): void {
  program
    .command('usage')
    .description("Show a key's requests per hour or day, by outcome.")
    .argument('<id>', 'id of the key (key_...), as shown by list')
    .option('--from <date>', 'start, ISO-8601 (default: 24 hours or 30 days before --to)')
    .option('--to <date>', 'end, exclusive, ISO-8601 (default: the end of this hour or day)')
    .option('--granularity <unit>', 'hour (at most 31 days) or day (at most 400 days)', 'hour')
    .option('--json', 'print { keyId, granularity, from, to, points } as JSON')
    .action(
      async (
        value: string,
        options: { from?: string; to?: string; granularity: string; json?: boolean },
      ) => {
        const range = resolveUsageRange(options, ctx.now());
        const usage = await withKeys(ctx, async (keys, store) => {
          const { id } = await resolveKeyId(value, store, ctx.env);
          const record = await keys.get(id);
          if (!record) {
            throw new CliUsageError(
              `no key with id ${JSON.stringify(id)}; list the keys to find its id`,
            );
          }
          if (!store.readUsage) throw new CliUsageError('this key store keeps no usage analytics');
          const rows = await store.readUsage({
            projectId: record.projectId,
            keyId: record.id,
            from: new Date(range.from).toISOString(),
            to: new Date(range.to).toISOString(),
            granularity: range.granularity,
          });
          return { record, points: toUsagePoints(rows, range) };
        });
        const from = new Date(range.from).toISOString();
        const to = new Date(range.to).toISOString();
        if (options.json === true) {
          return printJson(ctx, {
            keyId: usage.record.id,
            granularity: range.granularity,
            from,
            to,
            points: usage.points,
          });
        }
        const total = usage.points.reduce((sum, point) => sum + point.requests, 0);
        const heading =
          `Usage of key ${usage.record.id} (${displayPrefix(usage.record.prefix)}) per ${range.granularity}, ` +
          `${formatDate(from)} to ${formatDate(to)}: `;
        // A table of zeros says nothing a sentence does not.
        ctx.out(
          total === 0
            ? `${heading}no requests in this range.\n`
            : `${heading}${total} requests.\n${formatUsageTable(usage.points)}`,
        );
      },
    );
}
