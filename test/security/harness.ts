/**
 * Shared parts of the attack tests: the server child process, a bounded load generator on
 * node:http keep-alive agents (127.0.0.1 only), per-second tables and the plaintext-key scanner.
 */
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  PLAINTEXT_KEY,
  REPO_ROOT,
  startProcess,
  tsxArgs,
  type StartedProcess,
} from '../../test-utils/processes';

export const AUTH_SERVER = join(__dirname, 'fixtures/auth-server.ts');

/** Every plaintext key in `text` (deduplicated). */
export function plaintextKeysIn(text: string): string[] {
  return [...new Set(text.match(PLAINTEXT_KEY) ?? [])];
}

/** A debug line of core's `VECTORCACHE_DEBUG` logger. */
export const DEBUG_LINE =
  /^vectorcache auth: (verified|rejected|feed_lost|feed_restored)( [a-z_]+=\S+)*$/;

/** A server child process. */
export interface ServerProcess extends StartedProcess {
  port: number;
}

/** Starts `node --import tsx <script>` and resolves once it prints `listening <port>`. */
export async function startServer(
  script: string,
  env: NodeJS.ProcessEnv,
  timeoutMs = 30_000,
): Promise<ServerProcess> {
  const started = await startProcess(process.execPath, tsxArgs(script), {
    cwd: REPO_ROOT,
    env,
    ready: /listening (\d+)/,
    timeoutMs,
  });
  return { ...started, port: Number(started.ready[1]) };
}

/** One request the load generator should send. */
export interface Shot {
  kind: string;
  path: string;
  authorization?: string;
  /** Sent as `X-Forwarded-For` (the fixture trusts one proxy when it limits attempts). */
  forwardedFor?: string;
}

/** What came back for one request. */
export interface Sample {
  kind: string;
  /** Milliseconds since the run started, when the request was sent. */
  start: number;
  /** Client-side latency in ms (status 0: no answer within the client timeout, or an error). */
  latency: number;
  status: number;
  /** The server's own measurement (`x-elapsed-ms`), NaN when absent. */
  serverMs: number;
  body: string;
}

/** A closed-loop client: `next()` picks each request; null or the deadline ends it. */
export interface Worker {
  next: () => Shot | null;
  /** Pause between requests (ms), to bound the rate of a probe. @default 0 */
  pauseMs?: number;
}

/** A bounded load run in progress. */
export interface LoadRun {
  /** ms since the run started (the clock of every Sample.start). */
  now: () => number;
  samples: Sample[];
  /** Resolves once every worker stopped (deadline, count bound, or `next()` returning null). */
  done: Promise<void>;
}

function sendOne(agent: Agent, port: number, shot: Shot, timeoutMs: number) {
  return new Promise<{ status: number; serverMs: number; body: string }>((done) => {
    const headers: Record<string, string> = {};
    if (shot.authorization !== undefined) headers.authorization = shot.authorization;
    if (shot.forwardedFor !== undefined) headers['x-forwarded-for'] = shot.forwardedFor;
    const req = request(
      { host: '127.0.0.1', port, path: shot.path, method: 'GET', agent, headers },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () =>
          done({
            status: res.statusCode ?? 0,
            serverMs: Number(res.headers['x-elapsed-ms'] ?? NaN),
            body,
          }),
        );
        res.on('error', () => done({ status: 0, serverMs: NaN, body }));
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error('client timeout')));
    req.on('error', () => done({ status: 0, serverMs: NaN, body: '' }));
    req.end();
  });
}

/**
 * Runs `workers` against 127.0.0.1:`port` until `durationMs` passes or `maxRequests` were sent,
 * each worker on its own keep-alive socket, recording every answer.
 */
export function startLoad(
  port: number,
  workers: readonly Worker[],
  {
    durationMs,
    maxRequests,
    clientTimeoutMs = 5000,
  }: {
    durationMs: number;
    maxRequests: number;
    clientTimeoutMs?: number;
  },
): LoadRun {
  const t0 = performance.now();
  const now = (): number => performance.now() - t0;
  const samples: Sample[] = [];
  let sent = 0;
  const run = async (worker: Worker): Promise<void> => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      while (now() < durationMs && sent < maxRequests) {
        const shot = worker.next();
        if (shot === null) return;
        sent++;
        const start = now();
        const answer = await sendOne(agent, port, shot, clientTimeoutMs);
        samples.push({ kind: shot.kind, start, latency: now() - start, ...answer });
        if (worker.pauseMs) await new Promise((r) => setTimeout(r, worker.pauseMs));
      }
    } finally {
      agent.destroy();
    }
  };
  return { now, samples, done: Promise.all(workers.map(run)).then(() => undefined) };
}

/** The q-quantile (0..1) of `values`, NaN when empty. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** A compact table of status counts (and latencies) per second, with the events of each second. */
export function perSecondTable(
  samples: readonly Sample[],
  events: ReadonlyArray<{ at: number; what: string }>,
): string {
  const statuses = [...new Set(samples.map((s) => s.status))].sort((a, b) => a - b);
  const seconds = Math.ceil(Math.max(0, maxOf(samples.map((s) => s.start))) / 1000);
  const pad = (v: string | number, n: number): string => String(v).padStart(n);
  const head = [
    ' s',
    ...statuses.map((s) => pad(s === 0 ? 'err' : s, 6)),
    ' p99ms',
    ' maxms',
    ' events',
  ];
  const rows = [head.join(' ')];
  for (let s = 0; s < seconds; s++) {
    const inSecond = samples.filter((x) => x.start >= s * 1000 && x.start < (s + 1) * 1000);
    const latencies = inSecond.map((x) => x.latency);
    const what = events
      .filter((e) => e.at >= s * 1000 && e.at < (s + 1) * 1000)
      .map((e) => `${e.what}@${(e.at / 1000).toFixed(2)}`)
      .join(', ');
    rows.push(
      [
        pad(s, 2),
        ...statuses.map((st) => pad(inSecond.filter((x) => x.status === st).length, 6)),
        pad(quantile(latencies, 0.99).toFixed(0), 6),
        pad(Math.max(0, maxOf(latencies)).toFixed(0), 6),
        ` ${what}`,
      ].join(' '),
    );
  }
  return rows.join('\n');
}

export { waitFor } from '../../test-utils/wait';

/** Sleeps `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * The largest value (`-Infinity` for none). Not `Math.max(...values)`: a run collects hundreds of
 * thousands of samples, more arguments than a call can take (RangeError: Maximum call stack size
 * exceeded).
 */
export function maxOf(values: readonly number[]): number {
  return values.reduce((max, value) => (value > max ? value : max), -Infinity);
}

/** The smallest value (`Infinity` for none); see {@link maxOf}. */
export function minOf(values: readonly number[]): number {
  return values.reduce((min, value) => (value < min ? value : min), Infinity);
}
