import type { NotificationTarget } from '../../processors/slo/definitions/model.js';
import type { NotifyOptions, ReceiverType } from './notify-config.js';

/** What the alert rule behind a signal says about notifying (OpenSLO AlertPolicy). */
export interface RuleNotify {
  /** The policy's `notificationTargets`; absent or empty: the routes decide. */
  targets?: readonly NotificationTarget[];
  /** false: the policy says `alertWhenResolved: false`. */
  notifyResolved?: false;
}

export interface TargetChoice {
  /** Receiver names, in the order the targets name them, each once. */
  receivers: string[];
  /** Targets no receiver answers to (by name, `targets:` entry or type). */
  unresolved: string[];
}

const RECEIVER_TYPES: ReadonlySet<string> = new Set<ReceiverType>(['webhook', 'alertmanager', 'pagerduty', 'slack']);

/**
 * The receivers the notification targets of a rule select. A target is looked up in this
 * order:
 * 1. a `targets:` entry of the routes file with its `metadata.name`: that entry's receivers
 *    (none for a RESOLVED signal when the entry says `notify_resolved: false`);
 * 2. a receiver named like the target (`metadata.name`, compared in lower case, as receiver
 *    names are);
 * 3. a receiver named like its `spec.target`;
 * 4. `spec.target` naming a receiver type (`pagerduty`, `slack`, ...): the receivers of that
 *    type the routes pick for the signal, else every receiver of that type.
 * `routed` is what the routes pick for the signal.
 */
export function targetReceivers(options: NotifyOptions, targets: readonly NotificationTarget[], routed: readonly string[], status: string): TargetChoice {
  const names = new Set(options.receivers.map((r) => r.name));
  const chosen = new Set<string>();
  const unresolved: string[] = [];
  for (const t of targets) {
    const entry = options.targets?.find((e) => e.name === t.name);
    if (entry) {
      if (status !== 'RESOLVED' || entry.notifyResolved) for (const n of entry.receivers) chosen.add(n);
      continue;
    }
    const byName = [t.name, t.name.toLowerCase(), t.target, t.target.toLowerCase()].find((n) => names.has(n));
    if (byName !== undefined) {
      chosen.add(byName);
      continue;
    }
    const type = t.target.toLowerCase();
    const ofType = RECEIVER_TYPES.has(type) ? options.receivers.filter((r) => r.type === type).map((r) => r.name) : [];
    if (ofType.length === 0) {
      unresolved.push(t.name);
      continue;
    }
    const picked = ofType.filter((n) => routed.includes(n));
    for (const n of picked.length > 0 ? picked : ofType) chosen.add(n);
  }
  return { receivers: [...chosen], unresolved };
}

/**
 * The receivers of one signal: the rule's targets when it names any (the routes when none of
 * them resolves, so a page is never lost to a typo), else the routes; nobody for a RESOLVED
 * signal of a rule with `alertWhenResolved: false`.
 */
export function signalReceivers(options: NotifyOptions, rule: RuleNotify | undefined, routed: readonly string[], status: string): TargetChoice {
  if (status === 'RESOLVED' && rule?.notifyResolved === false) return { receivers: [], unresolved: [] };
  const targets = rule?.targets ?? [];
  if (targets.length === 0) return { receivers: [...routed], unresolved: [] };
  const choice = targetReceivers(options, targets, routed, status);
  if (choice.unresolved.length === targets.length) return { receivers: [...routed], unresolved: choice.unresolved };
  return choice;
}
