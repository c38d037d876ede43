import { Agent, request } from 'node:http';

/** One GET / with `authorization` on `agent`'s keep-alive connections; resolves to its status. */
function get(agent: Agent, port: number, authorization: string): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/', agent, headers: { authorization } },
      (res) => {
        res.resume();
        res.on('end', () => resolvePromise(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** Sends `n` requests over `connections` keep-alive connections; any non-200 answer throws. */
export async function sendRequests(
  port: number,
  authorization: string,
  n: number,
  connections = 1,
): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  let left = n;
  const worker = async (): Promise<void> => {
    while (left-- > 0) {
      const status = await get(agent, port, authorization);
      if (status !== 200) throw new Error(`status ${status}`);
    }
  };
  try {
    await Promise.all(Array.from({ length: connections }, worker));
  } finally {
    agent.destroy();
  }
}

/** The `ready <port> <authorization>` line a profiled server prints, parsed. */
export function readyLine(
  stdout: NodeJS.ReadableStream,
  exited: Promise<unknown>,
): Promise<{ port: number; authorization: string }> {
  return new Promise((resolvePromise, reject) => {
    let out = '';
    stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.startsWith('ready '));
      if (!line) return;
      const [, port, ...auth] = line.split(' ');
      resolvePromise({ port: Number(port), authorization: auth.join(' ') });
    });
    void exited.then(() => reject(new Error('the server exited before it was ready')));
  });
}
