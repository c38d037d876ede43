import { invalidOption, numberOption, resolveRetention } from '@vectorcache/auth-core/adapter';
import type { ClusterNode, RedisConnection, RedisKeyStoreOptions } from './types';

/** Options with every default filled in. */
export interface ResolvedOptions {
  keyPrefix: string;
  commandTimeoutMs: number;
  connectTimeoutMs: number;
  heartbeatIntervalMs: number;
  heartbeatTimeoutMs: number;
  closeClient: boolean;
  idCacheMax: number;
  onError: (error: Error) => void;
  /** Days hourly and daily analytics points are kept. */
  hourlyDays: number;
  dailyDays: number;
  auditLimit: number;
  /** Replicas that must acknowledge a write making a key less valid; `undefined`: by topology. */
  durableReplicas: number | undefined;
  durableWaitMs: number;
}

/** A positive number option of the store, or its default. */
function positive(value: unknown, name: string, fallback: number, unit = 'milliseconds'): number {
  return numberOption(value, fallback, `RedisKeyStore option "${name}"`, 'positive', unit);
}

/** `host:port` of a seed node, for messages (never anything else the caller put in it). */
function nodeText(node: unknown): string {
  // ioredis also takes seeds as "host:port", "redis://user:password@host:port" or a port number.
  if (typeof node === 'string') return node.replace(/^.*@/, '').replace(/^rediss?:\/\//, '');
  if (typeof node === 'number') return `localhost:${node}`;
  if (typeof node !== 'object' || node === null) return String(node);
  const { host, port } = node as { host?: unknown; port?: unknown };
  return `${String(host)}:${String(port)}`;
}

function validateNodes(nodes: unknown): ClusterNode[] {
  if (!Array.isArray(nodes) || nodes.length === 0) {
    throw invalidOption(
      'RedisKeyStore "cluster" must be a non-empty array of seed nodes, e.g. [{ host: "127.0.0.1", port: 7000 }].',
    );
  }
  for (const node of nodes) {
    const { host, port } = (node ?? {}) as { host?: unknown; port?: unknown };
    if (
      typeof host !== 'string' ||
      host.trim() === '' ||
      typeof port !== 'number' ||
      !Number.isInteger(port) ||
      port < 1 ||
      port > 65535
    ) {
      throw invalidOption(
        `RedisKeyStore "cluster" node ${nodeText(node)} is not { host, port } with a port from 1 to 65535.`,
      );
    }
  }
  return nodes as ClusterNode[];
}

/** Checks the constructor arguments once and fills in the defaults. */
export function validateOptions(
  connection: RedisConnection,
  options: RedisKeyStoreOptions,
): ResolvedOptions {
  const given = typeof connection === 'object' && connection !== null ? connection : {};
  const kinds = ['url', 'cluster', 'client'].filter((kind) => kind in given);
  if (kinds.length !== 1) {
    throw invalidOption(
      'RedisKeyStore needs exactly one of { url: "redis://host:6379" }, { cluster: [{ host, port }, ...] } or { client: ioredisClient }.',
    );
  }
  if (
    'url' in connection &&
    (typeof connection.url !== 'string' || !/^rediss?:\/\//.test(connection.url))
  ) {
    throw invalidOption(
      'RedisKeyStore "url" must be a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379.',
    );
  }
  if ('cluster' in connection) validateNodes(connection.cluster);
  if (
    'client' in connection &&
    (typeof connection.client !== 'object' || connection.client === null)
  ) {
    throw invalidOption('RedisKeyStore "client" must be an ioredis client.');
  }
  const keyPrefix =
    options.keyPrefix === undefined || options.keyPrefix === '' ? 'vc:' : options.keyPrefix;
  if (typeof keyPrefix !== 'string') {
    throw invalidOption('RedisKeyStore option "keyPrefix" must be a string, e.g. "vc:".');
  }
  if (options.onError !== undefined && typeof options.onError !== 'function') {
    throw invalidOption('RedisKeyStore option "onError" must be a function.');
  }
  const retention = options.retention ?? {};
  if (typeof retention !== 'object' || retention === null) {
    throw invalidOption('RedisKeyStore option "retention" must be { hourlyDays?, dailyDays? }.');
  }
  return {
    keyPrefix,
    commandTimeoutMs: positive(options.commandTimeoutMs, 'commandTimeoutMs', 500),
    durableReplicas:
      options.durableReplicas === undefined || options.durableReplicas === 0
        ? options.durableReplicas
        : numberOption(
            options.durableReplicas,
            1,
            'RedisKeyStore option "durableReplicas"',
            'integer',
            'replicas',
          ),
    durableWaitMs: positive(options.durableWaitMs, 'durableWaitMs', 250),
    connectTimeoutMs: positive(options.connectTimeoutMs, 'connectTimeoutMs', 1000),
    heartbeatIntervalMs: positive(options.heartbeatIntervalMs, 'heartbeatIntervalMs', 250),
    heartbeatTimeoutMs: positive(options.heartbeatTimeoutMs, 'heartbeatTimeoutMs', 1000),
    closeClient: options.closeClient === true,
    idCacheMax: numberOption(
      options.idCacheMax,
      10_000,
      'RedisKeyStore option "idCacheMax"',
      'integer',
      'entries',
    ),
    onError: options.onError ?? (() => undefined),
    ...resolveRetention(retention),
    auditLimit: numberOption(
      options.auditLimit,
      10_000,
      'RedisKeyStore option "auditLimit"',
      'integer',
      'entries',
    ),
  };
}

/**
 * Where a connection points, as `host:port` (several for a cluster), for messages and logs: never
 * a user name or password, whatever the URL or the options hold.
 */
export function describeConnection(connection: RedisConnection): string {
  if ('cluster' in connection) return `Redis Cluster ${connection.cluster.map(nodeText).join(',')}`;
  if ('url' in connection) {
    try {
      const url = new URL(connection.url);
      return `Redis ${url.hostname}:${url.port || 6379}`;
    } catch {
      return 'Redis (unparseable-URL)';
    }
  }
  const client = connection.client as {
    options?: { host?: string; port?: number };
    startupNodes?: unknown[];
  };
  if (Array.isArray(client.startupNodes)) {
    return `Redis Cluster ${client.startupNodes.map(nodeText).join(',')}`;
  }
  return `Redis ${client.options?.host ?? 'localhost'}:${client.options?.port ?? 6379}`;
}
