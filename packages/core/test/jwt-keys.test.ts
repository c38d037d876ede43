import { generateKeyPairSync, KeyObject } from 'node:crypto';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkAlgorithms, secretFrom, verificationKey } from '../src/jwt/jwt-keys';
import { thrownBy } from './fixtures';

// JWT key handling on its own: the accepted algorithms, the secret's length, and the key jose
// verifies with, refusing every combination that invites algorithm confusion.

const SECRET = 'k'.repeat(32);

/** The message of the `invalid_option` error `work` throws. */
function refused(work: () => unknown): string {
  const error = thrownBy(work);
  expect(error.code).toBe('invalid_option');
  return error.message;
}

describe('checkAlgorithms', () => {
  it('returns a copy of a valid list, in order', () => {
    const given = ['ES256', 'HS512', 'EdDSA', 'PS384', 'RS256'];
    const checked = checkAlgorithms(given);
    expect(checked).toEqual(given);
    expect(checked).not.toBe(given);
  });

  it.each([[undefined], [[]], ['HS256']])('%p is refused: algorithms are required', (value) => {
    expect(refused(() => checkAlgorithms(value))).toMatch(
      /^jwt.algorithms is required, e.g. \{ algorithms: \["ES256"\] \}/,
    );
  });

  it.each([['none'], ['hs256'], ['HS1024'], [256]])('%p is refused, quoted', (alg) => {
    expect(refused(() => checkAlgorithms(['HS256', alg]))).toBe(
      `jwt.algorithms: ${JSON.stringify(alg)} is not supported; use HS256/384/512, RS*, PS*, ES* or EdDSA ("none" is never accepted).`,
    );
  });
});

describe('secretFrom', () => {
  it('accepts 32 bytes or more, as a string or bytes', () => {
    const fromString = secretFrom(SECRET);
    expect(fromString.type).toBe('secret');
    expect(fromString.symmetricKeySize).toBe(32);
    expect(secretFrom(new Uint8Array(48)).symmetricKeySize).toBe(48);
  });

  it('refuses 31 bytes (counted in UTF-8 bytes, not characters), saying how to make one', () => {
    expect(refused(() => secretFrom('k'.repeat(31)))).toBe(
      'A JWT secret must be at least 32 bytes long; generate one with `openssl rand -hex 32`.',
    );
    expect(refused(() => secretFrom(new Uint8Array(31)))).toMatch(/at least 32 bytes/);
    expect(secretFrom('é'.repeat(16)).symmetricKeySize).toBe(32);
  });
});

describe('verificationKey', () => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString();

  it('a shared secret with HS algorithms: a secret key', () => {
    const key = verificationKey({ key: SECRET, algorithms: ['HS256'] }, ['HS256', 'HS384']);
    expect(key).toBeInstanceOf(KeyObject);
    expect((key as KeyObject).type).toBe('secret');
  });

  it('a shared secret with an asymmetric algorithm is refused', () => {
    expect(
      refused(() => verificationKey({ key: SECRET, algorithms: ['HS256'] }, ['HS256', 'RS256'])),
    ).toBe('jwt.key is a shared secret: jwt.algorithms may list only HS256, HS384 or HS512.');
  });

  it('a public key (PEM or KeyObject) with asymmetric algorithms: that public key', () => {
    const fromPem = verificationKey({ key: pem, algorithms: ['RS256'] }, ['RS256']) as KeyObject;
    expect(fromPem.type).toBe('public');
    expect(fromPem.equals(rsa.publicKey)).toBe(true);
    const fromObject = verificationKey({ key: rsa.publicKey, algorithms: ['RS256'] }, ['RS256']);
    expect(fromObject).toBe(rsa.publicKey);
  });

  it('a private key is never kept: its public half is used', () => {
    const key = verificationKey({ key: rsa.privateKey, algorithms: ['PS256'] }, [
      'PS256',
    ]) as KeyObject;
    expect(key.type).toBe('public');
    expect(key.equals(rsa.publicKey)).toBe(true);
  });

  it('a public key with an HS algorithm is refused (algorithm confusion)', () => {
    for (const key of [pem, rsa.publicKey]) {
      expect(
        refused(() => verificationKey({ key, algorithms: ['RS256'] }, ['RS256', 'HS256'])),
      ).toBe(
        'jwt.key is a public key: jwt.algorithms must not list HS* algorithms (algorithm confusion).',
      );
    }
  });

  it('a JWKS URL (URL or http(s) string) with asymmetric algorithms: a remote key set', () => {
    for (const key of [
      new URL('https://idp.test/jwks'),
      'https://idp.test/jwks',
      'HTTP://idp.test/k',
    ]) {
      const remote = verificationKey({ key, algorithms: ['ES256'] }, ['ES256']);
      expect(remote).not.toBeInstanceOf(KeyObject);
      expect(typeof remote).toBe('function');
    }
  });

  it('a JWKS URL with an HS algorithm is refused', () => {
    expect(
      refused(() =>
        verificationKey({ key: 'https://idp.test/jwks', algorithms: ['HS256'] }, ['HS256']),
      ),
    ).toBe('A JWKS URL serves public keys: jwt.algorithms must not list HS* algorithms.');
  });

  it('a secret that merely contains https:// is a secret, not a JWKS URL', () => {
    const secret = 'my-secret-for-https://api.example.com-tokens';
    const key = verificationKey({ key: secret, algorithms: ['HS256'] }, ['HS256']) as KeyObject;
    expect(key).toBeInstanceOf(KeyObject);
    expect(key.type).toBe('secret');
    expect(key.export().toString()).toBe(secret);
  });

  it('the JWKS request is given jwksTimeoutMs, 2000 ms by default', async () => {
    const server = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end('{"keys":[]}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
    const timeouts: Array<number | undefined> = [];
    const onRequest = (message: unknown): void => {
      timeouts.push((message as { request: { timeout?: number } }).request.timeout);
    };
    subscribe('http.client.request.start', onRequest);
    try {
      for (const jwksTimeoutMs of [undefined, 250]) {
        const remote = verificationKey({ key: url, algorithms: ['ES256'], jwksTimeoutMs }, [
          'ES256',
        ]) as Exclude<ReturnType<typeof verificationKey>, KeyObject>;
        // No key in the set: the fetch happens, then the lookup fails.
        await expect(remote({ alg: 'ES256', kid: 'k' })).rejects.toThrow();
      }
    } finally {
      unsubscribe('http.client.request.start', onRequest);
      await new Promise<void>((r) => server.close(() => r()));
    }
    expect(timeouts).toEqual([2000, 250]);
  });

  it('a string that is neither a URL nor a PEM is a secret, held to 32 bytes', () => {
    expect(
      refused(() => verificationKey({ key: 'ftp://short', algorithms: ['HS256'] }, ['HS256'])),
    ).toMatch(/at least 32 bytes/);
  });

  it('anything else is refused, listing what a key may be', () => {
    expect(
      refused(() => verificationKey({ key: 42 as never, algorithms: ['HS256'] }, ['HS256'])),
    ).toBe('jwt.key must be a secret, a public key (PEM or KeyObject) or a JWKS URL.');
  });
});
