// Hand-written SVG line/scatter charts with log or linear axes, for the scaling report (no dependency).
// One function, `lineChart`, returns a standalone SVG document string; colours cycle through a fixed palette.

/** One series: points drawn as a polyline, markers, or both. */
export interface Series {
  name: string;
  points: Array<[number, number]>;
  mode?: 'line' | 'markers' | 'both';
  color?: string;
  dashed?: boolean;
}

/** A chart. */
export interface ChartSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  xLog?: boolean;
  yLog?: boolean;
  series: Series[];
  width?: number;
  height?: number;
}

const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

/** Escape text for XML. @example xml('a<b') // 'a&lt;b' */
export function xml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function tickLabel(v: number, log: boolean): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (log || a >= 1e4 || a < 1e-2) {
    const e = Math.floor(Math.log10(a) + 1e-9), m = v / 10 ** e;
    return Math.abs(m - 1) < 1e-9 ? `1e${e}` : `${+m.toFixed(2)}e${e}`;
  }
  return String(+v.toFixed(3));
}

function niceStep(span: number, target: number): number {
  const raw = span / target, p = 10 ** Math.floor(Math.log10(raw)), f = raw / p;
  return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * p;
}

function ticks(lo: number, hi: number, log: boolean): number[] {
  if (log) {
    const a = Math.floor(Math.log10(lo)), b = Math.ceil(Math.log10(hi)), out: number[] = [];
    const mults = b - a <= 2 ? [1, 2, 5] : [1];
    for (let e = a; e <= b; e++) for (const m of mults) { const v = m * 10 ** e; if (v >= lo * 0.999 && v <= hi * 1.001) out.push(v); }
    if (out.length < 2) return [lo, hi];
    return out;
  }
  const step = niceStep(hi - lo, 6), out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(+v.toPrecision(12));
  return out;
}

/**
 * Render a chart to an SVG string.
 *
 * @example lineChart({ title: 'loss', xLabel: 'FLOPs', yLabel: 'loss', xLog: true, series: [{ name: 'a', points: [[1e15, 3], [1e16, 2.5]] }] })
 */
export function lineChart(spec: ChartSpec): string {
  const W = spec.width ?? 720, H = spec.height ?? 480;
  const m = { l: 72, r: 190, t: 40, b: 56 };
  const pw = W - m.l - m.r, ph = H - m.t - m.b;
  const pts = spec.series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y) && (!spec.xLog || x > 0) && (!spec.yLog || y > 0));
  let [x0, x1] = pts.length ? [Math.min(...pts.map((p) => p[0])), Math.max(...pts.map((p) => p[0]))] : [1, 10];
  let [y0, y1] = pts.length ? [Math.min(...pts.map((p) => p[1])), Math.max(...pts.map((p) => p[1]))] : [1, 10];
  const pad = (lo: number, hi: number, log: boolean): [number, number] => {
    if (log) { const f = lo === hi ? 2 : Math.pow(hi / lo, 0.05); return [lo / f, hi * f]; }
    const d = lo === hi ? Math.abs(lo) * 0.1 || 1 : (hi - lo) * 0.05;
    return [lo - d, hi + d];
  };
  [x0, x1] = pad(x0, x1, !!spec.xLog);
  [y0, y1] = pad(y0, y1, !!spec.yLog);
  const tx = (x: number): number => m.l + pw * (spec.xLog ? Math.log(x / x0) / Math.log(x1 / x0) : (x - x0) / (x1 - x0));
  const ty = (y: number): number => m.t + ph * (1 - (spec.yLog ? Math.log(y / y0) / Math.log(y1 / y0) : (y - y0) / (y1 - y0)));
  const o: string[] = [];
  o.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  o.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  o.push(`<text x="${m.l + pw / 2}" y="22" text-anchor="middle" font-size="15">${xml(spec.title)}</text>`);
  for (const v of ticks(x0, x1, !!spec.xLog)) {
    const X = tx(v).toFixed(1);
    o.push(`<line x1="${X}" y1="${m.t}" x2="${X}" y2="${m.t + ph}" stroke="#e6e6e6"/>`);
    o.push(`<text x="${X}" y="${m.t + ph + 16}" text-anchor="middle">${tickLabel(v, !!spec.xLog)}</text>`);
  }
  for (const v of ticks(y0, y1, !!spec.yLog)) {
    const Y = ty(v).toFixed(1);
    o.push(`<line x1="${m.l}" y1="${Y}" x2="${m.l + pw}" y2="${Y}" stroke="#e6e6e6"/>`);
    o.push(`<text x="${m.l - 6}" y="${Y}" text-anchor="end" dominant-baseline="middle">${tickLabel(v, !!spec.yLog)}</text>`);
  }
  o.push(`<rect x="${m.l}" y="${m.t}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`);
  o.push(`<text x="${m.l + pw / 2}" y="${H - 14}" text-anchor="middle">${xml(spec.xLabel)}</text>`);
  o.push(`<text transform="translate(18 ${m.t + ph / 2}) rotate(-90)" text-anchor="middle">${xml(spec.yLabel)}</text>`);
  spec.series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length]!;
    const mode = s.mode ?? 'both';
    const ps = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y) && (!spec.xLog || x > 0) && (!spec.yLog || y > 0));
    if (mode !== 'markers' && ps.length > 1) {
      const d = ps.map(([x, y]) => `${tx(x).toFixed(1)},${ty(y).toFixed(1)}`).join(' ');
      o.push(`<polyline points="${d}" fill="none" stroke="${color}" stroke-width="1.8"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    }
    if (mode !== 'line') for (const [x, y] of ps) o.push(`<circle cx="${tx(x).toFixed(1)}" cy="${ty(y).toFixed(1)}" r="3.5" fill="${color}"/>`);
    const ly = m.t + 10 + 18 * i;
    o.push(`<line x1="${m.l + pw + 12}" y1="${ly}" x2="${m.l + pw + 32}" y2="${ly}" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    o.push(`<text x="${m.l + pw + 38}" y="${ly}" dominant-baseline="middle">${xml(s.name)}</text>`);
  });
  o.push('</svg>');
  return o.join('\n') + '\n';
}
