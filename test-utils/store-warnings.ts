/** A line a verifier writes on stderr when its key store becomes unavailable, or available again. */
const STORE_WARNING =
  /^vectorcache auth: the key store is (unavailable \([a-z]+\): .*|available again)$/;

/**
 * A process's stderr split into the key store's transition lines and everything else. The
 * transitions alternate (unavailable, available, ...), one line each: never one per request.
 */
export function splitStoreWarnings(stderr: string): { rest: string; transitions: string[] } {
  const lines = stderr.split('\n');
  const transitions = lines
    .filter((line) => STORE_WARNING.test(line))
    .map((line) => (line.endsWith('available again') ? 'available' : 'unavailable'));
  const rest = lines.filter((line) => !STORE_WARNING.test(line)).join('\n');
  return { rest, transitions };
}

/** Whether `transitions` alternate, starting with `unavailable`. */
export function alternates(transitions: string[]): boolean {
  return transitions.every((t, i) => t === (i % 2 === 0 ? 'unavailable' : 'available'));
}
