export { requireScopes, tokenExchange, vectorcacheAuth } from './middleware';
export type { HonoAuthOptions, VectorcacheMiddleware } from './types';
export type { Principal } from '@vectorcache/auth-core';
