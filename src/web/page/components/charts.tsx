// Charts: a small bar chart of recent run durations (SVG, coloured by state) and time series with
// uPlot (rows per run, sync duration, lag, changes per second), their time axis in the chosen zone.
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import { formatDuration, zoneName, useZone } from '../time.js';

export interface Bar {
  key: string;
  value: number | null;
  state: string;
  title: string;
}

/** Bars scaled to the tallest, oldest left; each with its title as a tooltip. */
export function DurationBars({ bars, height = 28 }: { bars: Bar[]; height?: number }) {
  const max = Math.max(1, ...bars.map((b) => b.value ?? 0));
  const w = 7;
  return (
    <svg
      class="sparkline"
      width={bars.length * (w + 2)}
      height={height}
      role="img"
      aria-label="recent run durations"
    >
      {bars.map((b, i) => {
        const h = Math.max(2, ((b.value ?? 0) / max) * (height - 2));
        return (
          <rect key={b.key} x={i * (w + 2)} y={height - h} width={w} height={h} class={`fill-${b.state}`}>
            <title>{b.title}</title>
          </rect>
        );
      })}
    </svg>
  );
}

export interface Series {
  label: string;
  values: (number | null)[];
  color: string;
  /** Formats a value for the legend. */
  format?: (v: number) => string;
}

export function TimeChart(props: { title: string; times: number[]; series: Series[]; height?: number }) {
  const box = useRef<HTMLDivElement>(null);
  const zone = useZone();
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const opts: uPlot.Options = {
      width: Math.max(320, el.clientWidth),
      height: props.height ?? 200,
      ...(zone === 'UTC' ? { tzDate: (ts: number) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC') } : {}),
      // 24-hour times and ISO dates on the axis (uPlot's default is US style).
      fmtDate: (template: string) =>
        uPlot.fmtDate(
          template
            .replace(/\{h\}/g, '{HH}')
            .replace(/\{aa\}/g, '')
            .replace('{M}/{D}/{YY}', '{YYYY}-{MM}-{DD}')
            .replace('{M}/{D}', '{MM}-{DD}'),
        ),
      scales: { x: { time: true } },
      series: [
        {},
        ...props.series.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: 2,
          points: { show: true, size: 5 },
          spanGaps: false,
          value: (_u: uPlot, v: number | null) =>
            v === null ? '–' : s.format ? s.format(v) : v.toLocaleString('en-US'),
        })),
      ],
      axes: [{}, { size: 60 }],
      legend: { live: true },
    };
    const plot = new uPlot(
      opts,
      [props.times, ...props.series.map((s) => s.values)] as uPlot.AlignedData,
      el,
    );
    return () => plot.destroy();
  }, [props.times, props.series, zone]);
  return (
    <figure class="chart">
      <figcaption>
        {props.title} <span class="muted">(times in {zoneName(zone)})</span>
      </figcaption>
      <div ref={box} />
    </figure>
  );
}

export const seconds = (v: number) => formatDuration(v);
