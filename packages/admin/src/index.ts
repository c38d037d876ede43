export { createAdminHandler } from './handler';
export { openApiDocument } from './openapi';
export {
  checkPrefix,
  failedBody,
  nodeAdminRequest,
  readLimited,
  splitUrl,
  streamBody,
  underPrefix,
} from './node';
export type { NodeRequestLike, ReadableLike } from './node';
export { readWebLimited, webAdminRequest } from './web';
export type { AdminBody, AdminHandler, AdminHeaders, AdminOptions, AdminRequest } from './types';
