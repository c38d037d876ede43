import { execSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { FRAMEWORKS, type Framework } from './http/apps';
import { benchHttp, httpRows, httpSettings, httpTable } from './http/cost';
import { benchJwtVerify } from './jwt';
import { benchMemory } from './memory';
import { benchAnalyticsCost, benchCachedVerify } from './micro';
import { benchHitParts } from './parts';
import { benchPostgres } from './postgres';
import { benchRedis } from './redis';
import { benchSqlite } from './sqlite';
import type { BenchRow } from './stats';

const README = resolve(__dirname, 'README.md');
const START = '<!-- results:start -->';
const END = '<!-- results:end -->';
const SECTIONS = ['micro', 'memory', 'redis', 'postgres', 'sqlite', 'http'] as const;
type Section = (typeof SECTIONS)[number];

function machine(): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  let kernel = '';
  try {
    kernel = execSync('uname -sr', { encoding: 'utf8' }).trim();
  } catch {
    kernel = process.platform;
  }
  return `${cpus().length} x ${cpu}, ${kernel}, Node ${process.version}`;
}

/**
 * `pnpm bench` (everything, rewrites the README table) or `pnpm bench -- http fastify` (only the
 * named sections and frameworks; prints, writes nothing).
 */
async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const sections = SECTIONS.filter((s) => args.includes(s));
  const frameworks = FRAMEWORKS.filter((f) => args.includes(f));
  const full = sections.length === 0 && frameworks.length === 0;
  const run = (s: Section): boolean => sections.length === 0 || sections.includes(s);
  const started = Date.now();
  const load = loadavg()
    .map((n) => n.toFixed(1))
    .join(' ');
  const rows: BenchRow[] = [];
  let details = '';
  if (run('micro')) {
    rows.push(
      ...(await benchCachedVerify()),
      ...(await benchHitParts()),
      ...(await benchAnalyticsCost()),
      ...(await benchJwtVerify()),
    );
  }
  if (run('memory')) rows.push(...(await benchMemory()));
  if (run('redis'))
    rows.push(...(await benchRedis(args.includes('cluster') ? 'cluster' : undefined)));
  if (run('postgres')) rows.push(...(await benchPostgres()));
  if (run('sqlite')) rows.push(...(await benchSqlite()));
  if (run('http')) {
    const all = await benchHttp(
      frameworks.length > 0 ? frameworks : (FRAMEWORKS as readonly Framework[]),
    );
    rows.push(...httpRows(all));
    details = httpTable(all);
  }
  const seconds = Math.round((Date.now() - started) / 1000);
  // A `|` in a figure (Redis names subcommands `cluster|slots`) would end the table cell.
  const cell = (text: string): string => text.replaceAll('|', '\\|');
  const mark = (r: BenchRow): string => (r.met === undefined ? '-' : r.met ? 'met' : '**missed**');
  const notes = rows.filter((r) => r.met === false && r.note);
  const text = [
    `Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${machine()} ` +
      `(load average ${load} at start: the machine is shared), by \`pnpm bench\` in ${seconds} s. ` +
      `HTTP: ${httpSettings.rounds} rounds of ${httpSettings.windowMs / 1000} s per comparison, ` +
      `${httpSettings.connections} connections per autocannon, server CPU from ${httpSettings.cpuClock}.`,
    '',
    '| benchmark | measured | target | result |',
    '| --- | --- | --- | --- |',
    ...rows.map((r) => `| ${cell(r.name)} | ${cell(r.figure)} | ${cell(r.target)} | ${mark(r)} |`),
    ...(notes.length > 0
      ? [
          '',
          'Why the missed targets are missed, and what would close them:',
          '',
          ...notes.map((r) => `- **${r.name}**: ${r.note}`),
        ]
      : []),
    ...(details
      ? [
          '',
          'HTTP detail (server CPU per response, each variant side by side with the server in "vs"):',
          '',
          details,
        ]
      : []),
  ].join('\n');
  console.log(`\n${text}\n`);
  if (!full) {
    console.log('(partial run: bench/README.md left as it is)');
    return;
  }
  const readme = readFileSync(README, 'utf8');
  const before = readme.slice(0, readme.indexOf(START) + START.length);
  const after = readme.slice(readme.indexOf(END));
  const next = `${before}\n${text}\n${after}`;
  // Formatted as `pnpm format:check` wants it (Prettier pads the tables), so a run leaves it clean.
  const prettier = await import('prettier');
  const config = (await prettier.resolveConfig(README)) ?? {};
  writeFileSync(README, await prettier.format(next, { ...config, filepath: README }));
  console.log('written to bench/README.md');
}

// Measure the built packages, as users install them: without this tsconfig, tsx would follow
// the root tsconfig's `paths` to packages/*/src.
if (process.env.TSX_TSCONFIG_PATH === undefined) {
  const child = spawnSync(
    process.execPath,
    // --expose-gc: the memory part reads the heap after full collections.
    ['--expose-gc', '--import', 'tsx', __filename, ...process.argv.slice(2)],
    {
      stdio: 'inherit',
      env: { ...process.env, TSX_TSCONFIG_PATH: resolve(__dirname, 'tsconfig.json') },
    },
  );
  process.exit(child.status ?? 1);
} else {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
