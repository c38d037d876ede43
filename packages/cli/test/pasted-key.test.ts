import { keyFromPaste } from '../src/pasted-key';

const KEY = 'vc_0123456789abcdef0123456789abcdef';

describe('keyFromPaste', () => {
  it('takes a pasted key in any case, with whitespace around it, and nothing else', () => {
    expect(keyFromPaste(` ${KEY.toUpperCase()}\n`)).toBe(KEY);
    expect(keyFromPaste(KEY.slice(0, 34))).toBeUndefined();
    // The length alone is not enough, nor is anything that is not a key at all.
    expect(keyFromPaste(`vc_${'g'.repeat(32)}`)).toBeUndefined();
    expect(keyFromPaste('x'.repeat(35))).toBeUndefined();
    expect(keyFromPaste('key_0123456789abcdef01234567')).toBeUndefined();
    expect(keyFromPaste('')).toBeUndefined();
  });
});
