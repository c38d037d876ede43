// Writes dist/<entry>.d.mts for each entry named on the command line: the ESM build's types,
// re-exporting the declarations tsc emitted for the CommonJS build (dist/<entry>.d.ts). Run from a
// package folder after `tsc --emitDeclarationOnly`.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const entries = process.argv.slice(2);
if (entries.length === 0) {
  console.error('usage: node scripts/esm-types.mjs <entry>... (e.g. index)');
  process.exit(2);
}
for (const entry of entries) {
  const cjsTypes = join('dist', `${entry}.d.ts`);
  if (!existsSync(cjsTypes)) {
    console.error(
      `${cjsTypes} is missing: run \`tsc -p tsconfig.json --emitDeclarationOnly\` first.`,
    );
    process.exit(1);
  }
  writeFileSync(join('dist', `${entry}.d.mts`), `export * from './${entry}.js';\n`);
}
