/**
 * A benchmark server for `instructions.ts`: the same apps as the HTTP cost benchmark, started in
 * this process (which runs under callgrind, or profiled by `cpu-profiles.ts`) with a 5 ms timer so `callgrind_control` commands are
 * picked up while the server waits for requests. Prints `ready <port> <authorization>`.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { FRAMEWORKS, VARIANTS, startServer, type Framework, type Variant } from '../http/apps';

async function main(): Promise<void> {
  const [framework, variant] = process.argv.slice(2) as [Framework, Variant];
  if (!FRAMEWORKS.includes(framework) || !VARIANTS.includes(variant)) {
    throw new Error(`usage: callgrind-server.ts <${FRAMEWORKS.join('|')}> <${VARIANTS.join('|')}>`);
  }
  const server = await startServer(framework, variant);
  setInterval(() => undefined, 5);
  // BENCH_CPU_PROFILE=<file>: SIGUSR2 starts the CPU profiler (after the warm-up), SIGTERM
  // writes the profile there and exits, so start-up and warm-up are left out.
  const profileFile = process.env.BENCH_CPU_PROFILE;
  const session = new Session();
  session.connect();
  process.on('SIGUSR2', () => {
    session.post('Profiler.enable', () =>
      // 50 µs between samples (the default is 1 ms): a request is a few tens of µs.
      session.post('Profiler.setSamplingInterval', { interval: 50 }, () =>
        session.post('Profiler.start'),
      ),
    );
  });
  process.on('SIGTERM', () => {
    if (!profileFile) process.exit(0);
    session.post('Profiler.stop', (err, result) => {
      if (!err) writeFileSync(profileFile, JSON.stringify(result.profile));
      process.exit(0);
    });
  });
  process.stdout.write(`ready ${server.port} ${server.authorization}\n`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
