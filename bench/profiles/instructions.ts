/**
 * Instructions (callgrind `Ir`) a server executes per request, per framework and variant: the
 * measure of the HTTP cost benchmark without the machine's noise. Each server runs alone under
 * `valgrind --tool=callgrind` (JIT included); an uninstrumented client in this process sends
 * `BENCH_IR_WARM` requests, the counters are zeroed (`callgrind_control -z`), it sends
 * `BENCH_IR_REQUESTS` more one at a time on one keep-alive connection, and the counters are
 * dumped. Added Ir per request = variant - baseline.
 *
 * `node --import tsx bench/profiles/instructions.ts [express|koa|fastify|hono ...] [variant ...]`
 * (run with `TSX_TSCONFIG_PATH=bench/tsconfig.json` to measure the built packages; `pnpm run
 * build` first). Writes bench/profiles/instructions.txt when every framework is run.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { FRAMEWORKS, type Framework, type Variant } from '../http/apps';
import { readyLine, sendRequests } from './client';

const WARM = Number(process.env.BENCH_IR_WARM ?? 3000);
const REQUESTS = Number(process.env.BENCH_IR_REQUESTS ?? 2000);
const DEFAULT_VARIANTS: Variant[] = ['baseline', 'noop', 'handwritten', 'vectorcache'];

/**
 * The server bundled into one file (loading tsx and hundreds of modules under callgrind takes
 * minutes; one bundle takes seconds), with the built packages, as the HTTP benchmark runs them.
 */
async function bundleServer(dir: string): Promise<string> {
  const esbuild = createRequire(require.resolve('tsx'))('esbuild') as {
    build(options: Record<string, unknown>): Promise<unknown>;
  };
  const outfile = join(dir, 'server.mjs');
  await esbuild.build({
    entryPoints: [resolve(__dirname, 'callgrind-server.ts')],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    outfile,
    logLevel: 'error',
    tsconfig: resolve(__dirname, '..', 'tsconfig.json'),
    banner: {
      js: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);",
    },
  });
  return outfile;
}

let bundle = process.env.BENCH_IR_BUNDLE ?? '';

/** Ir per request of one server, measured over REQUESTS requests after WARM. */
async function measure(framework: Framework, variant: Variant): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'vc-callgrind-'));
  const child = spawn(
    'valgrind',
    [
      '--tool=callgrind',
      `--callgrind-out-file=${join(dir, 'out.%p')}`,
      '--dump-instr=no',
      // One dump per thread: only the main thread's count is used (V8's compiler and GC helper
      // threads run when they are scheduled, which varies far more between runs than a request).
      '--separate-threads=yes',
      process.execPath,
      bundle,
      framework,
      variant,
    ],
    // No usage flush during the count (see `authOptions` in apps.ts): a timer's cost, not a request's.
    { stdio: ['ignore', 'pipe', 'pipe'], env: { BENCH_USAGE_FLUSH_MS: '600000', ...process.env } },
  );
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise((done) => child.on('exit', done));
  const { port, authorization } = await readyLine(child.stdout, exited).catch((err: Error) => {
    throw new Error(`${err.message}: ${stderr.slice(-2000)}`);
  });
  try {
    await sendRequests(port, authorization, WARM);
    execFileSync('callgrind_control', ['-z', String(child.pid)], { stdio: 'ignore' });
    await sendRequests(port, authorization, REQUESTS);
    execFileSync('callgrind_control', ['-d', String(child.pid)], { stdio: 'ignore' });
  } finally {
    child.kill('SIGKILL');
  }
  // The server is killed, so the only dumps are those `callgrind_control -d` asked for; the
  // main thread's ends in -01.
  let total = 0;
  for (const file of readdirSync(dir).filter((f) => f.endsWith('-01'))) {
    const m = /^(?:summary|totals): (\d+)/m.exec(readFileSync(join(dir, file), 'utf8'));
    if (m) total += Number(m[1]);
  }
  // BENCH_IR_KEEP=<dir>: keep the dump there, for `callgrind_annotate`.
  const keep = process.env.BENCH_IR_KEEP;
  if (keep) {
    for (const file of readdirSync(dir)) {
      writeFileSync(join(keep, `${framework}-${variant}-${file}`), readFileSync(join(dir, file)));
    }
  }
  rmSync(dir, { recursive: true, force: true });
  if (total === 0) throw new Error(`no callgrind dump for ${framework} ${variant}`);
  return total / REQUESTS;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const frameworks = FRAMEWORKS.filter((f) => args.includes(f));
  const variantArgs = args.filter((a) => !(FRAMEWORKS as readonly string[]).includes(a));
  const variants = variantArgs.length > 0 ? (variantArgs as Variant[]) : DEFAULT_VARIANTS;
  const lines: string[] = [
    `Instructions (callgrind Ir) per request, server only: ${WARM} warm-up requests, then ${REQUESTS} counted, one at a time on one keep-alive connection. Node ${process.version}.`,
    '',
    '| framework | variant | Ir/request | added vs baseline |',
    '| --- | --- | --- | --- |',
  ];
  const work = mkdtempSync(join(tmpdir(), 'vc-callgrind-bundle-'));
  // BENCH_IR_BUNDLE=<file>: a server bundled before (e.g. from another build, to compare).
  if (!bundle) bundle = await bundleServer(work);
  for (const framework of frameworks.length > 0 ? frameworks : FRAMEWORKS) {
    let base: number | undefined;
    for (const variant of variants.includes('baseline')
      ? variants
      : ['baseline' as Variant, ...variants]) {
      const ir = await measure(framework, variant);
      if (variant === 'baseline') base = ir;
      const added =
        base === undefined ? '' : `${ir - base >= 0 ? '+' : ''}${Math.round(ir - base)}`;
      const line = `| ${framework} | ${variant} | ${Math.round(ir)} | ${added} |`;
      console.log(line);
      lines.push(line);
    }
  }
  rmSync(work, { recursive: true, force: true });
  if (frameworks.length === 0 && !process.env.BENCH_IR_BUNDLE) {
    writeFileSync(resolve(__dirname, 'instructions.txt'), `${lines.join('\n')}\n`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
