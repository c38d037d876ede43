import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type AuthFailure } from '@vectorcache/auth-core';
import {
  failureFor,
  insufficientScope,
  tooManyAttempts,
} from '../../packages/core/src/http/answers';

/**
 * docs/contract.md is what code and tests cite as "the documented answer": every answer core
 * builds must be a row of its HTTP answers table, so the page cannot drift from the code.
 */
const CONTRACT = readFileSync(join(__dirname, '..', '..', 'docs', 'contract.md'), 'utf8');

/** The rows of the table under `## HTTP answers`, as cells. */
function answerRows(): string[][] {
  const section = CONTRACT.split('\n## HTTP answers\n')[1]?.split('\n## ')[0] ?? '';
  return section
    .split('\n')
    .filter((line) => line.startsWith('|') && !/^\|[\s-|]+$/.test(line))
    .slice(1)
    .map((line) =>
      line
        .slice(1, -1)
        .split('|')
        .map((cell) => cell.trim()),
    );
}

const ANSWERS: Array<[string, AuthFailure]> = [
  ...(
    [
      'missing',
      'malformed',
      'unknown',
      'wrong_project',
      'wrong_environment',
      'store_unavailable',
    ] as const
  ).map((reason): [string, AuthFailure] => [reason, failureFor(reason)]),
  ['insufficient_scope', insufficientScope(['cache:write'])],
  ['rate_limited', tooManyAttempts(30_000)],
];

describe('docs/contract.md states every answer core gives', () => {
  it('has the answers table', () => {
    expect(answerRows().length).toBeGreaterThanOrEqual(ANSWERS.length);
  });

  it.each(ANSWERS)('%s', (_reason, answer) => {
    const { detail } = JSON.parse(answer.body) as { detail: string };
    const headers = answer.headers as Record<string, string | undefined>;
    const expected = [
      headers['www-authenticate'] && `WWW-Authenticate: ${headers['www-authenticate']}`,
      // The 429's Retry-After depends on the wait; the table gives it as a placeholder.
      headers['retry-after'] &&
        `Retry-After: ${answer.reason === 'rate_limited' ? '<seconds>' : headers['retry-after']}`,
    ].filter((header): header is string => typeof header === 'string');
    const row = answerRows().find(
      ([, status, documented, documentedHeaders]) =>
        status === String(answer.status) &&
        documented === `\`${detail}\`` &&
        expected.every((header) => documentedHeaders?.includes(`\`${header}\``)),
    );
    expect(row).toBeDefined();
    expect(answer.headers['content-type']).toBe('application/json');
  });
});
