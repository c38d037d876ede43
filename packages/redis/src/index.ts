export { RedisKeyStore } from './redis-key-store';
export { connectionFailureReason } from '@vectorcache/auth-core';
export { recommendedClusterOptions, recommendedRedisOptions } from './connection';
export type { RedisTimeouts } from './connection';
export type { ClusterNode, RedisConnection, RedisKeyStoreOptions } from './types';
