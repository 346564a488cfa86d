/** Text rendering helpers: tables, ages, times, a progress bar. Commands return data; these draw it. */

/** Left-aligned columns separated by two spaces; numbers right-aligned. */
export function table(headers: string[], rows: (string | number | undefined | null)[][]): string {
  const cells = rows.map((row) => headers.map((_, i) => (row[i] === undefined || row[i] === null ? '-' : String(row[i]))));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i]!.length)));
  const numeric = headers.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === 'number' || r[i] === undefined || r[i] === null));
  const line = (r: string[]) =>
    r
      .map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...cells.map(line)].join('\n');
}

/** 42s, 5m12s, 3h04m, 2d05h. */
export function formatAge(seconds: number | undefined | null): string {
  if (seconds === undefined || seconds === null || !Number.isFinite(seconds)) return '-';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(s / 86_400)}d${String(Math.floor((s % 86_400) / 3600)).padStart(2, '0')}h`;
}

export const iso = (ms: number | undefined | null): string | undefined =>
  ms === undefined || ms === null || !Number.isFinite(ms) ? undefined : new Date(ms).toISOString();

/** The last path segment of a queue URL (its name). */
export const queueName = (url: string): string => url.slice(url.lastIndexOf('/') + 1);

export const truncate = (text: string, max: number): string => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

/**
 * A progress bar redrawn in place on stderr when it is a terminal; nothing otherwise (the final count
 * is printed by the command either way).
 */
export function progressBar(write: (text: string) => void, isTTY: boolean, total: number, label: string) {
  let last = -1;
  return {
    update(done: number) {
      if (!isTTY || done === last) return;
      last = done;
      const width = 30;
      const fraction = total > 0 ? Math.min(1, done / total) : 1;
      const filled = Math.round(fraction * width);
      write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`);
    },
    done() {
      if (isTTY && last >= 0) write('\n');
    },
  };
}
