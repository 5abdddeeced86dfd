/**
 * OpenSLO duration shorthand (`5m`, `1h`, `28d`, `1w`, `1M`, `1Q`, `1Y`) as used by this
 * pipeline. Everything the SLI math touches is whole minutes, so durations are kept in
 * minutes; `M`, `Q` and `Y` (calendar month, quarter, year) have no fixed length and only
 * appear in calendar windows.
 */
export const MINUTE_MS = 60_000;
export const HOUR_MIN = 60;
export const DAY_MIN = 1_440;

export type DurationUnit = 'm' | 'h' | 'd' | 'w' | 'M' | 'Q' | 'Y';

export interface ParsedDuration {
  /** The text as written, e.g. `28d` (used as-is for keys such as `burn_rates["1h"]`). */
  text: string;
  count: number;
  unit: DurationUnit;
}

const SHORTHAND = /^([1-9][0-9]{0,5})(m|h|d|w|M|Q|Y)$/;
const UNIT_MINUTES: Record<Exclude<DurationUnit, 'M' | 'Q' | 'Y'>, number> = { m: 1, h: HOUR_MIN, d: DAY_MIN, w: 7 * DAY_MIN };

export function parseDuration(text: string): ParsedDuration | null {
  const m = SHORTHAND.exec(text);
  if (!m) return null;
  return { text, count: Number(m[1]), unit: m[2] as DurationUnit };
}

/** Fixed length in minutes; null for calendar months, quarters and years. */
export function durationMinutes(d: ParsedDuration): number | null {
  return d.unit === 'M' || d.unit === 'Q' || d.unit === 'Y' ? null : d.count * UNIT_MINUTES[d.unit];
}

/** Parses a fixed-length duration (no `M`) to minutes, or null when malformed. */
export function fixedMinutes(text: string): number | null {
  const d = parseDuration(text);
  return d ? durationMinutes(d) : null;
}

/** Epoch minute containing `ms` (the minute bucket of an event). */
export function minuteOf(ms: number): number {
  return Math.floor(ms / MINUTE_MS);
}

/** First whole minute at or after `ms`. */
export function ceilMinute(ms: number): number {
  return Math.ceil(ms / MINUTE_MS);
}

/** Short human form of a minute count for messages: `90m` -> `1h30m`. */
export function formatMinutes(min: number): string {
  if (min % DAY_MIN === 0) return `${min / DAY_MIN}d`;
  if (min % HOUR_MIN === 0) return `${min / HOUR_MIN}h`;
  return `${min}m`;
}
