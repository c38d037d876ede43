export { RedisKeyStore } from './redis-key-store';
export { recommendedClusterOptions, recommendedRedisOptions } from './connection';
export type { RedisTimeouts } from './connection';
export { keyLayout } from './key-layout';
export type { KeyLayout } from './key-layout';
export type { ClusterNode, RedisConnection, RedisKeyStoreOptions } from './types';
