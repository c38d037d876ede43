#!/usr/bin/env node
import { main } from './cli';

// A reader that closes the pipe early (`vectorcache-keys list | head -1`) is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
});

void main(process.argv.slice(2)).then((code) => {
  // The store is closed by then; should a handle still hold the event loop, do not hang.
  setTimeout(() => process.exit(code), 2000).unref();
});
