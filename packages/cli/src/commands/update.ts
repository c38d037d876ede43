import { Command } from 'commander';
import { publicRecord } from '@vectorcache/auth-core';
import { CliUsageError } from '../errors';
import { displayPrefix, formatRecord } from '../format';
import { resolveKeyId } from '../key-input';
import { printJson } from '../store-access';
import type { Context } from '../store-access';
import { PROGRAM, scopesOption, withKeys } from './shared';

/** `update ID`: a key's name or scopes changed. */
export function addUpdate(program: Command, ctx: Context): void {
  program
    .command('update')
    .description('Rename a key or replace its scopes; running servers drop wider scopes at once.')
    .argument('<id>', 'id of the key (key_...), as shown by list')
    .option('--name <name>', 'the new name')
    .option('--scopes <list>', 'the new comma-separated scopes (replace the old ones)')
    .option('--json', 'print the record as JSON')
    .addHelpText(
      'after',
      `\nExample:\n  $ ${PROGRAM} update key_0123456789abcdef01234567 --scopes cache:read`,
    )
    .action(async (value: string, options: { name?: string; scopes?: string; json?: boolean }) => {
      if (options.name === undefined && options.scopes === undefined) {
        throw new CliUsageError('give --name and/or --scopes to change');
      }
      const changes = {
        name: options.name,
        scopes: options.scopes === undefined ? undefined : scopesOption(ctx, options.scopes),
      };
      const record = await withKeys(ctx, async (keys, store) =>
        keys.update((await resolveKeyId(value, store, ctx.env)).id, changes),
      );
      if (options.json === true) return printJson(ctx, publicRecord(record));
      ctx.out(
        `Updated key ${record.id} (${displayPrefix(record.prefix)}).\n` + formatRecord(record),
      );
    });
}
