import { useEffect, useMemo, useState } from 'preact/hooks';
import type { Api, AuditEvent, Granularity, KeyRecord, RankedKey, UsageAnswer } from './api';
import { errorText } from './api';
import type { Chart as ChartComponent, ChartSeries } from './chart';
import { OUTCOMES, RANGES, displayPrefix, rangeWindow } from './format';
import { DataTable, DateText, ErrorLine, Select } from './ui';
import type { RangeName } from './format';

/** Colour and dash per outcome: the dash pattern and the legend make the chart readable in grey. */
const LOOK: Record<string, { stroke: string; dash?: number[] }> = {
  valid: { stroke: '#1b6e3a' },
  insufficient_scope: { stroke: '#a35200', dash: [8, 4] },
  wrong_project: { stroke: '#6b3fa0', dash: [2, 4] },
  wrong_environment: { stroke: '#8a6d00', dash: [6, 3, 2, 3] },
  revoked: { stroke: '#b00020', dash: [12, 4, 2, 4] },
  expired: { stroke: '#4a4a4a', dash: [4, 8] },
  rate_limited: { stroke: '#0057a8', dash: [16, 6] },
};

const outcomeLabel = (outcome: string) =>
  OUTCOMES.find((o) => o.outcome === outcome)?.label ?? `Refused: ${outcome}`;

const ACTIONS: Record<string, string> = {
  'key.created': 'Created',
  'key.updated': 'Updated',
  'key.revoked': 'Revoked',
  'key.rotated': 'Rotated',
};

const GRANULARITIES: { value: Granularity; label: string }[] = [
  { value: 'hour', label: 'Hour' },
  { value: 'day', label: 'Day' },
];

const labelOf = (range: RangeName) =>
  RANGES.find((r) => r.name === range)?.label.toLowerCase() ?? range;

interface KeyChoice {
  id: string;
  prefix: string;
  name: string;
}

/** The Analytics tab: requests over time by outcome, the most-used keys, and the audit list. */
export function AnalyticsTab(props: { api: Api; canRead: boolean; canManage: boolean }) {
  // The project's keys, for the key chooser and the audit's rotation links (keys:manage only).
  const [keys, setKeys] = useState<KeyRecord[] | null>(null);
  useEffect(() => {
    if (!props.canManage) return;
    props.api
      .listKeys()
      .then(setKeys)
      .catch(() => undefined); // the audit's own read reports a failure
  }, []);

  return (
    <>
      {props.canRead ? (
        <Usage api={props.api} keys={keys} />
      ) : (
        <p class="notice">
          Your key cannot read usage: it lacks the <code>analytics:read</code> scope.
        </p>
      )}
      {props.canManage ? (
        <Audit api={props.api} keys={keys ?? []} />
      ) : (
        <p class="notice">
          The audit list needs a key with the <code>keys:manage</code> scope.
        </p>
      )}
    </>
  );
}

/** `keys`: the project's keys when the signed-in key may list them, else `null`. */
function Usage(props: { api: Api; keys: KeyRecord[] | null }) {
  const { api } = props;
  const [range, setRange] = useState<RangeName>('24h');
  const [granularity, setGranularity] = useState<Granularity>('hour');
  const [keyId, setKeyId] = useState('');
  const [ranked, setRanked] = useState<KeyChoice[]>([]);
  // Without keys:manage, the keys to choose from are those of the ranking.
  const choices: KeyChoice[] = props.keys ?? ranked;
  const [answer, setAnswer] = useState<{
    query: string;
    usage: UsageAnswer;
    starts: number[];
  } | null>(null);
  const [ranking, setRanking] = useState<{ keys: RankedKey[]; range: RangeName } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [reloads, setReloads] = useState(0);
  const [Chart, setChart] = useState<typeof ChartComponent | null>(null);

  useEffect(() => {
    // The chart library is a separate file, fetched only when this tab is opened.
    import('./chart')
      .then((m) => setChart(() => m.Chart))
      .catch(() => setError('The chart could not be loaded; the tables below have the numbers.'));
  }, []);

  // Only the answer to the question on screen is shown, never the previous one.
  const query = `${range} ${granularity} ${keyId} ${reloads}`;

  useEffect(() => {
    let live = true;
    const { from, to, starts } = rangeWindow(range, granularity, Date.now());
    // The ranking is always the project's, so it is read even when the chart shows one key.
    const project = api.projectUsage(from, to, granularity);
    const chart = keyId ? api.keyUsage(keyId, from, to, granularity) : project;
    project
      .then((usage) => {
        if (!live) return;
        setRanking({ keys: usage.keys ?? [], range });
        setRanked(usage.keys ?? []);
      })
      .catch(() => undefined); // the chart's read reports the error
    chart
      .then((usage) => {
        if (!live) return;
        setAnswer({ query, usage, starts });
        setError(null);
      })
      .catch((e) => live && setError(errorText(e)));
    return () => {
      live = false;
    };
  }, [range, granularity, keyId, reloads]);

  const view = useMemo(
    () => (answer && answer.query === query ? summarise(answer.usage, answer.starts) : null),
    [answer, query],
  );
  const subject = keyId
    ? (() => {
        const k = choices.find((c) => c.id === keyId);
        return k ? `key ${displayPrefix(k.prefix)} ${k.name}` : 'the chosen key';
      })()
    : 'the whole project';
  const rangeLabel = labelOf(range);

  return (
    <section aria-labelledby="usage-title">
      <div class="toolbar">
        <h2 id="usage-title">Requests over time</h2>
        <Select
          label="Period"
          value={range}
          choices={RANGES.map((r) => ({ value: r.name, label: r.label }))}
          onChange={setRange}
        />
        <Select label="Per" value={granularity} choices={GRANULARITIES} onChange={setGranularity} />
        <Select
          label="Keys"
          value={keyId}
          choices={[
            { value: '', label: 'Whole project' },
            ...choices.map((k) => ({ value: k.id, label: `${displayPrefix(k.prefix)} ${k.name}` })),
          ]}
          onChange={setKeyId}
        />
        <button type="button" class="secondary" onClick={() => setReloads((n) => n + 1)}>
          Refresh
        </button>
      </div>
      <ErrorLine error={error} />
      {!view && !error && <p class="loading">Loading usage…</p>}
      {view && (
        <>
          {Chart ? (
            <Chart
              times={view.times}
              series={view.series}
              granularity={view.granularity}
              label={`Requests per ${granularity} for ${subject}, ${rangeLabel}, by outcome. The same numbers are in the tables below.`}
              period={rangeLabel}
            />
          ) : (
            <div class="chart" />
          )}
          <table class="totals" data-testid="outcome-totals">
            <caption>
              Requests by outcome for {subject}, {rangeLabel}
            </caption>
            <thead>
              <tr>
                <th scope="col">Outcome</th>
                <th scope="col">Requests</th>
              </tr>
            </thead>
            <tbody>
              {view.totals.map((t) => (
                <tr data-outcome={t.outcome}>
                  <th scope="row">{outcomeLabel(t.outcome)}</th>
                  <td class="num">{t.count}</td>
                </tr>
              ))}
              <tr data-outcome="total" class="total">
                <th scope="row">Total</th>
                <td class="num">{view.total}</td>
              </tr>
            </tbody>
          </table>
          <details>
            <summary>Every {granularity} as a table</summary>
            <div class="table-wrap">
              <table class="points">
                <thead>
                  <tr>
                    <th scope="col">Start (UTC)</th>
                    {view.series.map((s) => (
                      <th scope="col">{s.label}</th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {view.times.map((t, i) => (
                    <tr>
                      <th scope="row">
                        <DateText iso={new Date(t).toISOString()} />
                      </th>
                      {view.series.map((s) => (
                        <td class="num">{s.values[i]}</td>
                      ))}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </details>
        </>
      )}
      {ranking && (
        <DataTable
          className="ranking"
          testId="ranking"
          caption={`Most-used keys of the project, ${labelOf(ranking.range)}`}
          columns={['Rank', 'Prefix', 'Name', 'Requests']}
          empty={ranking.keys.length === 0 ? 'No requests in this period.' : null}
        >
          {ranking.keys.map((k, i) => (
            <tr data-key-id={k.id}>
              <td class="num">{i + 1}</td>
              <td>
                <code>{displayPrefix(k.prefix)}</code>
              </td>
              <td class="name">{k.name}</td>
              <td class="num">{k.requests}</td>
            </tr>
          ))}
        </DataTable>
      )}
    </section>
  );
}

/** Points on the window's grid (missing points are zeros), one series per outcome seen. */
function summarise(usage: UsageAnswer, starts: number[]) {
  const byStart = new Map<number, Record<string, number>>();
  const totals = new Map<string, number>();
  for (const point of usage.points) {
    const at = Date.parse(point.start);
    const merged = byStart.get(at) ?? {};
    for (const [outcome, count] of Object.entries(point.outcomes ?? {})) {
      merged[outcome] = (merged[outcome] ?? 0) + count;
      totals.set(outcome, (totals.get(outcome) ?? 0) + count);
    }
    byStart.set(at, merged);
  }
  const times = [...new Set([...starts, ...byStart.keys()])].sort((a, b) => a - b);
  const known: string[] = OUTCOMES.map((o) => o.outcome);
  const outcomes = [
    ...known.filter((o) => o === 'valid' || (totals.get(o) ?? 0) > 0),
    ...[...totals.keys()].filter((o) => !known.includes(o)).sort(),
  ];
  const series: ChartSeries[] = outcomes.map((outcome) => ({
    label: outcomeLabel(outcome),
    values: times.map((t) => byStart.get(t)?.[outcome] ?? 0),
    stroke: LOOK[outcome]?.stroke ?? '#333333',
    dash: LOOK[outcome]?.dash,
  }));
  const rows = outcomes.map((outcome) => ({ outcome, count: totals.get(outcome) ?? 0 }));
  const total = rows.reduce((sum, r) => sum + r.count, 0);
  return { times, series, totals: rows, total, granularity: usage.granularity };
}

/** The key that replaced the target of a rotation, as far as the project's keys tell. */
function replacementOf(event: AuditEvent, keys: KeyRecord[]): KeyRecord | null {
  if (event.action !== 'key.rotated') return null;
  const to = keys.find((k) => k.id === event.target.keyId)?.rotatedTo;
  return (to && keys.find((k) => k.id === to)) || null;
}

function Audit(props: { api: Api; keys: KeyRecord[] }) {
  const [events, setEvents] = useState<AuditEvent[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [reloads, setReloads] = useState(0);

  useEffect(() => {
    let live = true;
    props.api
      .audit(100)
      .then((list) => {
        if (!live) return;
        setEvents(list);
        setError(null);
      })
      .catch((e) => live && setError(errorText(e)));
    return () => {
      live = false;
    };
  }, [reloads]);

  return (
    <section aria-labelledby="audit-title">
      <div class="toolbar">
        <h2 id="audit-title">Audit list</h2>
        <button type="button" class="secondary" onClick={() => setReloads((n) => n + 1)}>
          Refresh
        </button>
      </div>
      <ErrorLine error={error} />
      {events === null && !error && <p class="loading">Loading the audit list…</p>}
      {events && (
        <DataTable
          className="audit"
          testId="audit"
          caption={`The last ${events.length} management actions, newest first`}
          columns={['When', 'Action', 'By', 'Key']}
          empty={events.length === 0 ? 'No management actions yet.' : null}
        >
          {events.map((e) => {
            const replacement = replacementOf(e, props.keys);
            return (
              <tr data-action={e.action} data-target={e.target.keyId}>
                <td data-label="When">
                  <DateText iso={e.at} />
                </td>
                <td data-label="Action">{ACTIONS[e.action] ?? e.action}</td>
                <td data-label="By">
                  {e.actor ? <code>{displayPrefix(e.actor.prefix)}</code> : 'CLI or code'}
                </td>
                <td data-label="Key">
                  <span>
                    <code>{displayPrefix(e.target.prefix)}</code>{' '}
                    <span class="name">{e.target.name}</span>
                    {replacement && (
                      <span class="link">
                        {' '}
                        rotated to <code>{displayPrefix(replacement.prefix)}</code>
                      </span>
                    )}
                  </span>
                </td>
              </tr>
            );
          })}
        </DataTable>
      )}
    </section>
  );
}
