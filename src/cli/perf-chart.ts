/**
 * `--chart FILE`: a self-contained SVG of a perf run, one point per sample: the
 * throughput (records/s) in the upper panel, the latency (p50, p99, max, ms) in
 * the lower, sharing the time axis. Hand-written SVG, no dependencies; every text
 * is XML-escaped so the file is well-formed whatever the title.
 */
import { type PerfSample } from './perf-stats.js';

const WIDTH = 900;
const PANEL_HEIGHT = 260;
const MARGIN = { left: 80, right: 130, top: 50, gap: 70, bottom: 50 } as const;
const PLOT_WIDTH = WIDTH - MARGIN.left - MARGIN.right;
const HEIGHT = MARGIN.top + PANEL_HEIGHT * 2 + MARGIN.gap + MARGIN.bottom;

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** A round upper bound for an axis (1, 2 or 5 times a power of ten). */
function niceMax(value: number): number {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

const label = (n: number): string => (n >= 1_000_000 ? `${+(n / 1_000_000).toFixed(2)}M` : n >= 1000 ? `${+(n / 1000).toFixed(2)}k` : `${+n.toFixed(2)}`);

interface Series {
  readonly name: string;
  readonly color: string;
  readonly values: readonly number[];
}

/** One panel: frame, grid, ticks, axis labels, a polyline and points per series, a legend. */
function panel(top: number, yLabel: string, seconds: readonly number[], xMax: number, series: readonly Series[]): string {
  const yMax = niceMax(Math.max(0, ...series.flatMap((s) => s.values)));
  const x = (s: number): number => MARGIN.left + (s / xMax) * PLOT_WIDTH;
  const y = (v: number): number => top + PANEL_HEIGHT - (v / yMax) * PANEL_HEIGHT;
  const parts: string[] = [`<g class="panel" data-axis="${escapeXml(yLabel)}">`];
  parts.push(`<rect x="${MARGIN.left}" y="${top}" width="${PLOT_WIDTH}" height="${PANEL_HEIGHT}" fill="#fafafa" stroke="#888"/>`);
  for (let i = 0; i <= 5; i++) {
    const v = (yMax * i) / 5;
    const yy = y(v).toFixed(1);
    parts.push(`<line x1="${MARGIN.left}" y1="${yy}" x2="${MARGIN.left + PLOT_WIDTH}" y2="${yy}" stroke="#ddd"/>`);
    parts.push(`<text x="${MARGIN.left - 8}" y="${yy}" text-anchor="end" dominant-baseline="middle" font-size="11">${escapeXml(label(v))}</text>`);
    const s = (xMax * i) / 5;
    parts.push(`<text x="${x(s).toFixed(1)}" y="${top + PANEL_HEIGHT + 16}" text-anchor="middle" font-size="11">${escapeXml(label(s))}</text>`);
  }
  parts.push(`<text x="${MARGIN.left + PLOT_WIDTH / 2}" y="${top + PANEL_HEIGHT + 34}" text-anchor="middle" font-size="12">time (s)</text>`);
  parts.push(`<text transform="translate(${MARGIN.left - 58},${top + PANEL_HEIGHT / 2}) rotate(-90)" text-anchor="middle" font-size="12">${escapeXml(yLabel)}</text>`);
  series.forEach((s, i) => {
    const points = s.values.map((v, j) => `${x(seconds[j]!).toFixed(1)},${y(v).toFixed(1)}`);
    parts.push(`<polyline class="series" data-series="${escapeXml(s.name)}" fill="none" stroke="${s.color}" stroke-width="2" points="${points.join(' ')}"/>`);
    for (const [j, p] of points.entries()) {
      const [cx, cy] = p.split(',');
      parts.push(`<circle class="sample" cx="${cx}" cy="${cy}" r="2.5" fill="${s.color}"><title>${escapeXml(`${label(seconds[j]!)} s: ${s.name} ${label(s.values[j]!)}`)}</title></circle>`);
    }
    const ly = top + 14 + i * 18;
    parts.push(`<line x1="${WIDTH - MARGIN.right + 12}" y1="${ly}" x2="${WIDTH - MARGIN.right + 32}" y2="${ly}" stroke="${s.color}" stroke-width="2"/>`);
    parts.push(`<text x="${WIDTH - MARGIN.right + 38}" y="${ly}" dominant-baseline="middle" font-size="12">${escapeXml(s.name)}</text>`);
  });
  parts.push('</g>');
  return parts.join('\n');
}

/** The SVG document for a run's samples. */
export function renderChart(title: string, samples: readonly PerfSample[], latencyName: string): string {
  const seconds = samples.map((s) => s.seconds);
  const xMax = niceMax(Math.max(1, ...seconds));
  const throughput: Series[] = [{ name: 'records/s', color: '#1f77b4', values: samples.map((s) => s.recordsPerSecond) }];
  const latency: Series[] = [
    { name: 'p50', color: '#2ca02c', values: samples.map((s) => s.p50) },
    { name: 'p99', color: '#ff7f0e', values: samples.map((s) => s.p99) },
    { name: 'max', color: '#d62728', values: samples.map((s) => s.max) },
  ];
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
    `<text x="${WIDTH / 2}" y="28" text-anchor="middle" font-size="16">${escapeXml(title)}</text>`,
    panel(MARGIN.top, 'throughput (records/s)', seconds, xMax, throughput),
    panel(MARGIN.top + PANEL_HEIGHT + MARGIN.gap, `${latencyName} (ms)`, seconds, xMax, latency),
    '</svg>',
    '',
  ].join('\n');
}
