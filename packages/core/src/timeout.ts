import { VectorcacheAuthError } from './errors';

/**
 * The one deadline helper of every package: resolves like `promise`, or rejects with
 * `store_timeout` after `ms`. The late outcome of the original promise is swallowed so it can
 * never become an unhandled rejection; `.catch(() => undefined)` on the result waits at most `ms`
 * and ignores failure. `option` names the setting to raise in the message.
 */
export function withTimeout<T>(
  promise: Promise<T>,
  ms: number,
  what: string,
  option = 'timeoutMs',
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(
        new VectorcacheAuthError(
          'store_timeout',
          `The key store did not answer ${what} within ${ms} ms; check that it is reachable or raise ${option}.`,
        ),
      );
    }, ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the store's own rejection, passed on as it was
        reject(err);
      },
    );
  });
}
