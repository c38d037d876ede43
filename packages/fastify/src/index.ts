export { requireScopes, tokenExchange, vectorcacheAuth } from './plugin';
export { vectorcacheAdmin } from './admin';
export type { FastifyAuthOptions } from './types';
export type { AdminOptions } from '@vectorcache/auth-admin';
export type { Principal } from '@vectorcache/auth-core';
