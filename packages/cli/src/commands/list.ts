import { Command } from 'commander';
import { publicRecord } from '@vectorcache/auth-core';
import { formatTable } from '../format';
import { projectOption } from '../key-input';
import { printJson, storeLine } from '../store-access';
import type { Context } from '../store-access';
import { withKeys } from './shared';

/** `list`: the records of a project (or of all), as a table or JSON. */
export function addList(program: Command, ctx: Context): void {
  program
    .command('list')
    .description('List keys with their status and usage.')
    .option('--project <id>', 'only the keys of this project')
    .option('--environment <name>', 'only the keys of this environment')
    .option('--owner <id>', 'only the keys of this owner')
    .option('--json', 'print an array of records as JSON')
    .action(
      async (options: {
        project?: string;
        environment?: string;
        owner?: string;
        json?: boolean;
      }) => {
        const projectFilter =
          options.project === undefined ? undefined : { projectId: projectOption(options.project) };
        const labels = { environment: options.environment, ownerId: options.owner };
        const filter = projectFilter && { ...projectFilter, ...labels };
        const { records, projects } = await withKeys(ctx, async (keys) => {
          const found = await keys.list({ ...filter, ...labels });
          // A project with no key may be a typo: name the projects there are (human output only).
          const others =
            found.length === 0 && filter && options.json !== true ? await keys.list() : [];
          return { records: found, projects: [...new Set(others.map((r) => r.projectId))].sort() };
        });
        if (options.json === true) return printJson(ctx, records.map(publicRecord));
        if (records.length === 0) {
          ctx.out(
            (filter ? `No keys in project ${filter.projectId}.\n` : 'No keys.\n') +
              projectsLine(projects) +
              storeLine(ctx),
          );
          return;
        }
        ctx.out(formatTable(records) + storeLine(ctx));
      },
    );
}

/** `Projects with keys: a, b.` (at most 20 named), or nothing when there are none. */
function projectsLine(projects: string[]): string {
  if (projects.length === 0) return '';
  const shown = projects.slice(0, 20).join(', ');
  const more = projects.length > 20 ? ` and ${projects.length - 20} more` : '';
  return `Projects with keys: ${shown}${more}.\n`;
}
