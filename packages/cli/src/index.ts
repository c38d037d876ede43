export { main, runCli, EXIT_OK, EXIT_FAILURE, EXIT_USAGE, VERSION } from './cli';
export type { CliIo, CliWritable } from './cli';
export { parseDuration } from './duration';
export { CliUsageError } from './errors';
export { formatTable, formatRecord } from './format';
