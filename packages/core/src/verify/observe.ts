import type { AuthEvent, StoreReadResult } from '../types';

/**
 * True for a decision (`verified` or `rejected`), false for the cache, store-read and change-feed
 * events, so a listener that only wants decisions can say so in one line.
 * @example onEvent: (event) => { if (isDecisionEvent(event)) log.info(event); }
 */
export function isDecisionEvent(event: AuthEvent): boolean {
  return event.type === 'verified' || event.type === 'rejected';
}

/**
 * Starts timing one store read; the returned function reports it as a `store_read` event with
 * its duration and result (never the hash it looked up).
 */
export function startStoreRead(
  emit: (event: AuthEvent) => void,
): (result: StoreReadResult) => void {
  const started = performance.now();
  return (result) => emit({ type: 'store_read', durationMs: performance.now() - started, result });
}
