import { Command } from 'commander';
import { parseDuration } from '../duration';
import { displayPrefix, formatIssuedKey, formatRecord } from '../format';
import { projectOption } from '../key-input';
import { printJson, storeLine } from '../store-access';
import type { Context } from '../store-access';
import { collect, metaOption } from '../labels';
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
    .option('--environment <name>', 'the environment the key is for (servers of another refuse it)')
    .option('--owner <id>', "your application's user or customer id the key belongs to")
    .option('--meta <name=value>', 'metadata (repeatable); values are strings', collect)
    .option('--json', 'print { "key", "record" } as JSON')
    .addHelpText(
      'after',
      `\nExample:\n  $ ${PROGRAM} create --project proj_1 --name backend --scopes cache:read,cache:write --expires-in 90d\n  $ ${PROGRAM} create --project proj_1 --name billing --environment production --owner u_42 --meta plan=pro`,
    )
    .action(
      async (options: {
        project: string;
        name: string;
        scopes?: string;
        expiresIn?: string;
        environment?: string;
        owner?: string;
        meta?: string[];
        json?: boolean;
      }) => {
        const projectId = projectOption(options.project);
        const name = requireText(options.name, '--name');
        const scopes = options.scopes === undefined ? undefined : scopesOption(ctx, options.scopes);
        const expiresAt =
          options.expiresIn === undefined
            ? null
            : new Date(ctx.now() + parseDuration(options.expiresIn, '--expires-in', false));
        const labels = {
          environment: options.environment,
          ownerId: options.owner,
          meta: options.meta === undefined ? undefined : metaOption(options.meta),
        };
        const issued = await withKeys(ctx, (keys) =>
          keys.create({ projectId, name, scopes, expiresAt, ...labels }),
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
