import { axisLabels } from '../src/format';

describe('axisLabels: the chart time axis', () => {
  const at = (iso: string) => Date.parse(iso) / 1000;

  test('daily, each date once however many ticks fall in a day', () => {
    const splits = [
      '2026-12-01T00:00Z',
      '2026-12-01T08:00Z',
      '2026-12-01T16:00Z',
      '2026-12-02T00:00Z',
    ].map(at);
    expect(axisLabels(splits, 'day')).toEqual(['12-01', '', '', '12-02']);
  });

  test('hourly, times within a day and the date at midnight', () => {
    const splits = ['2026-12-01T22:00Z', '2026-12-02T00:00Z', '2026-12-02T02:30Z'].map(at);
    expect(axisLabels(splits, 'hour')).toEqual(['22:00', '12-02', '02:30']);
  });
});
