import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createDefaultDecoder } from '../../processors/ingest/default-decoder.js';
import { createPiiHasher, IngestPipeline } from '../../processors/ingest/index.js';
import { loadSloDirOrThrow } from '../../processors/slo/definitions/load-dir.js';
import { startSloRuntime } from '../../processors/slo/runtime/index.js';
import { MemoryTransport } from '../../processors/transport/memory/index.js';
import type { Params, Warehouse } from '../../sinks/warehouse/index.js';
import { openTestWarehouse, type TestWarehouse } from '../support/warehouse.js';
import { encodeSingleObject, journeySloYaml, journeysInMinute } from './support.js';

// Fixed bug: a flush requested while the evaluator was still reading its saved progress
// was dropped (its kick found the loop running, and the loop kept its old target), so
// `run --exit-when-idle` could end without evaluating, and signalling, its last minutes.
const minute = (hh: number, mm: number): number => Date.UTC(2026, 2, 10, hh, mm);

describe('SLO engine: flush during start-up', () => {
  const dbs: TestWarehouse[] = [];
  afterAll(async () => {
    for (const t of dbs) await t.drop();
  });

  it('still evaluates up to the flush time', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'acc-flush-slos-'));
    writeFileSync(join(dir, 'acc.yaml'), journeySloYaml('acc-journeys', 'PRDV-ACC'));
    const slos = loadSloDirOrThrow(dir);
    const t = await openTestWarehouse();
    dbs.push(t);
    const transport = new MemoryTransport({ defaultPartitions: 1 });
    const producer = await transport.producer();
    const events = journeysInMinute(minute(10, 59), 20, 2, 'a');
    await producer.send('tjm.journey.v1', events.map((v) => ({ key: String(v['journey_instance_id']), value: encodeSingleObject('JourneyEvent', v) })));
    await producer.close();
    const pipeline = new IngestPipeline({ transport, warehouse: t.wh, decoder: createDefaultDecoder(), hasher: createPiiHasher('acceptance-key-0123456789'), groupId: 'flush', partitions: 1 });
    await pipeline.start();
    for (let i = 0; i < 3000 && !(await pipeline.caughtUp()); i++) await new Promise((r) => setTimeout(r, 10));
    await pipeline.stop();

    // Hold the evaluator inside its start-up read of saved progress (a slow warehouse), then flush.
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    let reached: () => void = () => undefined;
    const atGate = new Promise<void>((r) => (reached = r));
    let held = false;
    const slowStart = new Proxy(t.wh, {
      get(target, prop, receiver) {
        if (prop === 'query') {
          return async (sql: string, params?: Params) => {
            if (!held && sql.includes('slo_evaluator_state')) {
              held = true;
              reached();
              await gate;
            }
            return target.query(sql, params);
          };
        }
        const v: unknown = Reflect.get(target, prop, receiver);
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    }) as Warehouse;
    const runtime = await startSloRuntime({ warehouse: slowStart, transport, slos, env: {}, evaluator: { name: 'flush', watermark: { allowedLatenessMs: 86_400_000, idleTimeoutMs: 600_000 } } });
    const last = Math.max(...events.map((e) => Number(e['occurred_at'])));
    runtime.onCommitted({ topic: 'tjm.journey.v1', partition: 0, firstOffset: '0', lastOffset: String(events.length - 1), events: events.length, deadLettered: 0, minOccurredAt: minute(10, 59), maxOccurredAt: last, latencyMs: 0 });
    await atGate;
    const flushed = runtime.flush(minute(12, 0));
    release();
    await flushed;
    const upTo = runtime.evaluator.evaluatedUpTo;
    await runtime.stop();
    await transport.close();
    expect(upTo === null ? null : new Date(upTo).toISOString()).toBe('2026-03-10T12:00:00.000Z');
  });
});
