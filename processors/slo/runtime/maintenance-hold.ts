import type { AlertSeverity } from '../../contracts/enums.js';
import type { AlertTransition } from '../core/alert-machine.js';
import { excludedMinutes, holdingOccurrence, type Occurrence } from '../core/maintenance.js';
import type { SloDefinition } from '../definitions/model.js';
import type { MinuteRange, RawMinutes } from '../store/minute-source.js';

/**
 * The running evaluator's side of maintenance windows (core/maintenance.ts has the rules).
 * Minutes inside a window are dropped from what was read, so every window sum and the
 * hour ring see no events there. Transitions whose instant lies inside a window are held
 * back; when the window ends, what receivers would otherwise be left wrong about is sent
 * at the first instant after it: the RESOLVED of an episode that fired before the window,
 * the FIRING of an episode still firing. An episode that began and ended inside the window
 * sends nothing.
 */
export function dropExcluded(slo: SloDefinition, ranges: readonly MinuteRange[], raw: RawMinutes): void {
  if (!slo.maintenance || slo.maintenance.length === 0) return;
  for (const [from, to] of ranges) {
    for (const [a, b] of excludedMinutes(slo, from, to)) for (let m = a; m < b; m++) raw.delete(m);
  }
}

/** Held-back transitions of one SLO, per severity, in order. */
export type Held = Map<AlertSeverity, AlertTransition[]>;

export function copyHeld(h: Held): Held {
  return new Map([...h].map(([k, v]) => [k, [...v]]));
}

/** The occurrence holding instant `ms` for the SLO, or null. */
export function heldBy(slo: SloDefinition, ms: number): Occurrence | null {
  return slo.maintenance && slo.maintenance.length > 0 ? holdingOccurrence(slo, ms) : null;
}

/**
 * What is still owed after a window ended: per severity, the held RESOLVED of an episode
 * whose FIRING was sent before the window, then the held FIRING of an episode that did not
 * resolve inside it. Clears `held`.
 */
export function owed(held: Held): AlertTransition[] {
  const out: AlertTransition[] = [];
  for (const list of held.values()) {
    const fired = new Set(list.filter((t) => t.status === 'FIRING').map((t) => t.firingSince));
    const resolved = new Set(list.filter((t) => t.status === 'RESOLVED').map((t) => t.firingSince));
    for (const t of list) {
      if (t.status === 'RESOLVED' && !fired.has(t.firingSince)) out.push(t);
      if (t.status === 'FIRING' && !resolved.has(t.firingSince)) out.push(t);
    }
  }
  held.clear();
  return out;
}
