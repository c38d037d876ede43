import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';

/** One line of the chart. The dash pattern tells lines apart without colour. */
export interface ChartSeries {
  label: string;
  values: number[];
  stroke: string;
  dash?: number[];
}

const HEIGHT = 260;
const pad = (n: number) => String(n).padStart(2, '0');

/** Axis labels in UTC, 24-hour: `14:00` within a day, `12-02` at midnight and for days. */
function tick(seconds: number, granularity: 'hour' | 'day'): string {
  const d = new Date(seconds * 1000);
  const day = `${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  if (granularity === 'day' || (d.getUTCHours() === 0 && d.getUTCMinutes() === 0)) return day;
  return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}

/**
 * A uPlot time-series chart (times in epoch milliseconds, UTC axis), resized with its container.
 * The same numbers are always also in a table next to it, for screen readers.
 */
export function Chart(props: {
  times: number[];
  series: ChartSeries[];
  granularity: 'hour' | 'day';
  label: string;
}) {
  const box = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const width = () => Math.max(240, Math.floor(el.clientWidth));
    const plot = new uPlot(
      {
        width: width(),
        height: HEIGHT,
        tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
        scales: { y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
        axes: [
          { values: (_u, splits) => splits.map((s) => tick(s, props.granularity)) },
          { label: 'Requests' },
        ],
        series: [
          { label: 'Time (UTC)' },
          ...props.series.map((s) => ({
            label: s.label,
            stroke: s.stroke,
            width: 2,
            dash: s.dash,
            points: { show: props.times.length <= 60 },
          })),
        ],
      },
      [props.times.map((t) => t / 1000), ...props.series.map((s) => s.values)],
      el,
    );
    let lastWidth = width();
    const resize = new ResizeObserver(() => {
      const next = width();
      if (next === lastWidth) return;
      lastWidth = next;
      plot.setSize({ width: next, height: HEIGHT });
    });
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [props.times, props.series, props.granularity]);

  return <div class="chart" ref={box} role="img" aria-label={props.label} />;
}
