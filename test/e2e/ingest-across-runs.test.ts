import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestFiles } from '../../cli/commands/ingest.js';
import { defaultCodec } from '../../processors/codec/avro-codec.js';
import { FAMILIES, INPUT_TOPICS } from '../../processors/contracts/topics.js';
import { IncidentCostRefresher, queryPnl } from '../../processors/economics/warehouse/index.js';
import { createNormalizer, createPiiHasher, FACT_TABLE, IngestPipeline } from '../../processors/ingest/index.js';
import { BatchPreparer } from '../../processors/ingest/batch.js';
import { createDefaultDecoder } from '../../processors/ingest/default-decoder.js';
import { batchToken } from '../../processors/ingest/orphans.js';
import { publishRecords } from '../../processors/simulator-source.js';
import { MemoryTransport } from '../../processors/transport/memory/index.js';
import type { Message, Transport } from '../../processors/transport/types.js';
import { backtest } from '../../processors/slo/replay/backtest.js';
import { loadSloDirOrThrow } from '../../processors/slo/definitions/load-dir.js';
import { evaluateSlos } from '../../processors/slo/replay/status.js';
import { simulate, toJsonLines, type SimOutput } from '../../processors/simulator/index.js';
import { projectPath } from '../../processors/util/project-path.js';
import type { Warehouse } from '../../sinks/warehouse/index.js';
import { snapshotTables } from '../support/snapshot.js';
import { openTestWarehouse, type TestWarehouse } from '../support/warehouse.js';

// Input split over several `ingest` runs into one warehouse (parts in another order, one
// part twice, other batch sizes) must give the figures of one pass: facts, SLI rollups, P&L
// to the cent, SLO status and the signals a backtest sends. Offsets restart at 0 in every
// run, so identifying insert batches by offsets alone drops later runs' events.

const KEY = 'across-runs-pii-key-0123456789abcdef';
const slos = loadSloDirOrThrow(projectPath('slos'));

interface Figures {
  facts: Record<string, number>;
  deadLetters: Record<string, number>;
  snapshot: Record<string, { rows: number; hash: string }>;
  pnl: unknown;
  status: unknown;
  signals: unknown;
}

async function figures(wh: Warehouse, from: number, to: number): Promise<Figures> {
  const facts: Record<string, number> = {};
  for (const f of FAMILIES) {
    const [r] = await wh.query<{ n: string }>(`SELECT count() AS n FROM ${FACT_TABLE[f]}_v`);
    facts[INPUT_TOPICS[f]] = Number(r?.n ?? 0);
  }
  // A dead letter's row is per delivery position; the same bad bytes are one bad input.
  const dl = await wh.query<{ reason_code: string; n: string }>(
    'SELECT reason_code, uniqExact(payload_sha256) AS n FROM dead_letters FINAL GROUP BY reason_code ORDER BY reason_code',
  );
  await new IncidentCostRefresher(wh, { reportingCurrency: 'EUR' }).refresh();
  const pnl = await queryPnl(wh, { by: ['month', 'vendor_id', 'fault'], reportingCurrency: 'EUR' });
  const status = await evaluateSlos(wh, slos, to);
  const bt = await backtest(wh, slos, [], from, to, { stepMinutes: 5 });
  const signals = bt.slos.map((s) => ({ slo: s.slo_id, alerts: s.proposed.alerts }));
  return {
    facts,
    deadLetters: Object.fromEntries(dl.map((r) => [r.reason_code, Number(r.n)])),
    snapshot: await snapshotTables(wh),
    pnl,
    status,
    signals,
  };
}

/** Physical rows (before merges and FINAL): shows whether a replay reached the table again. */
async function physicalRows(wh: Warehouse, table: string): Promise<number> {
  const [r] = await wh.query<{ n: string }>(`SELECT count() AS n FROM ${table}`);
  return Number(r?.n ?? 0);
}

/** The materialized views the fact table `table` feeds directly (sorted). */
async function viewsOf(wh: Warehouse, table: string): Promise<string[]> {
  const [r] = await wh.query<{ v: string[] }>('SELECT dependencies_table AS v FROM system.tables WHERE database = currentDatabase() AND name = {t:String}', { t: table });
  return [...(r?.v ?? [])].sort();
}

/**
 * Fault injection around the real warehouse, as a `kill -9` between the fact table's part and
 * the views' parts: the `n`-th insert into `table` lands in the fact table and in its first view
 * only (the other views are detached while it runs), then the process "dies" before its commit
 * (the call never returns until the test kills it; its error is one no retry fixes, so the
 * pipeline stops on it, as a killed process would).
 */
function crashBetweenParts(
  wh: Warehouse,
  table: string,
  at: number | ((token: string) => boolean),
): { wh: Warehouse; crashed: () => boolean; kill: () => void; lost: () => string[] } {
  let count = 0;
  let crashed = false;
  let lost: string[] = [];
  let kill: () => void = () => {};
  // From the crash on, every insert into the table waits for the kill and fails with it: none
  // of them may land while the views are detached, or after the process "died".
  let dead: Promise<never> | null = null;
  const wrapped: Warehouse = Object.create(wh) as Warehouse;
  wrapped.insertNative = async (t, columns, payload, opts) => {
    if (t === table && dead) return dead;
    if (t !== table || !(typeof at === 'number' ? ++count === at : at(opts?.dedupToken ?? ''))) return wh.insertNative(t, columns, payload, opts);
    dead = new Promise<never>((_, reject) => (kill = () => reject(new Error("killed between the fact part and the views' parts"))));
    dead.catch(() => {});
    lost = (await viewsOf(wh, table)).slice(1);
    for (const v of lost) await wh.exec(`DETACH TABLE \`${v}\``);
    try {
      await wh.insertNative(t, columns, payload, opts);
    } finally {
      for (const v of lost) await wh.exec(`ATTACH TABLE \`${v}\``);
    }
    crashed = true;
    return dead;
  };
  return { wh: wrapped, crashed: () => crashed, kill: () => kill(), lost: () => lost };
}

/**
 * Fault injection as an earlier build crashed: that build inserted a batch whose events fall in
 * two months in one block, under the batch's own token (no `-m<YYYYMM>` inserts), and this one
 * lands in the fact table and its first view only before the process dies. The test's pipeline
 * runs this build; at its first month's insert the wrapper inserts instead what the earlier
 * build did: the batch's records of its recorded intent (ingest_state), prepared as the
 * pipeline prepares them, without the keys the intent leaves out, in one block under the
 * batch's token.
 */
function earlierBuildCrash(wh: Warehouse, transport: Transport): { wh: Warehouse; transport: Transport; crashed: () => boolean; kill: () => void } {
  const delivered = new Map<string, Message>();
  const intents: Array<Record<string, unknown>> = [];
  let crashed = false;
  let kill: () => void = () => {};
  let dead: Promise<never> | null = null;
  const wrapped: Warehouse = Object.create(wh) as Warehouse;
  wrapped.insert = async (t, rows, opts) => {
    if (t === 'ingest_state') for (const r of rows) if (r['done'] === 0) intents.push(r);
    return wh.insert(t, rows, opts);
  };
  wrapped.insertNative = async (t, columns, payload, opts) => {
    if (t === 'journey_events' && dead) return dead;
    const token = opts?.dedupToken ?? '';
    if (t !== 'journey_events' || !/-m\d{6}$/.test(token)) return wh.insertNative(t, columns, payload, opts);
    dead = new Promise<never>((_, reject) => (kill = () => reject(new Error('killed after an earlier build\'s one-block insert'))));
    dead.catch(() => {});
    const whole = token.replace(/-m\d{6}$/, '');
    const intent = intents.find((r) => {
      const b = { topic: String(r['topic']), partition: Number(r['partition']), first: BigInt(String(r['first_offset'])), last: BigInt(String(r['last_offset'])), digest: String(r['digest']) };
      return batchToken(b, new Set(r['excluded'] as string[])) === whole;
    });
    if (!intent) throw new Error(`no recorded intent for ${whole}`);
    const msgs: Message[] = [];
    for (let o = BigInt(String(intent['first_offset'])); o <= BigInt(String(intent['last_offset'])); o++) {
      const m = delivered.get(`${String(intent['topic'])}|${Number(intent['partition'])}|${o}`);
      if (m) msgs.push(m);
    }
    const preparer = new BatchPreparer(createDefaultDecoder(), createNormalizer(createPiiHasher(KEY)));
    const prepared = preparer.prepare({ topic: String(intent['topic']), partition: Number(intent['partition']) }, msgs);
    const excluded = new Set(intent['excluded'] as string[]);
    const b = excluded.size > 0 ? prepared.without(excluded) : prepared;
    expect(b.byMonth().length).toBe(2);
    const lost = (await viewsOf(wh, t)).slice(1);
    for (const v of lost) await wh.exec(`DETACH TABLE \`${v}\``);
    try {
      await wh.insertNative(t, b.columns, b.block, { dedupToken: whole, optimizeOnInsert: false });
    } finally {
      for (const v of lost) await wh.exec(`ATTACH TABLE \`${v}\``);
    }
    crashed = true;
    return dead;
  };
  const capturing: Transport = {
    kind: transport.kind,
    ensureTopics: (t) => transport.ensureTopics(t),
    producer: () => transport.producer(),
    endOffsets: (t) => transport.endOffsets(t),
    committedOffsets: (g, t) => transport.committedOffsets(g, t),
    close: () => transport.close(),
    consumer: (options) => capturingConsumer(options),
  };
  const capturingConsumer = (options: Parameters<Transport['consumer']>[0]): ReturnType<Transport['consumer']> => {
    const c = transport.consumer(options);
    const start = c.start.bind(c);
    c.start = (h) =>
      start({
        ...h,
        onBatch: (batch) => {
          for (const m of batch.messages) delivered.set(`${batch.topic}|${batch.partition}|${m.offset}`, m);
          return h.onBatch(batch);
        },
      });
    return c;
  };
  return { wh: wrapped, transport: capturing, crashed: () => crashed, kill: () => kill() };
}

/** The crash left the journey rollups short of the facts: the batch's fact part landed, some views' did not. */
async function expectRollupsShort(wh: Warehouse): Promise<void> {
  const [facts] = await wh.query<{ n: string }>('SELECT count() AS n FROM journey_events_v');
  const [minute] = await wh.query<{ n: string }>('SELECT sum(events) AS n FROM sli_journey_minute');
  expect(Number(minute?.n)).toBeLessThan(Number(facts?.n));
}

async function untilCaughtUp(p: IngestPipeline): Promise<void> {
  for (let i = 0; i < 6000 && !(await p.caughtUp()); i++) await new Promise((r) => setTimeout(r, 10));
  expect(await p.caughtUp()).toBe(true);
}

describe('ingest across runs equals one pass', () => {
  let sim: SimOutput;
  let dir: string;
  let all: string;
  let parts: string[];
  let from: number;
  let to: number;
  let onePass: Figures;
  const dbs: TestWarehouse[] = [];
  const open = async (): Promise<Warehouse> => {
    const t = await openTestWarehouse();
    dbs.push(t);
    return t.wh;
  };

  beforeAll(async () => {
    const codec = defaultCodec();
    sim = simulate({ seed: 31, days: 1, journeysPerDay: 1200, encodeAvro: (r, v) => codec.encode(r, v) });
    dir = mkdtempSync(join(tmpdir(), 'slo-runs-'));
    const lines = toJsonLines(sim).split('\n').filter((l) => l.length > 0);
    all = join(dir, 'all.jsonl');
    writeFileSync(all, `${lines.join('\n')}\n`);
    const third = Math.ceil(lines.length / 3);
    parts = [0, 1, 2].map((i) => {
      const f = join(dir, `part-${i + 1}.jsonl`);
      writeFileSync(f, `${lines.slice(i * third, (i + 1) * third).join('\n')}\n`);
      return f;
    });
    const wh = await open();
    await ingestFiles([all], wh, { hmacKey: KEY });
    const [range] = await wh.query<{ lo: string; hi: string }>(
      'SELECT toUnixTimestamp64Milli(min(occurred_at)) AS lo, toUnixTimestamp64Milli(max(occurred_at)) AS hi FROM journey_events_v',
    );
    from = Math.floor(Number(range?.lo) / 60_000) * 60_000;
    to = Math.ceil(Number(range?.hi) / 60_000) * 60_000 + 60_000;
    onePass = await figures(wh, from, to);
  });
  afterAll(async () => {
    for (const t of dbs) await t.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the one-pass figures are not trivial (facts, money, alerts)', () => {
    expect(onePass.facts).toEqual(sim.truth.events.by_topic);
    expect(JSON.stringify(onePass.pnl)).toMatch(/"total_cost":"[1-9]/);
    const alerts = (onePass.signals as Array<{ alerts: unknown[] }>).reduce((n, s) => n + s.alerts.length, 0);
    expect(alerts).toBeGreaterThan(0);
  });

  it('three parts in another order, one part twice, small batches: the figures of one pass', async () => {
    const wh = await open();
    for (const i of [2, 0, 1, 0]) await ingestFiles([parts[i] as string], wh, { hmacKey: KEY, maxBatchSize: 200 });
    expect(await figures(wh, from, to)).toEqual(onePass);
  });

  it('other partition counts and batch sizes per run: the figures of one pass', async () => {
    const wh = await open();
    await ingestFiles([parts[1] as string], wh, { hmacKey: KEY, maxBatchSize: 97, partitions: 3 });
    await ingestFiles([parts[0] as string, parts[2] as string], wh, { hmacKey: KEY, maxBatchSize: 1000, partitions: 1 });
    await ingestFiles([all], wh, { hmacKey: KEY, maxBatchSize: 333 });
    expect(await figures(wh, from, to)).toEqual(onePass);
  });

  it('a replay older than the warehouse insert-dedup window changes nothing', async () => {
    const wh = await open();
    // A window of 2 blocks per table: the first part's batches are long out of it once the
    // other parts are in, so the engine no longer drops its replay. Tables feeding counting
    // rollups take none of it (the ingest finds every event stored); the others take it
    // physically and their readers collapse it.
    const tables = await wh.query<{ name: string }>(
      `SELECT name FROM system.tables WHERE database = currentDatabase() AND engine LIKE '%MergeTree%'
         AND create_table_query LIKE '%non_replicated_deduplication_window%'`,
    );
    expect(tables.length).toBeGreaterThan(5);
    for (const t of tables) await wh.exec(`ALTER TABLE \`${t.name}\` MODIFY SETTING non_replicated_deduplication_window = 2`);
    for (const p of parts) await ingestFiles([p], wh, { hmacKey: KEY, maxBatchSize: 150, partitions: 2 });
    const before = { journeys: await physicalRows(wh, 'journey_events'), incidents: await physicalRows(wh, 'incident_events') };
    await ingestFiles([parts[0] as string], wh, { hmacKey: KEY, maxBatchSize: 150, partitions: 2 });
    expect(await physicalRows(wh, 'incident_events')).toBeGreaterThan(before.incidents);
    expect(await physicalRows(wh, 'journey_events')).toBe(before.journeys);
    expect(await figures(wh, from, to)).toEqual(onePass);
  });

  it('an in-process transport restarted under the same group (as `run` restarts) loses nothing', async () => {
    const wh = await open();
    const half = Math.ceil(sim.records.length / 2);
    // The second run publishes fewer records, then more: its offsets restart at 0 under the
    // first run's recorded batches, below and beyond their ranges.
    for (const records of [sim.records.slice(0, half), sim.records.slice(half, half + 100), sim.records.slice(half + 100)]) await runOnce(wh, records);
    const got = await figures(wh, from, to);
    expect(got.facts).toEqual(onePass.facts);
    expect(got.snapshot).toEqual(onePass.snapshot);
    expect(got.pnl).toEqual(onePass.pnl);
    expect(got.signals).toEqual(onePass.signals);
  });
  /**
   * One run of the ingest under the usual group on a fresh in-process log: the records published
   * before it starts, or, as `slo-pipeline run` does, after (in chunks, while it consumes).
   */
  async function runOnce(wh: Warehouse, records: SimOutput['records'], publishAfterStart = false): Promise<void> {
    const transport = new MemoryTransport({ defaultPartitions: 2 });
    const producer = await transport.producer();
    if (!publishAfterStart) await publishRecords(records, producer, defaultCodec());
    const p = new IngestPipeline({ transport, warehouse: wh, decoder: createDefaultDecoder(), hasher: createPiiHasher(KEY), groupId: 'slo-pipeline', partitions: 2, maxBatchSize: 250 });
    await p.start();
    for (let i = 0; publishAfterStart && i < records.length; i += 1000) {
      await publishRecords(records.slice(i, i + 1000), producer, defaultCodec());
      await new Promise((r) => setTimeout(r, 5));
    }
    await untilCaughtUp(p);
    await p.stop();
    await transport.close();
    expect(p.error).toBeUndefined();
  }

  /** Facts, every table and the signals equal one clean pass. */
  async function expectOnePass(wh: Warehouse): Promise<void> {
    const got = await figures(wh, from, to);
    expect(got.facts).toEqual(onePass.facts);
    expect(got.snapshot).toEqual(onePass.snapshot);
    expect(got.signals).toEqual(onePass.signals);
  }

  /** Ingests `records` through the warehouse (and transport) `fault` wraps until it "crashes", then stops as a killed process would. */
  async function ingestUntilCrash(
    wh: Warehouse,
    records: SimOutput['records'],
    fault: (wh: Warehouse, transport: Transport) => { wh: Warehouse; transport?: Transport; crashed: () => boolean; kill: () => void },
  ): Promise<void> {
    const transport = new MemoryTransport({ defaultPartitions: 2 });
    await publishRecords(records, await transport.producer(), defaultCodec());
    const faulty = fault(wh, transport);
    // One insert at a time: no other batch reaches the fact table while its views are detached.
    const p = new IngestPipeline({
      transport: faulty.transport ?? transport, warehouse: faulty.wh, decoder: createDefaultDecoder(), hasher: createPiiHasher(KEY), groupId: 'slo-pipeline', partitions: 2, maxBatchSize: 250,
      maxConcurrentInserts: 1, retry: { initialMs: 1, maxMs: 1 },
    });
    await p.start();
    for (let i = 0; i < 3000 && !faulty.crashed(); i++) await new Promise((r) => setTimeout(r, 10));
    expect(faulty.crashed()).toBe(true);
    const stopping = p.stop();
    faulty.kill();
    await stopping.catch(() => {});
    await transport.close();
    await expectRollupsShort(wh);
  }

  /** Ingests every record, then crashes between the parts of the 3rd journey batch's insert (or the insert `at` names by its token). */
  async function crashMidInsert(wh: Warehouse, records: SimOutput['records'] = sim.records, at: number | ((token: string) => boolean) = 3): Promise<{ lost: string[] }> {
    let lost: () => string[] = () => [];
    await ingestUntilCrash(wh, records, (w) => {
      const faulty = crashBetweenParts(w, 'journey_events', at);
      lost = faulty.lost;
      return faulty;
    });
    expect(lost()).toContain('sli_journey_minute_mv');
    return { lost: lost() };
  }

  it('a crash between the fact part and the views\' parts, then a restart on an empty in-process log (as `run` restarts): the views get the batch once', async () => {
    const wh = await open();
    const { lost } = await crashMidInsert(wh);
    expect(lost.length).toBeLessThan((await viewsOf(wh, 'journey_events')).length); // one view got its part: it must not count it twice
    // As `slo-pipeline run` does: the roles start on an empty log, then the simulator publishes.
    await runOnce(wh, sim.records, true);
    await expectOnePass(wh);
    // Every batch is marked done: a next start completes nothing again.
    expect(await wh.query('SELECT DISTINCT done FROM ingest_state FINAL')).toEqual([{ done: 1 }]);
  });

  it('a crash between the fact part and the views\' parts, then other records at the same offsets: the views get the batch once', async () => {
    const wh = await open();
    await crashMidInsert(wh);
    // A log with other records under the recorded batches' offsets and beyond (the second half
    // first), published before the start: the unfinished range is within its end, its digest differs.
    const half = Math.ceil(sim.records.length / 2);
    await runOnce(wh, sim.records.slice(half));
    await runOnce(wh, sim.records);
    await expectOnePass(wh);
  });

  /** Facts, every table and the signals equal `reference`, and every batch is marked done (a next start completes nothing again). */
  async function expectFigures(wh: Warehouse, reference: Figures, lo: number, hi: number): Promise<void> {
    const got = await figures(wh, lo, hi);
    expect(got.facts).toEqual(reference.facts);
    expect(got.snapshot).toEqual(reference.snapshot);
    expect(got.signals).toEqual(reference.signals);
    expect(await wh.query('SELECT DISTINCT done FROM ingest_state FINAL')).toEqual([{ done: 1 }]);
  }

  /** Half a day either side of 1 November (UTC), whose batches at the turn of the month hold both, and its figures of one clean pass. */
  async function turnOfMonth(): Promise<{ turn: SimOutput; reference: Figures; lo: number; hi: number }> {
    const codec = defaultCodec();
    const turn = simulate({ seed: 33, days: 1, start: Date.UTC(2026, 9, 31, 12), journeysPerDay: 1200, encodeAvro: (r, v) => codec.encode(r, v) });
    const clean = await open();
    await runOnce(clean, turn.records);
    const [range] = await clean.query<{ lo: string; hi: string }>(
      'SELECT toUnixTimestamp64Milli(min(occurred_at)) AS lo, toUnixTimestamp64Milli(max(occurred_at)) AS hi FROM journey_events_v',
    );
    const lo = Math.floor(Number(range?.lo) / 60_000) * 60_000;
    const hi = Math.ceil(Number(range?.hi) / 60_000) * 60_000 + 60_000;
    const reference = await figures(clean, lo, hi);
    expect(reference.facts).toEqual(turn.truth.events.by_topic);
    const [months] = await clean.query<{ n: string }>('SELECT uniqExact(toYYYYMM(occurred_at)) AS n FROM journey_events_v');
    expect(months?.n).toBe('2');
    return { turn, reference, lo, hi };
  }

  it('a batch whose events fall in two months, cut after its first month\'s insert (fact part and one view), then a restart on an empty log: the figures of one pass', async () => {
    const { turn, reference, lo, hi } = await turnOfMonth();
    const wh = await open();
    // The first insert of one month of a batch that spans two: it lands in the fact table and
    // one view, and the process dies before the other month's insert.
    await crashMidInsert(wh, turn.records, (token) => /-m\d{6}$/.test(token));
    await runOnce(wh, turn.records, true);
    await expectFigures(wh, reference, lo, hi);
  });

  /** The run of the turn of the month that an earlier build left cut in its one-block insert; the reference figures of one clean pass. */
  async function earlierBuildCut(): Promise<{ wh: Warehouse; turn: SimOutput; reference: Figures; lo: number; hi: number }> {
    const { turn, reference, lo, hi } = await turnOfMonth();
    const wh = await open();
    await ingestUntilCrash(wh, turn.records, earlierBuildCrash);
    return { wh, turn, reference, lo, hi };
  }

  it('a two-month batch an earlier build inserted in one block, cut between its parts, re-formed from the log: the figures of one pass', async () => {
    const { wh, turn, reference, lo, hi } = await earlierBuildCut();
    // The log still holds the batch's records: the recorded range is re-formed and goes in one
    // block again under the batch's token (inserted month by month, its landed rows would count twice).
    await runOnce(wh, turn.records);
    await expectFigures(wh, reference, lo, hi);
  });

  it('a two-month batch an earlier build inserted in one block, cut between its parts, then a restart on an empty log: completed from its fact rows, the figures of one pass', async () => {
    const { wh, turn, reference, lo, hi } = await earlierBuildCut();
    await runOnce(wh, turn.records, true);
    await expectFigures(wh, reference, lo, hi);
  });

  it('a crashed `ingest FILE` run left a batch between the fact part and the views\' parts: the next run (a group of its own) completes it once', async () => {
    const wh = await open();
    const faulty = crashBetweenParts(wh, 'journey_events', 3);
    const run = ingestFiles([all], faulty.wh, { hmacKey: KEY, maxBatchSize: 250, partitions: 2, retry: { initialMs: 1, maxMs: 1 } });
    for (let i = 0; i < 3000 && !faulty.crashed(); i++) await new Promise((r) => setTimeout(r, 10));
    expect(faulty.crashed()).toBe(true);
    faulty.kill();
    await expect(run).rejects.toThrow('killed between the fact part');
    await expectRollupsShort(wh);
    await ingestFiles([all], wh, { hmacKey: KEY, maxBatchSize: 333 });
    await expectOnePass(wh);
    // Completed once: a third run finds nothing left to complete and changes nothing.
    expect(await wh.query('SELECT count() AS n FROM ingest_state FINAL WHERE done = 0')).toEqual([{ n: '0' }]);
    await ingestFiles([parts[0] as string], wh, { hmacKey: KEY });
    expect((await figures(wh, from, to)).snapshot).toEqual(onePass.snapshot);
  });
});
