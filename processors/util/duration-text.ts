/** `30s`, `5m`, `2h`, `1d` or plain milliseconds -> ms; null when the text is none of these. */
export function durationMs(value: string): number | null {
  const m = /^(\d+)(ms|s|m|h|d)?$/.exec(value.trim());
  if (!m) return null;
  const mult = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] ?? 'ms'] ?? 1;
  return Number(m[1]) * mult;
}
