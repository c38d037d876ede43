/**
 * An autocannon driver in its own process (pinned to the load core by the harness). Commands
 * over IPC: `run` starts a fixed-duration load, `count` answers the responses received so far
 * (read by the harness at the start and end of each measuring window), and `done` reports the
 * run's summary.
 */
import autocannon from 'autocannon';

interface RunCommand {
  type: 'run';
  url: string;
  authorization: string;
  connections: number;
  pipelining: number;
  durationSec: number;
}

let responses = 0;
let bad = 0;

process.on('message', (message: RunCommand | { type: 'count'; id: number } | { type: 'stop' }) => {
  if (message.type === 'stop') process.exit(0);
  if (message.type === 'count') {
    process.send!({ type: 'count', id: message.id, responses, bad });
    return;
  }
  responses = 0;
  bad = 0;
  const instance = autocannon(
    {
      url: message.url,
      headers: { authorization: message.authorization },
      connections: message.connections,
      pipelining: message.pipelining,
      duration: message.durationSec,
    },
    (err, result) => {
      if (err) {
        process.send!({ type: 'done', error: String(err) });
        return;
      }
      process.send!({
        type: 'done',
        rps: result.requests.average,
        p99: result.latency.p99,
        errors: result.errors + result.timeouts,
        non2xx: result.non2xx,
      });
    },
  );
  instance.on('response', (_client: unknown, statusCode: number) => {
    responses++;
    if (statusCode !== 200) bad++;
  });
});
process.on('disconnect', () => process.exit(0));
process.send!({ type: 'ready' });
