// What applications call: the management API's handler and its OpenAPI document. The pieces
// framework mounts are built from (Node and Web request readers, prefix and body helpers) live at
// `@vectorcache/auth-admin/adapter` (src/adapter.ts).
export { createAdminHandler } from './handler';
export { openApiDocument } from './openapi';
export type { AdminBody, AdminHandler, AdminHeaders, AdminOptions, AdminRequest } from './types';
