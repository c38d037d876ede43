import { invalidOption } from './options';

type Env = Record<string, string | undefined>;

/** Where the environment points a Redis store: a URL, or the seed nodes of a Redis Cluster. */
export type RedisEnvConnection =
  { url: string } | { cluster: Array<{ host: string; port: number }> };

/**
 * `host:port,host:port` (an IPv6 host in brackets, `[::1]:7000`) as seed nodes. A bad entry is
 * quoted in the error, unless it holds credentials (`user:password@...`), which are never echoed.
 */
export function parseClusterNodes(text: string): Array<{ host: string; port: number }> {
  const nodes: Array<{ host: string; port: number }> = [];
  for (const entry of text.split(',').map((part) => part.trim())) {
    if (entry === '') continue;
    const match =
      /^\[([0-9a-fA-F:.]+)\]:(\d{1,5})$/.exec(entry) ?? /^([^\s:/@[\]]+):(\d{1,5})$/.exec(entry);
    const port = Number(match?.[2]);
    if (!match || port < 1 || port > 65535) {
      const shown = entry.includes('@') ? 'an entry with credentials in it' : `entry "${entry}"`;
      throw invalidOption(
        `VECTORCACHE_REDIS_CLUSTER ${shown} is not host:port; give seed nodes as host:port,host:port (e.g. 10.0.0.1:6379,10.0.0.2:6379), without a scheme or credentials.`,
      );
    }
    nodes.push({ host: match[1]!, port });
  }
  if (nodes.length === 0) {
    throw invalidOption(
      'VECTORCACHE_REDIS_CLUSTER is set but names no node; give host:port,host:port.',
    );
  }
  return nodes;
}

/**
 * The Redis the environment asks for: `VECTORCACHE_REDIS_URL` (standalone) or
 * `VECTORCACHE_REDIS_CLUSTER` (a cluster's seed nodes), or `null` when neither is set.
 */
export function redisConnectionFromEnv(env: Env): RedisEnvConnection | null {
  const url = env.VECTORCACHE_REDIS_URL?.trim();
  const cluster = env.VECTORCACHE_REDIS_CLUSTER?.trim();
  if (url && cluster) {
    throw invalidOption(
      'Both VECTORCACHE_REDIS_URL and VECTORCACHE_REDIS_CLUSTER are set; set only one (the URL for a standalone Redis, the node list for a Redis Cluster).',
    );
  }
  if (cluster) return { cluster: parseClusterNodes(cluster) };
  return url ? { url } : null;
}
