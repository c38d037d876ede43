export { requireScopes, tokenExchange, vectorcacheAuth } from './middleware';
export type { KoaAuthContext, KoaAuthOptions, VectorcacheMiddleware } from './types';
export type { Principal } from '@vectorcache/auth-core';
