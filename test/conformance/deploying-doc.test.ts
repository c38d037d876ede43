import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// docs/deploying.md quotes measured figures; each must be one that bench/README.md's results
// hold, so a new bench run that moves them makes this fail until the guide is brought up to date.
const ROOT = join(__dirname, '..', '..');
const guide = readFileSync(join(ROOT, 'docs', 'deploying.md'), 'utf8');
const bench = readFileSync(join(ROOT, 'bench', 'README.md'), 'utf8');

it('every measured figure in the deployment guide is one of the bench results', () => {
  const figures = [...guide.matchAll(/\bp(?:50|99) [\d.]+ (?:µs|ms)|\b0\.\d{4,} commands/g)].map(
    (match) => match[0].replace(' commands', ''),
  );
  expect(figures.length).toBeGreaterThanOrEqual(8);
  const results = bench.slice(bench.indexOf('<!-- results:start -->'));
  expect(figures.filter((figure) => !results.includes(figure))).toEqual([]);
});

it('the README links the deployment guide', () => {
  expect(readFileSync(join(ROOT, 'README.md'), 'utf8')).toContain('(docs/deploying.md)');
});
