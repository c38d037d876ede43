/**
 * `@vectorcache/auth-admin/adapter`: what the framework mounts (`vectorcacheAdmin()` of each
 * adapter) are built from, and what mounting the management API on any other server takes: a
 * Node request (`nodeAdminRequest` with `streamBody`) or a Web `Request` (`webAdminRequest`) as
 * the handler's request, the path under a mount prefix, and an app body parser's failure.
 */
export {
  checkPrefix,
  failedBody,
  nodeAdminRequest,
  splitUrl,
  streamBody,
  underPrefix,
} from './node';
export type { NodeRequestLike, ReadableLike } from './node';
export { webAdminRequest } from './web';
