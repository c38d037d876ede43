export { requireScopes, tokenExchange, vectorcacheAuth } from './middleware';
export { vectorcacheAdmin } from './admin';
export type {
  KoaAdminOptions,
  KoaAuthContext,
  KoaAuthOptions,
  VectorcacheAdminMiddleware,
  VectorcacheMiddleware,
} from './types';
export type { Principal } from '@vectorcache/auth-core';
