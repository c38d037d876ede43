export { requireScopes, tokenExchange, vectorcacheAuth } from './middleware';
export type { ExpressAuthOptions, VectorcacheMiddleware } from './types';
export type { Principal } from '@vectorcache/auth-core';
