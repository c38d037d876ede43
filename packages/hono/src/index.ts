export { requireScopes, tokenExchange, vectorcacheAuth } from './middleware';
export { vectorcacheAdmin } from './admin';
export type { HonoAuthOptions, VectorcacheAdminApp, VectorcacheMiddleware } from './types';
export type { AdminOptions } from '@vectorcache/auth-admin';
export type { Principal } from '@vectorcache/auth-core';
