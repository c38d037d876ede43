import { connect, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/** A TCP proxy whose link can be frozen: sockets stay open, nothing passes until it thaws. */
export interface FreezableLink {
  /** `redis://127.0.0.1:<port>` of the proxy's side. */
  url: string;
  freeze(): void;
  thaw(): void;
  close(): Promise<void>;
}

/**
 * Starts a proxy to `target` (host:port) on a free local port. Frozen, it holds every byte in
 * both directions (a partition that closes nothing, as a hung switch or a paused VM would).
 * @example const link = await freezableLink('127.0.0.1', 6379); link.freeze();
 */
export async function freezableLink(host: string, port: number): Promise<FreezableLink> {
  let frozen = false;
  const held: Array<() => void> = [];
  const sockets = new Set<Socket>();
  const relay = (from: Socket, to: Socket): void => {
    from.on('data', (chunk: Buffer) => {
      if (frozen) held.push(() => to.write(chunk));
      else to.write(chunk);
    });
    from.on('close', () => to.destroy());
    from.on('error', () => to.destroy());
  };
  const server: Server = createServer((client) => {
    const upstream = connect({ host, port });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    }
    relay(client, upstream);
    relay(upstream, client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `redis://127.0.0.1:${(server.address() as AddressInfo).port}`,
    freeze: () => {
      frozen = true;
    },
    thaw: () => {
      frozen = false;
      for (const write of held.splice(0)) write();
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
