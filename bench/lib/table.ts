/** Plain-text tables for the bench's stdout. */

export type Cell = string | number | null | undefined;

export function fmt(value: Cell, digits = 0): string {
  if (value === null || value === undefined) return '–';
  if (typeof value === 'string') return value;
  if (!Number.isFinite(value)) return '–';
  return value.toLocaleString('en-US', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

/** Left-aligns the first column and right-aligns the others. */
export function table(title: string, headers: string[], rows: Cell[][]): string {
  const text = rows.map((row) => row.map((cell) => fmt(cell)));
  const widths = headers.map((h, i) => Math.max(h.length, ...text.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [
    title,
    line(headers),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...text.map(line),
    '',
  ].join('\n');
}
