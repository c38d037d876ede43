import { connectionFailureReason } from '../src/config/connection-failure';

describe('connectionFailureReason', () => {
  it('says why a connection failed in words, never quoting the driver', () => {
    const cases: Array<[unknown, string | undefined]> = [
      [
        Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6390'), { code: 'ECONNREFUSED' }),
        'connection refused',
      ],
      [
        new Error("Stream isn't writeable and enableOfflineQueue options is false"),
        'connection closed',
      ],
      [new Error('getaddrinfo ENOTFOUND redis.internal'), 'host not found'],
      [
        new Error('WRONGPASS invalid username-password pair or user is disabled.'),
        'authentication failed',
      ],
      [new Error('connect ETIMEDOUT'), 'connection timed out'],
      [new Error('Failed to refresh slots cache.'), 'no cluster node answered'],
      [new Error('ERR unknown command'), undefined],
      ['ECONNREFUSED', undefined],
    ];
    for (const [error, reason] of cases) expect(connectionFailureReason(error)).toBe(reason);
  });
});
