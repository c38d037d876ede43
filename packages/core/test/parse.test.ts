import { MAX_AUTHORIZATION_LENGTH, parseAuthorization } from '../src/http/parse';

// The Authorization parser on its own, at its edges: the whitespace it trims, the shortest and the
// longest value it accepts. Over HTTP, Node refuses CR and LF in a header value and Fetch `Headers`
// strip them, but `verifier.verify` takes any string an application hands it.

const TOKEN = 'tok_0123456789abcdef';

describe('parseAuthorization: whitespace around the value', () => {
  it.each([
    ['a trailing LF', `Bearer ${TOKEN}\n`],
    ['a trailing CR', `Bearer ${TOKEN}\r`],
    ['a trailing CRLF', `Bearer ${TOKEN}\r\n`],
    ['a leading LF', `\nBearer ${TOKEN}`],
    ['a leading CR', `\rBearer ${TOKEN}`],
    ['tabs and spaces at both ends', ` \t Bearer ${TOKEN}\t `],
  ])('%s: trimmed, the token alone', (_, header) => {
    expect(parseAuthorization(header)).toEqual({ kind: 'token', token: TOKEN });
  });

  it.each([
    ['an LF', `Bearer ${TOKEN.slice(0, 10)}\n${TOKEN.slice(10)}`],
    ['a CR', `Bearer ${TOKEN.slice(0, 10)}\r${TOKEN.slice(10)}`],
  ])('%s inside the token is malformed', (_, header) => {
    expect(parseAuthorization(header)).toEqual({ kind: 'malformed' });
  });

  it.each([
    ['CRLF', '\r\n'],
    ['an LF between spaces', ' \n '],
    ['a tab and a CR', '\t\r'],
  ])('%s alone is missing', (_, header) => {
    expect(parseAuthorization(header)).toEqual({ kind: 'missing' });
  });
});

describe('parseAuthorization: the header sent once or twice', () => {
  it('one value in a list is parsed; two are malformed, even if both are well formed', () => {
    expect(parseAuthorization([`Bearer ${TOKEN}`])).toEqual({ kind: 'token', token: TOKEN });
    expect(parseAuthorization([`Bearer ${TOKEN}`, `Bearer ${TOKEN}`])).toEqual({
      kind: 'malformed',
    });
    expect(parseAuthorization([])).toEqual({ kind: 'missing' });
  });
});

describe('parseAuthorization: the shortest and longest values', () => {
  it('"Bearer x" (8 characters, the shortest form) is a token', () => {
    expect(parseAuthorization('Bearer x')).toEqual({ kind: 'token', token: 'x' });
    expect(parseAuthorization('  Bearer x  ')).toEqual({ kind: 'token', token: 'x' });
  });

  it.each([' Bearer ', '  Bearer ', '   Bearer  ', ' Bearer', '\tbearer \t'])(
    '%j (the scheme and blanks, no token) is malformed',
    (header) => {
      expect(parseAuthorization(header)).toEqual({ kind: 'malformed' });
    },
  );

  it('a value of exactly the maximum length is parsed; one character more is malformed', () => {
    const longest = `Bearer ${'a'.repeat(MAX_AUTHORIZATION_LENGTH - 7)}`;
    expect(longest).toHaveLength(MAX_AUTHORIZATION_LENGTH);
    expect(parseAuthorization(longest)).toEqual({ kind: 'token', token: longest.slice(7) });
    expect(parseAuthorization(`${longest}a`)).toEqual({ kind: 'malformed' });
    // The bound counts the untrimmed value: blanks do not make room for a longer token.
    expect(parseAuthorization(`${longest} `)).toEqual({ kind: 'malformed' });
  });
});
