/**
 * Calendar windows: periods of minutes (hours are 60 of them), days, weeks, months, quarters (3 months) or years (12 months) that start at the SLO's
 * `calendar.startTime` (a wall-clock time in `calendar.timeZone`) and repeat in that time
 * zone, so a month boundary is local midnight even across daylight-saving changes.
 * Only the platform's Intl time-zone data is used; no time-zone library.
 */
export interface WallTime {
  year: number;
  /** 1..12 */
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

export type CalendarUnit = 'minute' | 'day' | 'week' | 'month';

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True when the platform knows the IANA time zone name. */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** Wall-clock time in `timeZone` at the UTC instant `ms`. */
export function wallTimeAt(ms: number, timeZone: string): WallTime {
  const parts = formatter(timeZone).formatToParts(new Date(ms));
  const get = (type: Intl.DateTimeFormatPartTypes): number => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return { year: get('year'), month: get('month'), day: get('day'), hour: get('hour'), minute: get('minute'), second: get('second') };
}

function wallAsUtc(w: WallTime): number {
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
}

/** Offset of `timeZone` from UTC at instant `ms`, in ms (Vienna in winter: +3_600_000). */
export function zoneOffsetMs(ms: number, timeZone: string): number {
  const whole = Math.floor(ms / 1000) * 1000;
  return wallAsUtc(wallTimeAt(whole, timeZone)) - whole;
}

/**
 * The UTC instant of a wall-clock time in `timeZone`. A wall time skipped by a DST
 * change (02:30 on a spring-forward night) maps to 03:30 local; an ambiguous one (autumn)
 * maps to its first occurrence.
 */
export function wallTimeToUtc(w: WallTime, timeZone: string): number {
  const guess = wallAsUtc(w);
  const before = guess - zoneOffsetMs(guess - 86_400_000, timeZone);
  const after = guess - zoneOffsetMs(guess + 86_400_000, timeZone);
  const fits = (t: number): boolean => wallAsUtc(wallTimeAt(t, timeZone)) === guess;
  const candidates = [before, after].filter(fits).sort((a, b) => a - b);
  // In a spring-forward gap neither fits: shift forward by the gap, as most libraries do.
  return candidates[0] ?? before;
}

const START_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?$/;

/** Parses OpenSLO `calendar.startTime` (`2024-01-01 00:00:00`, zone-less wall time). */
export function parseStartTime(text: string): WallTime | null {
  const m = START_TIME.exec(text.trim());
  if (!m) return null;
  const w: WallTime = {
    year: Number(m[1]),
    month: Number(m[2]),
    day: Number(m[3]),
    hour: Number(m[4] ?? 0),
    minute: Number(m[5] ?? 0),
    second: Number(m[6] ?? 0),
  };
  const check = new Date(wallAsUtc(w));
  const valid =
    check.getUTCFullYear() === w.year &&
    check.getUTCMonth() + 1 === w.month &&
    check.getUTCDate() === w.day &&
    w.hour < 24 &&
    w.minute < 60 &&
    w.second < 60;
  return valid ? w : null;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Wall time of the k-th period start (k may be negative). Month ends clamp (Jan 31 -> Feb 28). */
function periodStartWall(start: WallTime, unit: CalendarUnit, count: number, k: number): WallTime {
  if (unit === 'minute') {
    const d = new Date(Date.UTC(start.year, start.month - 1, start.day, start.hour, start.minute + count * k, start.second));
    return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes(), second: d.getUTCSeconds() };
  }
  if (unit === 'week' || unit === 'day') {
    const d = new Date(Date.UTC(start.year, start.month - 1, start.day + (unit === 'week' ? 7 : 1) * count * k));
    return { ...start, year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
  }
  const months = start.year * 12 + (start.month - 1) + count * k;
  const year = Math.floor(months / 12);
  const month = (months % 12) + 1;
  return { ...start, year, month, day: Math.min(start.day, daysInMonth(year, month)) };
}

export interface CalendarSpec {
  start: WallTime;
  timeZone: string;
  unit: CalendarUnit;
  /** Units per period (1 for `1w` / `1M`, 3 months for `1Q`, 12 months for `1Y`). */
  count: number;
}

const lastPeriod = new WeakMap<CalendarSpec, { start: number; end: number }>();

/** The calendar period `[start, end)` (UTC ms) that contains instant `ms`. */
export function calendarPeriod(spec: CalendarSpec, ms: number): { start: number; end: number } {
  // Evaluations walk forward minute by minute: the last period nearly always still applies.
  const last = lastPeriod.get(spec);
  if (last && ms >= last.start && ms < last.end) return last;
  const p = computePeriod(spec, ms);
  lastPeriod.set(spec, p);
  return p;
}

function computePeriod(spec: CalendarSpec, ms: number): { start: number; end: number } {
  const at = (k: number): number => wallTimeToUtc(periodStartWall(spec.start, spec.unit, spec.count, k), spec.timeZone);
  const origin = at(0);
  const approxLen = (spec.unit === 'minute' ? 1 / 1440 : spec.unit === 'day' ? 1 : spec.unit === 'week' ? 7 : 30.436875) * 86_400_000 * spec.count;
  let k = Math.floor((ms - origin) / approxLen);
  while (at(k) > ms) k--;
  while (at(k + 1) <= ms) k++;
  return { start: at(k), end: at(k + 1) };
}

/** Nominal budget period of a calendar window in days (a month counts 30, a quarter 90, a year 365), for default alert factors. */
export function nominalPeriodDays(spec: Pick<CalendarSpec, 'unit' | 'count'>): number {
  if (spec.unit === 'minute') return spec.count / 1440;
  if (spec.unit === 'day') return spec.count;
  if (spec.unit === 'week') return 7 * spec.count;
  return spec.count % 12 === 0 ? 365 * (spec.count / 12) : 30 * spec.count;
}

/** Longest period a calendar window can have in days (31-day months, 92-day quarters, 366-day years). */
export function longestPeriodDays(spec: Pick<CalendarSpec, 'unit' | 'count'>): number {
  if (spec.unit === 'minute') return spec.count / 1440;
  if (spec.unit === 'day') return spec.count;
  if (spec.unit === 'week') return 7 * spec.count;
  return spec.count % 12 === 0 ? 366 * (spec.count / 12) : spec.count % 3 === 0 ? 92 * (spec.count / 3) : 31 * spec.count;
}
