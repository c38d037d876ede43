import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { formatKeyExport, parseKeyExport } from '@vectorcache/auth-core';
import { CliUsageError } from './errors';
import { projectOption } from './key-input';
import { printJson, storeLine, withStore, type Context } from './store-access';

const PROGRAM = 'vectorcache-keys';

/** What `export` does not carry, in the words both commands print. */
const LEFT_BEHIND =
  'Usage analytics (requests per hour and outcome) and the audit list are not exported: they stay in the store they were recorded in.';

/** `export`: every record (hashes only, never a key) as JSON on stdout, for `import` elsewhere. */
export function addExport(program: Command, ctx: Context): void {
  program
    .command('export')
    .description(
      'Print every key record as JSON, for `import` into another store. Unlike every other output it carries the hashes (never a key): the store you import into needs them to verify the keys.',
    )
    .option('--project <id>', 'only the keys of this project')
    // Accepted like on every other command; the output is JSON already, with or without it.
    .option('--json', 'the same JSON (export always prints JSON)')
    .addHelpText(
      'after',
      `\nExample (from the embedded database to Redis):\n  $ ${PROGRAM} export > keys-export.json\n  $ VECTORCACHE_REDIS_URL=redis://127.0.0.1:6379 ${PROGRAM} import keys-export.json`,
    )
    .action(async (options: { project?: string }) => {
      const filter =
        options.project === undefined ? undefined : { projectId: projectOption(options.project) };
      const records = await withStore(ctx, (store) => store.list(filter));
      ctx.out(formatKeyExport(records));
      // On stderr: stdout is the JSON. What an export leaves behind, said where it is made.
      ctx.warn(
        `Exported ${records.length} key record${records.length === 1 ? '' : 's'} (hashes, request counts and last-used times; never a key). ${LEFT_BEHIND}`,
      );
    });
}

/** `import FILE`: adds the records of an export (or an earlier version's keys.json). */
export function addImport(program: Command, ctx: Context): void {
  program
    .command('import')
    .description(
      "Add the key records of an export (or of an earlier version's keys.json) to the store; records already present are left as they are, so running it again is safe.",
    )
    .argument('<file>', 'a file written by `export`')
    .option('--json', 'print { "imported", "alreadyPresent" } (counts) as JSON')
    .action(async (file: string, options: { json?: boolean }) => {
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (err) {
        throw new CliUsageError(
          `cannot read ${JSON.stringify(file)}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
        );
      }
      const records = parseKeyExport(text, file);
      const counts = await withStore(ctx, async (store) => {
        let imported = 0;
        let alreadyPresent = 0;
        for (const record of records) {
          try {
            await store.insert(record);
            imported++;
          } catch (err) {
            // By code, not class: a store package may carry its own copy of core.
            if ((err as { code?: unknown } | null)?.code !== 'duplicate_key') throw err;
            alreadyPresent++;
          }
        }
        return { imported, alreadyPresent };
      });
      if (options.json === true) return printJson(ctx, counts);
      ctx.out(
        `Imported ${counts.imported} key record${counts.imported === 1 ? '' : 's'} from ${file}` +
          (counts.alreadyPresent > 0
            ? `; ${counts.alreadyPresent} already present (same id or hash) and left as they are.\n`
            : '.\n') +
          `${LEFT_BEHIND}\n` +
          storeLine(ctx),
      );
    });
}
