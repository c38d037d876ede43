import { Command } from 'commander';
import { parseDuration } from '../duration';
import { displayPrefix, formatIssuedKey, formatRecord } from '../format';
import { projectOption } from '../key-input';
import { printJson, storeLine } from '../store-access';
import type { Context } from '../store-access';
import { issuedJson, PROGRAM, requireText, scopesOption, withKeys } from './shared';

/** `create`: a new key, printed once, and its record. */
export function addCreate(program: Command, ctx: Context): void {
  program
    .command('create')
    .description('Create a key (printed once, never stored).')
    .requiredOption('--project <id>', 'project the key belongs to')
    .requiredOption('--name <name>', 'a name to recognise the key by (e.g. "ci", "backend")')
    .option('--scopes <list>', 'comma-separated scopes (default: cache:*,analytics:read)')
    .option('--expires-in <duration>', 'expire after a duration such as 90s, 15m, 24h or 30d')
    .option('--json', 'print { "key", "record" } as JSON')
    .addHelpText(
      'after',
      `\nExample:\n  $ ${PROGRAM} create --project proj_1 --name backend --scopes cache:read,cache:write --expires-in 90d`,
    )
    .action(
      async (options: {
        project: string;
        name: string;
        scopes?: string;
        expiresIn?: string;
        json?: boolean;
      }) => {
        const projectId = projectOption(options.project);
        const name = requireText(options.name, '--name');
        const scopes = options.scopes === undefined ? undefined : scopesOption(ctx, options.scopes);
        const expiresAt =
          options.expiresIn === undefined
            ? null
            : new Date(ctx.now() + parseDuration(options.expiresIn, '--expires-in', false));
        const issued = await withKeys(ctx, (keys) =>
          keys.create({ projectId, name, scopes, expiresAt }),
        );
        if (options.json === true) return printJson(ctx, issuedJson(issued));
        ctx.out(
          `Created key ${issued.record.id} (${displayPrefix(issued.record.prefix)}) in project ${issued.record.projectId}.\n` +
            formatIssuedKey(issued.key) +
            formatRecord(issued.record) +
            storeLine(ctx),
        );
      },
    );
}
