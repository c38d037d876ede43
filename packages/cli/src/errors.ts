/**
 * Bad input detected by the CLI itself (a malformed duration, an empty `--scopes` entry...).
 * Like every expected failure it is reported as one line on stderr with exit code 2.
 */
export class CliUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliUsageError';
  }
}
