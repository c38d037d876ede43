import { Command } from 'commander';
import { publicRecord } from '@vectorcache/auth-core';
import { CliUsageError } from '../errors';
import { displayPrefix, formatRecord } from '../format';
import { resolveKeyId } from '../key-input';
import { printJson } from '../store-access';
import type { Context } from '../store-access';
import { collect, labelChanges, type LabelOptions } from '../labels';
import { PROGRAM, scopesOption, withKeys } from './shared';

/** `update ID`: a key's name or scopes changed. */
export function addUpdate(program: Command, ctx: Context): void {
  program
    .command('update')
    .description(
      'Rename a key, replace its scopes, environment, owner or metadata; running servers drop wider scopes at once.',
    )
    .argument('<id>', 'id of the key (key_...), as shown by list')
    .option('--name <name>', 'the new name')
    .option('--scopes <list>', 'the new comma-separated scopes (replace the old ones)')
    .option('--environment <name>', 'the environment the key is for')
    .option('--no-environment', 'make the key good for any environment')
    .option('--owner <id>', 'the owner id')
    .option('--no-owner', 'clear the owner id')
    .option(
      '--meta <name=value>',
      'the new metadata, replacing the old whole (repeatable)',
      collect,
    )
    .option('--no-meta', 'clear the metadata')
    .option('--json', 'print the record as JSON')
    .addHelpText(
      'after',
      `\nExample:\n  $ ${PROGRAM} update key_0123456789abcdef01234567 --scopes cache:read`,
    )
    .action(
      async (
        value: string,
        options: { name?: string; scopes?: string; json?: boolean } & LabelOptions,
      ) => {
        const labels = labelChanges(options);
        if (
          options.name === undefined &&
          options.scopes === undefined &&
          Object.keys(labels).length === 0
        ) {
          throw new CliUsageError(
            'give --name, --scopes, --environment, --owner or --meta to change',
          );
        }
        const changes = {
          name: options.name,
          scopes: options.scopes === undefined ? undefined : scopesOption(ctx, options.scopes),
          ...labels,
        };
        const record = await withKeys(ctx, async (keys, store) =>
          keys.update((await resolveKeyId(value, store, ctx.env)).id, changes),
        );
        if (options.json === true) return printJson(ctx, publicRecord(record));
        ctx.out(
          `Updated key ${record.id} (${displayPrefix(record.prefix)}).\n` + formatRecord(record),
        );
      },
    );
}
