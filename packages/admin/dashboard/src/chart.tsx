import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import { axisLabels, formatDate } from './format';

/** One line of the chart. The dash pattern tells lines apart without colour. */
export interface ChartSeries {
  label: string;
  values: number[];
  stroke: string;
  dash?: number[];
}

const HEIGHT = 260;
const DAY_SECONDS = 86_400;
/** Daily, ticks fall on whole days only (uPlot picks the smallest step that leaves room). */
const DAY_STEPS = [1, 2, 3, 7, 14, 28].map((days) => days * DAY_SECONDS);

const sum = (values: number[]) => values.reduce((total, v) => total + v, 0);

/**
 * A uPlot time-series chart (times in epoch milliseconds, UTC axis), resized with its container.
 * The same numbers are always also in a table next to it, for screen readers.
 */
export function Chart(props: {
  times: number[];
  series: ChartSeries[];
  granularity: 'hour' | 'day';
  label: string;
  /** What the legend says for the time when no point is hovered (`last 7 days`). */
  period: string;
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
          {
            values: (_u, splits) => axisLabels(splits, props.granularity),
            ...(props.granularity === 'day' ? { incrs: DAY_STEPS } : {}),
          },
          { label: 'Requests' },
        ],
        // Not hovered, the legend shows the period and each line's total over it (not `--`).
        series: [
          {
            label: 'Time (UTC)',
            value: (_u, _seconds, _s, idx) =>
              idx == null
                ? props.period
                : formatDate(new Date(props.times[idx] ?? 0).toISOString()),
          },
          ...props.series.map((s) => ({
            label: s.label,
            value: (_u: uPlot, _count: number, _s: number, idx: number | null) =>
              String(idx == null ? sum(s.values) : (s.values[idx] ?? 0)),
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
  }, [props.times, props.series, props.granularity, props.period]);

  return <div class="chart" ref={box} role="img" aria-label={props.label} />;
}
