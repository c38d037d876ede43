import { execSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import { benchCachedVerify, type BenchRow } from './micro';

const README = resolve(__dirname, 'README.md');
const START = '<!-- results:start -->';
const END = '<!-- results:end -->';

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

async function main(): Promise<void> {
  const started = Date.now();
  const rows: BenchRow[] = [];
  rows.push(...(await benchCachedVerify()));
  const table = [
    `Measured ${new Date().toISOString().slice(0, 10)} on ${machine()} by \`pnpm bench\` (${Math.round((Date.now() - started) / 1000)} s).`,
    '',
    '| benchmark | measured | target | met |',
    '| --- | --- | --- | --- |',
    ...rows.map((r) => `| ${r.name} | ${r.figure} | ${r.target} | ${r.met ? 'yes' : 'NO'} |`),
  ].join('\n');
  const text = readFileSync(README, 'utf8');
  const before = text.slice(0, text.indexOf(START) + START.length);
  const after = text.slice(text.indexOf(END));
  writeFileSync(README, `${before}\n${table}\n${after}`);
  console.log(`\n${table}\n\nwritten to bench/README.md`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
