import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ingestFiles } from '../../cli/commands/ingest.js';
import { loadSloDirOrThrow } from '../../processors/slo/definitions/load-dir.js';
import type { SloDefinition } from '../../processors/slo/definitions/model.js';
import type { Warehouse } from '../../sinks/warehouse/types.js';
import { openTestWarehouse, type TestWarehouse } from '../support/warehouse.js';
import { SIM_HMAC_KEY } from '../api/simulated.js';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/** The newest event of the long history; the first is `HISTORY_DAYS` earlier. */
export const HISTORY_END = Date.parse('2026-11-20T12:00:00Z');
export const HISTORY_DAYS = 40;

/** Three 30-day SLOs: one overspent and paging on both PAGE rules, one burning slowly, one not burning at all. */
export const LONG_SLOS = {
  burning: 'long-walk-burning',
  steady: 'long-walk-steady',
  quiet: 'long-walk-quiet',
} as const;

const product = (id: string): string => `PRDV-${id.toUpperCase()}`;

function sloYaml(name: string): string {
  return `apiVersion: openslo/v1
kind: SLO
metadata:
  name: ${name}
  displayName: "${name}: journeys complete"
spec:
  service: journeys
  indicator:
    metadata: {name: ${name}-sli}
    spec:
      ratioMetric:
        counter: true
        good:
          metricSource:
            type: slo-pipeline
            spec: {topic: tjm.journey.v1, eventTypes: [JOURNEY_COMPLETED], where: {product_version_id: ${product(name)}}}
        total:
          metricSource:
            type: slo-pipeline
            spec: {topic: tjm.journey.v1, eventTypes: [JOURNEY_COMPLETED, JOURNEY_FAILED], where: {product_version_id: ${product(name)}}}
  timeWindow:
    - duration: 30d
      isRolling: true
  budgetingMethod: Occurrences
  objectives:
    - target: 0.98
`;
}

/** One journey's final event on `slo`'s product, as a JSON Lines envelope. */
export function journeyEvent(slo: string, n: number, at: number, failed: boolean): string {
  const id = `${slo}-${n}`;
  const value = {
    event_id: `ev-${id}`,
    event_type: failed ? 'JOURNEY_FAILED' : 'JOURNEY_COMPLETED',
    occurred_at: at,
    journey_instance_id: `JI-${id}`,
    journey_blueprint_id: 'JRNY-LONG-WALK',
    product_version_id: product(slo),
    market_code: 'AT-VIE',
    city_code: 'VIE',
    product_runtime_session_id: null,
    route_id: null,
    vendor_id: null,
    service_point_id: null,
    journey_node_id: null,
    preflight_status: null,
    preflight_reason: null,
    duration_ms: 600_000,
    error_code: failed ? 'VENDOR_NO_SHOW' : null,
    order_id: null,
    order_value_minor: null,
    currency: null,
    user_id: null,
  };
  return JSON.stringify({ topic: 'tjm.journey.v1', key: value.journey_instance_id, value });
}

/**
 * The events of the long history: a journey every 10 minutes of 40 days on the burning and
 * steady products (one in 100 failing), every 30 minutes on the quiet one (none failing), and
 * on the burning product three journeys a minute over the last two hours, two of them failing,
 * and one more failure on the steady product 50 minutes before the end.
 */
export function longHistoryLines(): string[] {
  const start = HISTORY_END - HISTORY_DAYS * DAY_MS;
  const lines: string[] = [];
  let n = 0;
  for (let at = start; at <= HISTORY_END; at += 10 * MINUTE_MS, n++) {
    lines.push(journeyEvent(LONG_SLOS.burning, n, at, n % 100 === 99));
    lines.push(journeyEvent(LONG_SLOS.steady, n, at + 1000, n % 100 === 50));
    if (n % 3 === 0) lines.push(journeyEvent(LONG_SLOS.quiet, n, at + 2000, false));
  }
  for (let at = HISTORY_END - 120 * MINUTE_MS; at < HISTORY_END; at += MINUTE_MS) {
    for (let k = 0; k < 3; k++) lines.push(journeyEvent(LONG_SLOS.burning, n++, at + 5000 + k * 1000, k > 0));
  }
  // The steady product burns in its last hour too (the burn time to exhaustion is reckoned at), below every alert.
  lines.push(journeyEvent(LONG_SLOS.steady, n, HISTORY_END - 50 * MINUTE_MS + 3000, true));
  return lines;
}

/** JSON Lines envelopes through the real ingest path (as `slo-pipeline ingest` reads them); every line must be stored. */
export async function ingestLines(wh: Warehouse, lines: readonly string[]): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'slo-long-events-'));
  const file = join(dir, 'events.jsonl');
  writeFileSync(file, `${lines.join('\n')}\n`);
  const ingested = await ingestFiles([file], wh, { hmacKey: SIM_HMAC_KEY }).finally(() => rmSync(dir, { recursive: true, force: true }));
  if (ingested.dead_lettered !== 0 || ingested.read !== lines.length) throw new Error(`long history: ${JSON.stringify(ingested)} of ${lines.length} lines`);
}

export interface LongHistory {
  t: TestWarehouse;
  sloDir: string;
  slos: SloDefinition[];
  close(): Promise<void>;
}

/** A warehouse with 40 days of journeys through the real ingest path, and a folder with the three 30-day SLOs over them. */
export async function longHistory(): Promise<LongHistory> {
  const t = await openTestWarehouse();
  const sloDir = mkdtempSync(join(tmpdir(), 'slo-long-'));
  writeFileSync(join(sloDir, 'long.yaml'), Object.values(LONG_SLOS).map(sloYaml).join('---\n'));
  await ingestLines(t.wh, longHistoryLines());
  const slos = loadSloDirOrThrow(sloDir);
  return {
    t,
    sloDir,
    slos,
    close: async () => {
      rmSync(sloDir, { recursive: true, force: true });
      await t.drop();
    },
  };
}
