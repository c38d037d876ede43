// The runner, not its parts: formatters, option parsers and errors are the CLI's own business.
export { main, runCli, EXIT_OK, EXIT_FAILURE, EXIT_USAGE } from './cli';
export type { CliIo, CliWritable } from './cli';
