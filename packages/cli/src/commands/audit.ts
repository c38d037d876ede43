import { Command } from 'commander';
import type { AuditEntry } from '@vectorcache/auth-core';
import { CliUsageError } from '../errors';
import { formatAuditTable } from '../format';
import { projectOption } from '../key-input';
import { printJson } from '../store-access';
import type { Context } from '../store-access';
import { withKeys } from './shared';

/** `audit`: the management actions of a project, newest first. */
export function addAudit(program: Command, ctx: Context): void {
  program
    .command('audit')
    .description('Show management actions (create, update, revoke, rotate), newest first.')
    .option('--project <id>', 'only the actions of this project')
    .option('--limit <n>', 'at most this many entries per project (1 to 10000)', '100')
    .option('--json', 'print an array of entries as JSON')
    .action(async (options: { project?: string; limit: string; json?: boolean }) => {
      const limit = /^\d{1,5}$/.test(options.limit) ? Number(options.limit) : NaN;
      if (!(limit >= 1 && limit <= 10_000)) {
        throw new CliUsageError(
          `invalid --limit ${JSON.stringify(options.limit)}: give a whole number from 1 to 10000`,
        );
      }
      const project = options.project === undefined ? undefined : projectOption(options.project);
      const entries = await withKeys(ctx, async (_keys, store) => {
        if (!store.listAudit) throw new CliUsageError('this key store keeps no audit list');
        const projects =
          project !== undefined
            ? [project]
            : [...new Set((await store.list()).map((record) => record.projectId))];
        const lists = await Promise.all(
          projects.map((projectId) => store.listAudit!({ projectId, limit })),
        );
        return lists
          .flat()
          .sort((a: AuditEntry, b: AuditEntry) => b.at.localeCompare(a.at))
          .slice(0, project === undefined ? limit : undefined);
      });
      if (options.json === true) return printJson(ctx, entries);
      if (entries.length === 0) {
        ctx.out(project ? `No audit entries in project ${project}.\n` : 'No audit entries.\n');
        return;
      }
      ctx.out(formatAuditTable(entries));
    });
}
