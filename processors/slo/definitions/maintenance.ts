import rrule from 'rrule';
import { z } from 'zod';
import { isValidTimeZone, parseStartTime, wallTimeToUtc } from './calendar.js';
import { DAY_MIN, fixedMinutes } from './duration.js';

/**
 * Maintenance windows: spans of time in which the selected SLOs' minutes count as if they
 * had no events (excluded from good and total of every window: budget, SLI and burn rates)
 * and their breach signals are held back. Declared as `kind: MaintenanceWindow` documents in
 * the SLO folder or through the query API; both give the same `MaintenanceWindow`.
 *
 * `start` is a wall-clock time in `timeZone` (like an OpenSLO calendar's `startTime`), so a
 * weekly window at 02:00 Vienna stays at 02:00 across daylight-saving changes. `rrule` is an
 * RFC 5545 recurrence rule (`FREQ=WEEKLY;BYDAY=SU`) repeating the window from `start`;
 * without it the window happens once.
 */
export interface MaintenanceSelector {
  /** SLO ids or names (a name selects every objective of the SLO). */
  slos: readonly string[];
  /** Label matchers: every one must equal the SLO's label. */
  labels: Readonly<Record<string, string>>;
}

export interface MaintenanceWindow {
  name: string;
  selector: MaintenanceSelector;
  /** Wall-clock start in `timeZone`, `YYYY-MM-DDTHH:MM`. */
  start: string;
  /** The first occurrence's start, epoch ms (a whole minute). */
  startMs: number;
  durationMinutes: number;
  /** The duration as written (`2h`). */
  duration: string;
  /** RFC 5545 RRULE without DTSTART (`FREQ=WEEKLY;BYDAY=SU`), or null for a one-off window. */
  rrule: string | null;
  timeZone: string;
  reason: string;
  /** Where it was declared: a file of the SLO folder (`file#document`) or `api`. */
  origin: string;
}

/** The longest single occurrence: a window that long is an SLO redefinition, not maintenance. */
export const MAX_MAINTENANCE_MINUTES = 31 * DAY_MIN;

const NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const LABEL_KEY = /^[A-Za-z_][A-Za-z0-9_.\-/]{0,62}$/;

/** The fields a window is declared with: a document's `spec` (plus its name) or an API request body. */
export const MaintenanceSpec = z.strictObject({
  selector: z
    .strictObject({
      slos: z.array(z.string().min(1, 'must not be empty')).max(1000).optional(),
      labels: z.record(z.string().regex(LABEL_KEY, 'must be a label name'), z.string().max(256)).optional(),
    })
    .refine((s) => (s.slos?.length ?? 0) > 0 || Object.keys(s.labels ?? {}).length > 0, 'must name slos or labels'),
  start: z.string().max(32),
  duration: z.string().max(16),
  rrule: z.string().max(512).optional(),
  timeZone: z.string().max(64).optional(),
  reason: z.string().min(1, 'must not be empty').max(1050, 'must be at most 1050 characters'),
});
export type MaintenanceSpecT = z.infer<typeof MaintenanceSpec>;

export const MaintenanceName = z.string().regex(NAME, 'must be a DNS-style name: lowercase letters, digits and "-", at most 63 characters');

export const MaintenanceDocument = z.strictObject({
  apiVersion: z.literal('openslo/v1', { error: 'must be openslo/v1' }),
  kind: z.literal('MaintenanceWindow'),
  metadata: z.strictObject({ name: MaintenanceName, displayName: z.string().optional() }),
  spec: MaintenanceSpec,
});

export interface FieldProblem {
  path: string;
  message: string;
}

const FREQUENCIES = new Set(['YEARLY', 'MONTHLY', 'WEEKLY', 'DAILY', 'HOURLY']);
/** Parts the rule may not carry: the window's own `start` and `timeZone` are its DTSTART and TZID. */
const FORBIDDEN_PARTS = /(^|;)(DTSTART|TZID)[=:]/i;

/** The rrule options of a rule text, or a problem. */
export function parseRrule(text: string): { ok: true; options: Partial<rrule.Options> } | { ok: false; message: string } {
  const t = text.trim().replace(/^RRULE:/i, '');
  if (t === '' || /[\r\n]/.test(t)) return { ok: false, message: 'must be one RRULE line such as FREQ=WEEKLY;BYDAY=SU' };
  if (FORBIDDEN_PARTS.test(t)) return { ok: false, message: 'must not carry DTSTART or TZID (start and timeZone give them)' };
  const freq = /(?:^|;)FREQ=([A-Z]+)/i.exec(t)?.[1]?.toUpperCase();
  if (!freq || !FREQUENCIES.has(freq)) return { ok: false, message: `FREQ must be one of ${[...FREQUENCIES].join(', ')}` };
  const range = (part: string, max: number): boolean => {
    const v = new RegExp(`(?:^|;)${part}=([^;]*)`, 'i').exec(t)?.[1];
    return v === undefined || v.split(',').every((x) => /^\d{1,2}$/.test(x) && Number(x) <= max);
  };
  if (/(?:^|;)BYSECOND=/i.test(t)) return { ok: false, message: 'must not carry BYSECOND (windows start on whole minutes)' };
  if (!range('BYHOUR', 23) || !range('BYMINUTE', 59)) return { ok: false, message: 'BYHOUR must be 0..23 and BYMINUTE 0..59' };
  try {
    const options = rrule.RRule.parseString(t);
    // Constructing the rule checks the values parseString accepted (BYHOUR=25, an empty BYDAY).
    new rrule.RRule({ ...options, dtstart: new Date(Date.UTC(2000, 0, 1)) });
    return { ok: true, options };
  } catch (e) {
    return { ok: false, message: `is not a valid RRULE: ${(e instanceof Error ? e.message : String(e)).split('\n')[0] ?? ''}` };
  }
}

/**
 * Validates a window's fields (file and API alike) into a `MaintenanceWindow`, or every
 * problem with its field path.
 */
export function buildMaintenanceWindow(name: string, spec: MaintenanceSpecT, origin: string): { ok: true; window: MaintenanceWindow } | { ok: false; problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  const timeZone = spec.timeZone ?? 'UTC';
  if (!isValidTimeZone(timeZone)) problems.push({ path: 'timeZone', message: `unknown time zone ${JSON.stringify(timeZone)}` });
  const wall = parseStartTime(spec.start);
  if (!wall) problems.push({ path: 'start', message: `${JSON.stringify(spec.start)} is not a wall-clock time YYYY-MM-DDTHH:MM` });
  else if (wall.second !== 0) problems.push({ path: 'start', message: 'must be a whole minute' });
  const minutes = fixedMinutes(spec.duration);
  if (minutes === null) problems.push({ path: 'duration', message: `${JSON.stringify(spec.duration)} is not a duration such as 30m, 2h or 1d` });
  else if (minutes > MAX_MAINTENANCE_MINUTES) problems.push({ path: 'duration', message: 'must be at most 31d' });
  let rule: string | null = null;
  if (spec.rrule !== undefined) {
    const r = parseRrule(spec.rrule);
    if (!r.ok) problems.push({ path: 'rrule', message: r.message });
    else rule = spec.rrule.trim().replace(/^RRULE:/i, '');
  }
  if (problems.length > 0 || !wall || minutes === null) return { ok: false, problems };
  const pad = (n: number): string => String(n).padStart(2, '0');
  return {
    ok: true,
    window: {
      name,
      selector: { slos: [...new Set(spec.selector.slos ?? [])].sort(), labels: sortedRecord(spec.selector.labels ?? {}) },
      start: `${wall.year}-${pad(wall.month)}-${pad(wall.day)}T${pad(wall.hour)}:${pad(wall.minute)}`,
      startMs: wallTimeToUtc(wall, timeZone),
      durationMinutes: minutes,
      duration: spec.duration,
      rrule: rule,
      timeZone,
      reason: spec.reason,
      origin,
    },
  };
}

function sortedRecord(r: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(r).sort()) out[k] = r[k] as string;
  return out;
}

/** Whether the window selects an SLO: by id or name, and by every label matcher it names. */
export function selectsSlo(w: Pick<MaintenanceWindow, 'selector'>, slo: { id: string; name: string; labels: Readonly<Record<string, string>> }): boolean {
  const { slos, labels } = w.selector;
  if (slos.length > 0 && !slos.includes(slo.id) && !slos.includes(slo.name)) return false;
  for (const [k, v] of Object.entries(labels)) if (slo.labels[k] !== v) return false;
  return true;
}

/** The fields that define a window, for comparing two sets (the origin and the reason change no figure). */
export function windowKey(w: MaintenanceWindow): string {
  return JSON.stringify([w.name, w.selector, w.startMs, w.durationMinutes, w.rrule, w.timeZone]);
}
