export { PostgresKeyStore } from './postgres-key-store';
export type { PostgresConnection, PostgresKeyStoreOptions } from './types';
