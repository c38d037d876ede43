/**
 * CPU profiles (V8's sampling profiler, as `node --cpu-prof`, started after the warm-up) of each framework's server with vectorcacheAuth and a cached
 * key, summarised as text: the top self-time functions and the share of each part (our packages,
 * the framework, Node's HTTP, GC). The server runs alone; this process sends `BENCH_PROF_REQUESTS`
 * requests over 16 keep-alive connections after `BENCH_PROF_WARM`.
 *
 * `TSX_TSCONFIG_PATH=bench/tsconfig.json node --import tsx bench/profiles/cpu-profiles.ts
 * [express|koa|fastify|hono ...] [variant]` (`pnpm run build` first). Writes
 * bench/profiles/cpu-<framework>-<variant>.txt.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { FRAMEWORKS, VARIANTS, type Framework, type Variant } from '../http/apps';
import { readyLine, sendRequests } from './client';

const WARM = Number(process.env.BENCH_PROF_WARM ?? 20_000);
const REQUESTS = Number(process.env.BENCH_PROF_REQUESTS ?? 100_000);
const CONNECTIONS = 16;

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

/** Which part of the stack a profiled function belongs to. */
function partOf(url: string, name: string): string {
  if (url.includes('/packages/core/')) return 'vectorcache core';
  if (/\/packages\/(express|koa|fastify|hono)\//.test(url)) return 'vectorcache adapter';
  if (name === '(garbage collector)') return 'GC';
  if (name === '(idle)' || name === '(program)') return name;
  if (url.startsWith('node:')) return 'Node (http, net, streams)';
  if (url.includes('node_modules')) return 'framework and its dependencies';
  if (name === 'writev' || name === 'writeUtf8String' || name === 'writeBuffer') {
    return 'socket writes (the writev system call)';
  }
  if (url === '') return 'native (crypto hash, V8 builtins)';
  return 'other';
}

function summarise(file: string, title: string): string {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as { nodes: ProfileNode[] };
  const byFunction = new Map<string, number>();
  const byPart = new Map<string, number>();
  let total = 0;
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (hits === 0) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') continue;
    total += hits;
    const short = url
      .replace(/^.*node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?/, '')
      .replace(/^.*\/packages\//, 'packages/');
    const key = `${functionName || '(anonymous)'} ${short}${url ? `:${lineNumber + 1}` : ''}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + hits);
    const part = partOf(url, functionName);
    byPart.set(part, (byPart.get(part) ?? 0) + hits);
  }
  const pct = (n: number): string => `${((n / total) * 100).toFixed(1)} %`;
  const top = [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, 30);
  const parts = [...byPart].sort((a, b) => b[1] - a[1]);
  return [
    title,
    `${total} samples (idle excluded), ${WARM} warm-up + ${REQUESTS} requests over ${CONNECTIONS} keep-alive connections`,
    '',
    'Self time by part:',
    ...parts.map(([p, n]) => `  ${pct(n).padStart(7)}  ${p}`),
    '',
    'Top 30 functions by self time:',
    ...top.map(([f, n]) => `  ${pct(n).padStart(7)}  ${f}`),
    '',
  ].join('\n');
}

async function profile(framework: Framework, variant: Variant): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'vc-cpuprof-'));
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', resolve(__dirname, 'callgrind-server.ts'), framework, variant],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, BENCH_CPU_PROFILE: join(dir, 'server.cpuprofile') },
    },
  );
  const exited = new Promise((done) => child.on('exit', done));
  const { port, authorization } = await readyLine(child.stdout, exited);
  await sendRequests(port, authorization, WARM, CONNECTIONS);
  child.kill('SIGUSR2'); // starts the profiler: warm-up and start-up are left out
  await new Promise((done) => setTimeout(done, 200));
  await sendRequests(port, authorization, REQUESTS, CONNECTIONS);
  child.kill('SIGTERM'); // the server writes the profile and exits
  await exited;
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no profile written for ${framework} ${variant}`);
  const text = summarise(
    join(dir, file),
    `CPU profile: ${framework}, ${variant} (node ${process.version})`,
  );
  rmSync(dir, { recursive: true, force: true });
  return text;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const frameworks = FRAMEWORKS.filter((f) => args.includes(f));
  const variant = (VARIANTS.find((v) => args.includes(v)) ?? 'vectorcache') as Variant;
  for (const framework of frameworks.length > 0 ? frameworks : FRAMEWORKS) {
    const text = await profile(framework, variant);
    writeFileSync(resolve(__dirname, `cpu-${framework}-${variant}.txt`), text);
    console.log(text);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
