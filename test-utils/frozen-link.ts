import { connect, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/** A TCP proxy whose link can be frozen: sockets stay open, nothing passes until it thaws. */
export interface FreezableLink {
  /** `redis://127.0.0.1:<port>` of the proxy's side. */
  url: string;
  /** The proxy's port on 127.0.0.1 (for a URL of another scheme). */
  port: number;
  freeze(): void;
  thaw(): void;
  /**
   * Cuts the link as a server that went down would: every open connection is reset and new
   * ones are closed at once, until `thaw()`.
   */
  sever(): void;
  close(): Promise<void>;
}

/**
 * Starts a proxy to `target` (host:port) on a free local port. Frozen, it holds every byte in
 * both directions (a partition that closes nothing, as a hung switch or a paused VM would).
 * @example const link = await freezableLink('127.0.0.1', 6379); link.freeze();
 */
export async function freezableLink(host: string, port: number): Promise<FreezableLink> {
  let frozen = false;
  let severed = false;
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
    if (severed) {
      client.destroy();
      return;
    }
    const upstream = connect({ host, port });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    }
    relay(client, upstream);
    relay(upstream, client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: linkPort } = server.address() as AddressInfo;
  return {
    url: `redis://127.0.0.1:${linkPort}`,
    port: linkPort,
    freeze: () => {
      frozen = true;
    },
    thaw: () => {
      frozen = false;
      severed = false;
      for (const write of held.splice(0)) write();
    },
    sever: () => {
      severed = true;
      held.length = 0;
      for (const socket of sockets) socket.resetAndDestroy();
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
