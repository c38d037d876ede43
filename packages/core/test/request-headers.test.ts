/**
 * readAuthorizationHeader finds every `Authorization` among a Node request's raw headers (any
 * case) and nothing else, so a header sent twice is refused and no other header is mistaken for it.
 */
import { readAuthorizationHeader } from '../src/http/request-headers';

describe('readAuthorizationHeader and the raw headers', () => {
  it('another header of the same length (Cache-Control, Last-Modified) is not taken for Authorization', () => {
    for (const name of ['Cache-Control', 'cache-control', 'Last-Modified']) {
      expect(
        readAuthorizationHeader({
          headers: { authorization: 'Bearer a', [name.toLowerCase()]: 'no-cache' },
          rawHeaders: [name, 'no-cache', 'Authorization', 'Bearer a'],
        }),
      ).toBe('Bearer a');
    }
  });

  it('a duplicate is found whatever the case of either name', () => {
    for (const [first, second] of [
      ['authorization', 'Authorization'],
      ['Authorization', 'authorization'],
      ['AuThOrIzAtIoN', 'AUTHORIZATION'],
    ] as const) {
      expect(
        readAuthorizationHeader({
          headers: { authorization: 'Bearer a' },
          rawHeaders: [first, 'Bearer a', 'Accept', '*/*', second, 'Bearer b'],
        }),
      ).toEqual(['Bearer a', 'Bearer b']);
    }
  });

  it('three values are all returned, in order', () => {
    expect(
      readAuthorizationHeader({
        headers: { authorization: 'Bearer a' },
        rawHeaders: ['Authorization', 'Bearer a', 'Authorization', 'Bearer b', 'Authorization', ''],
      }),
    ).toEqual(['Bearer a', 'Bearer b', '']);
  });
});
