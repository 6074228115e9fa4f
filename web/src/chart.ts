import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { h } from "./dom";

// barChart draws a histogram or a time series with uPlot. onSelect gets the
// x range the user dragged across (uPlot's select), in x units.
export function chart(opts: {
  title: string;
  x: number[];
  series: { label: string; values: (number | null)[]; color: string }[];
  bars?: boolean;
  time?: boolean;
  width?: number;
  height?: number;
  xLabel?: string;
  // xRange fixes the x axis (a time window), else it fits the data.
  xRange?: [number, number];
  onSelect?: (from: number, to: number) => void;
}): HTMLElement {
  const box = h("div", { class: "chart", "data-chart": opts.title });
  const bars = opts.bars ? uPlot.paths.bars!({ size: [0.9, 40] }) : undefined;
  const o: uPlot.Options = {
    title: opts.title,
    width: opts.width ?? 520,
    height: opts.height ?? 200,
    scales: { x: opts.xRange ? { time: !!opts.time, range: () => opts.xRange! } : { time: !!opts.time } },
    cursor: { drag: { x: true, y: false, setScale: false } },
    legend: { show: opts.series.length > 1 },
    axes: [{ label: opts.xLabel }, {}],
    series: [
      {},
      ...opts.series.map((s) => ({
        label: s.label,
        stroke: s.color,
        fill: s.color + "66",
        paths: bars,
        points: { show: !opts.bars && opts.x.length < 30 },
      })),
    ],
    hooks: {
      setSelect: [
        (u: uPlot) => {
          if (!opts.onSelect || u.select.width < 3) return;
          const a = u.posToVal(u.select.left, "x");
          const b = u.posToVal(u.select.left + u.select.width, "x");
          u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
          opts.onSelect(a, b);
        },
      ],
    },
  };
  const data = [opts.x, ...opts.series.map((s) => s.values)] as uPlot.AlignedData;
  new uPlot(o, data, box);
  return box;
}

// histogram buckets values (seconds) into n bins between 0 and the max.
export function histogram(values: number[], n = 30): { x: number[]; counts: number[]; width: number } {
  const max = Math.max(0.001, ...values);
  const width = max / n;
  const counts = new Array(n).fill(0);
  for (const v of values) counts[Math.min(n - 1, Math.floor(v / width))]++;
  return { x: counts.map((_, i) => +(i * width + width / 2).toFixed(4)), counts, width };
}

// rebin spreads a server histogram (response time → count, one entry per
// distinct value) over n even bins, so that bars have a readable width.
export function rebin(entries: { Value: number; Count: number }[], n = 30): { x: number[]; counts: number[] } {
  const max = Math.max(0.001, ...entries.map((e) => e.Value));
  const width = max / n;
  const counts = new Array(n).fill(0);
  for (const e of entries) counts[Math.min(n - 1, Math.floor(e.Value / width))] += e.Count;
  return { x: counts.map((_, i) => +(i * width + width / 2).toFixed(4)), counts };
}
