import { createHash, createHmac } from 'node:crypto';
import { generateApiKey, hashApiKey, isApiKeyFormat, keyPrefix } from '../src/keys/key-format';

describe('key format', () => {
  it('generates vc_ + 32 lowercase hex, different every time', () => {
    const keys = new Set(Array.from({ length: 200 }, generateApiKey));
    expect(keys.size).toBe(200);
    for (const key of keys) expect(key).toMatch(/^vc_[0-9a-f]{32}$/);
  });

  it.each([
    ['vc_0123456789abcdef0123456789abcdef', true],
    ['vc_0123456789ABCDEF0123456789abcdef', false],
    ['vc_0123456789abcdef0123456789abcde', false],
    ['vc_0123456789abcdef0123456789abcdef0', false],
    ['vc_0123456789abcdef0123456789abcdeg', false],
    ['VC_0123456789abcdef0123456789abcdef', false],
    ['vc_0123456789abcdef0123456789abcdé', false],
    ['vc_dev_key123', false],
    ['', false],
    [undefined, false],
    [42, false],
  ])('isApiKeyFormat(%j) is %s', (value, expected) => {
    expect(isApiKeyFormat(value)).toBe(expected);
  });

  it('hashes with SHA-256, or HMAC-SHA256 keyed by the pepper', () => {
    const key = 'vc_1234567890abcdef1234567890abcdef';
    expect(hashApiKey(key)).toBe(createHash('sha256').update(key).digest('hex'));
    expect(hashApiKey(key, { pepper: 'pepper' })).toBe(
      createHmac('sha256', 'pepper').update(key).digest('hex'),
    );
    expect(hashApiKey(key, { pepper: 'pepper' })).not.toBe(hashApiKey(key));
  });

  it('displays vc_ and the first 4 hex characters', () => {
    expect(keyPrefix('vc_1234567890abcdef1234567890abcdef')).toBe('vc_1234');
  });
});
