// Plain-text output for people: aligned tables and decimal renderings of integer units.

/** An integer amount of units of 10^-decimals as a decimal string, exactly. */
export function formatUnits(units: number, decimals: number): string {
  const negative = units < 0;
  const digits = String(Math.abs(units)).padStart(decimals + 1, '0');
  const whole = digits.slice(0, digits.length - decimals);
  const frac = decimals > 0 ? '.' + digits.slice(digits.length - decimals) : '';
  return (negative ? '-' : '') + whole + frac;
}

export function formatInt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** Rows of cells as a table; the first row is the header. Numbers align right. */
export function table(rows: (string | number)[][]): string {
  const cells = rows.map((r) => r.map((c) => (typeof c === 'number' ? formatInt(c) : c)));
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells
    .map((r, n) =>
      r
        .map((c, i) => (n > 0 && typeof rows[n]![i] === 'number' ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
