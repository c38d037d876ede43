export { requireScopes, tokenExchange, vectorcacheAuth } from './plugin';
export type { FastifyAuthOptions } from './types';
export type { Principal } from '@vectorcache/auth-core';
