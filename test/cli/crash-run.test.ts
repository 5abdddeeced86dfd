import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAMILIES, INPUT_TOPICS } from '../../processors/contracts/topics.js';
import { projectPath } from '../../processors/util/project-path.js';
import { runKillable, startWebhookReceiver, type KillPoint, type RunExit, type WebhookReceiver, type WebhookRequest } from '../support/killable-run.js';
import { readRunOutcome, type RunOutcome, type StoredSignal } from '../support/run-outcome.js';

/**
 * `kill -9` of a real `slo-pipeline run` (the built bin, embedded: in-process transport,
 * chdb folder, simulator) at points chosen from its own progress lines, restarted with the
 * same arguments until a run exits 0. Each day is simulated deterministically, so a restart
 * re-publishes the same records and the warehouse deduplicates; the evaluator resumes from its
 * saved cursor and the webhook outbox from what has no outcome. The end state must equal one
 * uninterrupted run: facts and rollups, the signal set (ids and content), every FIRING with
 * its RESOLVED, and every webhook delivered at least once with the same idempotency key and
 * body. One line per scenario says what was killed and what was compared.
 */

// One simulated day: ~8k records, 22 committed batches, 4 evaluation cycles, 63 signals
// (FIRING and RESOLVED on PAGE and TICKET), a few seconds per run. Twelve scenarios, most
// with one restart: about 4 CPU-minutes in all, most of it process start and evaluation.
const SIM = ['--seed', '3', '--days', '1', '--journeys-per-day', '600', '--start', '2026-11-01T00:00:00Z'];
const SECRET = 'crash-suite-webhook-secret';
// A fixed personal-data key: otherwise each folder gets its own random key and hashed columns differ.
const PII_KEY = 'crash-suite-pii-key-0123456789abcdef0123456789';

const args = (data: string): string[] => ['run', '--data', data, '--no-api', '--exit-when-idle', '--slos', projectPath('slos'), ...SIM];
const envFor = (rx: WebhookReceiver): NodeJS.ProcessEnv => ({
  SLO_WEBHOOK_PAGE_URL: `${rx.url}/page`,
  SLO_WEBHOOK_TICKET_URL: `${rx.url}/ticket`,
  SLO_WEBHOOK_SECRET: SECRET,
  // The simulated day is in the past: notify regardless of age, as a live run would.
  SLO_NOTIFY_MAX_AGE: 'off',
  SLO_PII_HMAC_KEY: PII_KEY,
});

interface Scenario {
  /** The i-th run is killed at kills[i]; the run after the last kill goes to its end. */
  kills: KillPoint[];
  /** The receiver answers 503 to this many requests first. */
  failFirst?: number;
}

const lastCycle = (l: Record<string, unknown>): boolean => String(l['upTo']).endsWith('T23:59:00.000Z');

const SCENARIOS: Scenario[] = [
  { kills: [{ after: 'ingest started', n: 1 }] },
  { kills: [{ after: 'batch committed', n: 1 }] },
  { kills: [{ after: 'batch committed', n: 8 }] },
  { kills: [{ after: 'batch committed', n: 16 }] },
  // Caught up: the final flush starts, the evaluator initializes and runs its first cycle.
  { kills: [{ after: 'stopping', n: 1 }] },
  // The first cycle's signals went to every sink (webhooks just enqueued) and its progress is saved.
  { kills: [{ after: 'breach signals sent', n: 1 }] },
  { kills: [{ after: 'webhook delivered', n: 1 }] },
  { kills: [{ after: 'webhook delivered', n: 40 }] },
  { kills: [{ after: 'webhook delivery failed; retrying', n: 3 }], failFirst: 6 },
  // The last cycle is saved; its webhooks are still going out in the final flush.
  { kills: [{ after: 'SLO evaluator cycle', n: 1, where: lastCycle, whereLabel: 'upTo 23:59' }] },
  // Killed mid-ingest, then after a middle evaluation cycle of the restarted run.
  { kills: [{ after: 'batch committed', n: 5 }, { after: 'SLO evaluator cycle', n: 2 }] },
  // Killed again while the restarted evaluator warms up from its saved cursor.
  { kills: [{ after: 'SLO evaluator cycle', n: 2 }, { after: 'SLO evaluator starts', n: 1 }] },
];

const MAX_EXTRA_RUNS = 2;
/**
 * Scenarios run two at a time: a run spends much of its wall time starting up, waiting on
 * timers and on webhook round trips, so two fit on a 2-core machine.
 */
const PARALLEL = 2;

/** Runs at most `n` of the functions given at once. */
function limiter(n: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: Array<() => void> = [];
  return async (fn) => {
    if (active >= n) await new Promise<void>((r) => waiting.push(r));
    active++;
    try {
      return await fn();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

function describeKill(k: KillPoint): string {
  return `'${k.after}'${k.whereLabel ? ` (${k.whereLabel})` : ''} #${k.n}`;
}

function fmt(n: number): string {
  return n.toLocaleString('en-US');
}

/** Signals by id, for comparison. */
function byId(signals: readonly StoredSignal[]): Map<string, StoredSignal> {
  return new Map(signals.map((s) => [s.signal_id, s]));
}

/**
 * Per SLO and severity, in evaluation order, statuses must alternate FIRING, RESOLVED, ...;
 * returns the FIRING signals left open at the end (and an error for a broken sequence).
 */
function openEpisodes(signals: readonly StoredSignal[]): { open: string[]; broken: string[] } {
  const seqs = new Map<string, StoredSignal[]>();
  for (const s of signals) {
    const k = `${s.slo_id}/${s.severity}`;
    seqs.set(k, [...(seqs.get(k) ?? []), s]);
  }
  const open: string[] = [];
  const broken: string[] = [];
  for (const [k, seq] of seqs) {
    seq.sort((a, b) => a.evaluated_at.localeCompare(b.evaluated_at) || a.status.localeCompare(b.status));
    seq.forEach((s, i) => {
      if (s.status !== (i % 2 === 0 ? 'FIRING' : 'RESOLVED')) broken.push(`${k} ${s.status} at ${s.evaluated_at}`);
    });
    const last = seq[seq.length - 1];
    if (last?.status === 'FIRING') open.push(last.signal_id);
  }
  return { open: open.sort(), broken };
}

interface Reference {
  outcome: RunOutcome;
  /** The body each signal is POSTed with, by idempotency key (signal id), and its endpoint. */
  webhooks: Map<string, { body: string; severity: string }>;
}

interface Check {
  facts: boolean;
  signals: boolean;
  pairs: boolean;
  delivered: number;
  repeated: number;
  strangers: string[];
  badBodies: string[];
  /** Per SLO and severity, the receiver first accepted the signals in evaluation order (a FIRING before its RESOLVED). */
  ordered: boolean;
  retracted: boolean;
  outbox: boolean;
  outcomes: boolean;
}

function compare(ref: Reference, got: RunOutcome, requests: readonly WebhookRequest[]): Check {
  const refSignals = byId(ref.outcome.signals);
  const gotSignals = byId(got.signals);
  const signals =
    refSignals.size === gotSignals.size && [...refSignals].every(([id, s]) => JSON.stringify(gotSignals.get(id)) === JSON.stringify(s));
  const refOpen = openEpisodes(ref.outcome.signals);
  const gotOpen = openEpisodes(got.signals);
  const pairs = gotOpen.broken.length === 0 && JSON.stringify(gotOpen.open) === JSON.stringify(refOpen.open);
  const okKeys = new Set(requests.filter((r) => r.status === 200).map((r) => r.key));
  const delivered = [...ref.webhooks.keys()].filter((k) => okKeys.has(k)).length;
  const accepted = requests.filter((r) => r.status === 200).length;
  const strangers = [...new Set(requests.map((r) => r.key))].filter((k) => !ref.webhooks.has(k));
  const badBodies = requests
    .filter((r) => {
      const want = ref.webhooks.get(r.key);
      return want !== undefined && (want.body !== r.body || want.severity !== r.severity);
    })
    .map((r) => r.key);
  const firstAccepted = new Map<string, number[]>();
  const seenKeys = new Set<string>();
  for (const r of requests) {
    const sig = refSignals.get(r.key);
    if (r.status !== 200 || !sig || seenKeys.has(r.key)) continue;
    seenKeys.add(r.key);
    const k = `${sig.slo_id}/${sig.severity}`;
    firstAccepted.set(k, [...(firstAccepted.get(k) ?? []), Date.parse(`${sig.evaluated_at.replace(' ', 'T')}Z`)]);
  }
  const ordered = [...firstAccepted.values()].every((ts) => ts.every((t, i) => i === 0 || t >= (ts[i - 1] as number)));
  return {
    facts: JSON.stringify(got.facts) === JSON.stringify(ref.outcome.facts),
    ordered,
    signals,
    pairs,
    delivered,
    repeated: accepted - okKeys.size,
    strangers,
    badBodies: [...new Set(badBodies)],
    retracted: JSON.stringify(got.retracted) === JSON.stringify(ref.outcome.retracted),
    outbox: JSON.stringify(got.outbox) === JSON.stringify(ref.outcome.outbox),
    outcomes: JSON.stringify(got.deliveries) === JSON.stringify(ref.outcome.deliveries),
  };
}

function factsLine(o: RunOutcome): string {
  return FAMILIES.map((f) => `${fmt(o.counts[INPUT_TOPICS[f]] ?? 0)} ${f}`).join(' / ');
}

describe('slo-pipeline run survives kill -9 at points chosen from its progress', () => {
  const root = mkdtempSync(join(tmpdir(), 'slo-crash-run-'));
  let ref: Reference;

  beforeAll(async () => {
    const rx = await startWebhookReceiver();
    try {
      const data = join(root, 'reference');
      const run = await runKillable(args(data), envFor(rx));
      expect(run.code, run.stderr.slice(-4000)).toBe(0);
      const outcome = await readRunOutcome(data);
      const webhooks = new Map<string, { body: string; severity: string }>();
      for (const r of rx.requests) webhooks.set(r.key, { body: r.body, severity: r.severity });
      ref = { outcome, webhooks };
      const statuses = new Set(outcome.signals.map((s) => `${s.severity} ${s.status}`));
      // The reference must exercise what the scenarios compare.
      expect([...statuses].sort()).toEqual(['PAGE FIRING', 'PAGE RESOLVED', 'TICKET FIRING', 'TICKET RESOLVED']);
      expect(webhooks.size).toBe(outcome.signals.length);
      expect(outcome.retracted).toEqual([]);
      expect(rx.requests.every((r) => r.status === 200)).toBe(true);
      console.log(
        `reference run: facts ${factsLine(outcome)} (${Object.keys(outcome.facts).length} tables); ` +
          `${outcome.signals.length} signals (${outcome.signals.filter((s) => s.status === 'FIRING').length} FIRING, ` +
          `${openEpisodes(outcome.signals).open.length} open at the end); webhooks ${webhooks.size}; ` +
          `progress ${Object.entries(run.seen).filter(([m]) => /batch committed|evaluator cycle|webhook delivered/.test(m)).map(([m, n]) => `${n} '${m}'`).join(', ')}`,
      );
    } finally {
      await rx.close();
    }
  }, 300_000);

  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
  });

  const slot = limiter(PARALLEL);
  SCENARIOS.forEach((s, i) => {
    const what = s.kills.map(describeKill).join(', then ');
    const name = `crash after ${what}${s.failFirst ? ` (receiver down for ${s.failFirst} requests)` : ''}`;
    it.concurrent(name, ({ expect }) => slot(async () => {
      const data = join(root, `scenario-${i + 1}`);
      const rx = await startWebhookReceiver(s.failFirst ? { failFirst: s.failFirst } : {});
      const runs: RunExit[] = [];
      try {
        for (let r = 0; r < s.kills.length + MAX_EXTRA_RUNS; r++) {
          const run = await runKillable(args(data), envFor(rx), s.kills[r]);
          runs.push(run);
          if (!run.killed && run.code === 0) break;
        }
      } finally {
        await rx.close();
      }
      const last = runs[runs.length - 1] as RunExit;
      const killedAt = runs.map((r, n) => (n < s.kills.length ? r.killed : true));
      expect(killedAt.every(Boolean), `a kill point was not reached; progress seen per run: ${JSON.stringify(runs.map((r) => r.seen))}`).toBe(true);
      expect(!last.killed && last.code === 0, `no run exited 0 within ${runs.length} runs:\n${last.stderr.slice(-4000)}`).toBe(true);

      const got = await readRunOutcome(data);
      const c = compare(ref, got, rx.requests);
      const nSignals = ref.outcome.signals.length;
      console.log(
        `crash after ${what}: ${runs.length} runs; ` +
          `facts ${factsLine(got)}, ${Object.keys(got.facts).length} tables ${c.facts ? 'equal' : 'DIFFER'}; ` +
          `${got.signals.length} signals ${c.signals ? 'equal' : `DIFFER from the reference's ${nSignals}`}, ` +
          `FIRING/RESOLVED ${c.pairs ? `paired as in the reference (${openEpisodes(got.signals).open.length} open)` : 'NOT PAIRED as in the reference'}; ` +
          `webhooks ${c.delivered}/${ref.webhooks.size} delivered (${c.repeated} repeated${s.failFirst ? `, ${rx.requests.filter((r) => r.status !== 200).length} answered 503` : ''}), ` +
          `${c.badBodies.length === 0 && c.strangers.length === 0 ? 'same keys and bodies' : `${c.badBodies.length} with another body, ${c.strangers.length} unknown keys`}, ` +
          `${c.ordered ? 'in evaluation order' : 'OUT OF ORDER'}; ` +
          `${got.retracted.length} retracted${c.retracted ? '' : ' (DIFFERS)'}; outbox ${c.outbox ? 'equal' : 'DIFFERS'}, outcomes ${c.outcomes ? 'all delivered' : 'DIFFER'}`,
      );

      expect(got.facts, 'facts and rollups').toEqual(ref.outcome.facts);
      expect(got.signals.map((x) => x.signal_id).sort(), 'signal ids').toEqual(ref.outcome.signals.map((x) => x.signal_id).sort());
      expect(byId(got.signals), 'signal content').toEqual(byId(ref.outcome.signals));
      expect(openEpisodes(got.signals), 'FIRING/RESOLVED sequences').toEqual(openEpisodes(ref.outcome.signals));
      expect(c.strangers, 'webhooks with an id outside the reference').toEqual([]);
      expect(c.badBodies, 'webhooks whose body or endpoint differs from the reference').toEqual([]);
      expect(c.delivered, 'reference signals accepted by the receiver').toBe(ref.webhooks.size);
      expect(c.ordered, 'receiver saw each SLO and severity in evaluation order').toBe(true);
      expect(got.retracted, 'retracted signals').toEqual(ref.outcome.retracted);
      expect(got.outbox, 'webhook outbox').toEqual(ref.outcome.outbox);
      expect(got.deliveries, 'webhook outcomes').toEqual(ref.outcome.deliveries);
    }), 600_000);
  });
});
