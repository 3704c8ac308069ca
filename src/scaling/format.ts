// Number formatting and parsing shared by the scaling CLI and reports: SI suffixes (124.4M, 1.4T),
// bytes (GiB), durations, and parsing of quantities such as "5.76e23", "70B", "1.4T", "124,439,808".

/** 124439808 → "124.44M"; 1.4e12 → "1.40T". @example si(1.4e12) // "1.40T" */
export function si(n: number, digits = 2): string {
  if (!Number.isFinite(n)) return String(n);
  const a = Math.abs(n);
  const units: [number, string][] = [[1e15, 'P'], [1e12, 'T'], [1e9, 'B'], [1e6, 'M'], [1e3, 'K']];
  for (const [v, s] of units) if (a >= v) return (n / v).toFixed(digits) + s;
  return Number.isInteger(n) ? String(n) : n.toFixed(digits);
}

/** 1.2e22 → "1.20e+22". @example exp(5.76e23) // "5.76e+23" */
export function exp(n: number, digits = 2): string {
  return n.toExponential(digits);
}

/** Integer with thousands separators. @example commas(124439808) // "124,439,808" */
export function commas(n: number): string {
  return Math.round(n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Bytes in binary units. @example bytes(1073741824) // "1.00 GiB" */
export function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = n, i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return i === 0 ? `${n} B` : `${v.toFixed(2)} ${units[i]}`;
}

/** Seconds as "42 s", "3.5 min", "2.1 h", "4.0 days", "3.2 years". @example duration(7200) // "2.00 h" */
export function duration(s: number): string {
  if (s < 120) return `${s.toFixed(s < 10 ? 2 : 0)} s`;
  if (s < 7200) return `${(s / 60).toFixed(1)} min`;
  if (s < 172800) return `${(s / 3600).toFixed(2)} h`;
  if (s < 2 * 31557600) return `${(s / 86400).toFixed(1)} days`;
  return `${(s / 31557600).toFixed(1)} years`;
}

/**
 * Parse a positive quantity: plain or scientific numbers, "_" or "," separators, suffixes K, M, B (or G), T, P.
 * Throws naming the option.
 *
 * @example parseQuantity('1.4T') // 1.4e12
 */
export function parseQuantity(text: string, what = 'value'): number {
  const t = text.trim().replace(/[_,]/g, '');
  const m = /^([0-9]*\.?[0-9]+(?:e[+-]?[0-9]+)?)([kmbgtp]?)$/i.exec(t);
  if (!m) throw new Error(`${what}: cannot parse "${text}" (examples: 5.76e23, 70B, 1.4T, 124M)`);
  const mult: Record<string, number> = { '': 1, k: 1e3, m: 1e6, b: 1e9, g: 1e9, t: 1e12, p: 1e15 };
  const v = Number(m[1]) * mult[m[2]!.toLowerCase()]!;
  if (!(v > 0) || !Number.isFinite(v)) throw new Error(`${what}: must be a positive number, got "${text}"`);
  return v;
}

/** Parse "a,b,c" where each item is a quantity. Commas separate items here, so items use "_" or none. */
export function parseList(text: string, what = 'list'): number[] {
  const items = text.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  if (items.length === 0) throw new Error(`${what}: empty list "${text}"`);
  return items.map((s, i) => parseQuantity(s, `${what}[${i}]`));
}
