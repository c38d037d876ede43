import { inspect } from 'node:util';
import { VectorcacheAuthError } from '@vectorcache/auth-core';
import type { RedisConnection, RedisKeyStoreOptions } from './types';

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
}

/** A bad constructor argument, with a message that says what to change. */
function invalid(message: string): VectorcacheAuthError {
  return new VectorcacheAuthError('invalid_option', message);
}

function positive(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw invalid(
      `RedisKeyStore option "${name}" must be a positive number of milliseconds (got ${inspect(value)}).`,
    );
  }
  return value;
}

/** Checks the constructor arguments once and fills in the defaults. */
export function validateOptions(
  connection: RedisConnection,
  options: RedisKeyStoreOptions,
): ResolvedOptions {
  const hasUrl = typeof connection === 'object' && connection !== null && 'url' in connection;
  const hasClient = typeof connection === 'object' && connection !== null && 'client' in connection;
  if (hasUrl === hasClient) {
    throw invalid(
      'RedisKeyStore needs exactly one of { url: "redis://host:6379" } or { client: ioredisClient }.',
    );
  }
  if (hasUrl && (typeof connection.url !== 'string' || !/^rediss?:\/\//.test(connection.url))) {
    throw invalid(
      'RedisKeyStore "url" must be a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379.',
    );
  }
  if (hasClient && (typeof connection.client !== 'object' || connection.client === null)) {
    throw invalid('RedisKeyStore "client" must be an ioredis client.');
  }
  const keyPrefix =
    options.keyPrefix === undefined || options.keyPrefix === '' ? 'vc:' : options.keyPrefix;
  if (typeof keyPrefix !== 'string') {
    throw invalid('RedisKeyStore option "keyPrefix" must be a string, e.g. "vc:".');
  }
  const idCacheMax = positive(options.idCacheMax, 'idCacheMax', 10_000);
  if (!Number.isInteger(idCacheMax)) {
    throw invalid('RedisKeyStore option "idCacheMax" must be an integer.');
  }
  if (options.onError !== undefined && typeof options.onError !== 'function') {
    throw invalid('RedisKeyStore option "onError" must be a function.');
  }
  return {
    keyPrefix,
    commandTimeoutMs: positive(options.commandTimeoutMs, 'commandTimeoutMs', 500),
    connectTimeoutMs: positive(options.connectTimeoutMs, 'connectTimeoutMs', 1000),
    heartbeatIntervalMs: positive(options.heartbeatIntervalMs, 'heartbeatIntervalMs', 250),
    heartbeatTimeoutMs: positive(options.heartbeatTimeoutMs, 'heartbeatTimeoutMs', 1000),
    closeClient: options.closeClient === true,
    idCacheMax,
    onError: options.onError ?? (() => undefined),
  };
}
