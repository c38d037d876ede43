import {
  MAX_NAME_LENGTH,
  actorOf,
  assertStore,
  quoteId,
  refuseKeyShaped,
  requireText,
  validateKeyName,
} from '../src/keys/key-input';
import { MemoryKeyStore } from '../src/stores/memory-store';
import { thrownBy } from './fixtures';

// The key manager's input checks on their own: names, required text, ids as messages quote
// them, and a key pasted where it does not belong, which is never echoed.

const KEY = 'vc_0123456789abcdef0123456789abcdef';

const errorOf = thrownBy;

describe('refuseKeyShaped', () => {
  it('lets anything that is not key-shaped through', () => {
    for (const value of ['key_0123', 'vc_0123456789abcde', 'production', 42, undefined, null]) {
      expect(() => refuseKeyShaped(value, 'id')).not.toThrow();
    }
  });

  it('refuses a key (or 16+ hex of one, any case) without quoting it', () => {
    for (const value of [KEY, KEY.toUpperCase(), 'my vc_0123456789abcdef key']) {
      const error = errorOf(() => refuseKeyShaped(value, 'project id'));
      expect(error.code).toBe('invalid_input');
      expect(error.message).toBe(
        'The project id given looks like an API key (vc_...); it was not used or stored. Give the project id itself.',
      );
      expect(error.message).not.toContain('0123456789abcdef');
    }
  });
});

describe('quoteId', () => {
  it('quotes an id as JSON', () => {
    expect(quoteId('key_abc')).toBe('"key_abc"');
    expect(quoteId(7)).toBe('"7"');
  });

  it('redacts key-like text', () => {
    expect(quoteId(`x ${KEY}`)).toBe('"x vc_[redacted]"');
  });

  it('keeps 64 characters and marks the cut; 64 exactly are kept whole', () => {
    expect(quoteId('a'.repeat(64))).toBe(`"${'a'.repeat(64)}"`);
    expect(quoteId('a'.repeat(65))).toBe(`"${'a'.repeat(64)}..."`);
  });
});

describe('validateKeyName', () => {
  it(`accepts 1 to ${MAX_NAME_LENGTH} characters as they are`, () => {
    expect(MAX_NAME_LENGTH).toBe(100);
    expect(validateKeyName('x')).toBe('x');
    expect(validateKeyName(' spaced ')).toBe(' spaced ');
    expect(validateKeyName('n'.repeat(100))).toBe('n'.repeat(100));
  });

  it.each([[''], ['   '], ['\t\n'], ['n'.repeat(101)], [42], [null], [undefined]])(
    'refuses %p, quoting it, with an example',
    (value) => {
      const error = errorOf(() => validateKeyName(value));
      expect(error.code).toBe('invalid_input');
      expect(error.message).toBe(
        `Invalid name ${JSON.stringify(value) ?? String(value)}: give 1 to 100 characters, e.g. "production backend".`,
      );
    },
  );

  it('refuses a key as a name without quoting it', () => {
    const error = errorOf(() => validateKeyName(`backend ${KEY}`));
    expect(error.message).toMatch(/^The name given looks like an API key/);
    expect(error.message).not.toContain(KEY);
  });
});

describe('requireText', () => {
  it('returns a non-empty string as it is', () => {
    expect(requireText(' proj ', 'projectId', '"proj_1"')).toBe(' proj ');
  });

  it.each([[''], ['  '], [3], [undefined]])('refuses %p with the field and an example', (value) => {
    const error = errorOf(() => requireText(value, 'projectId', '"proj_1"'));
    expect(error.code).toBe('invalid_input');
    expect(error.message).toBe('projectId must be a non-empty string, e.g. "proj_1".');
  });

  it('refuses a key without quoting it', () => {
    expect(errorOf(() => requireText(KEY, 'projectId', '"p"')).message).toMatch(
      /^The projectId given looks like an API key/,
    );
  });
});

describe('actorOf', () => {
  it('no actor: null (an operator)', () => {
    expect(actorOf(undefined)).toBeNull();
    expect(actorOf({})).toBeNull();
    expect(actorOf({ actor: null })).toBeNull();
  });

  it('keeps only the key id and prefix of the actor', () => {
    const actor = { keyId: 'key_1', prefix: 'vc_1234', hash: 'secret', extra: 1 };
    expect(actorOf({ actor } as never)).toEqual({ keyId: 'key_1', prefix: 'vc_1234' });
  });
});

describe('assertStore', () => {
  it('accepts a key store', () => {
    expect(() => assertStore(new MemoryKeyStore())).not.toThrow();
  });

  it.each([[undefined], [{}], [{ findByHash: () => null }], [{ insert: () => null }]])(
    'refuses %p, saying how to pass one',
    (store) => {
      const error = errorOf(() => assertStore(store));
      expect(error.code).toBe('invalid_option');
      expect(error.message).toBe(
        'A key store is required, e.g. { store: new SqliteKeyStore({ path: ".vectorcache/keys.db" }) }.',
      );
    },
  );
});
