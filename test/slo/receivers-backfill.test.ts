import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { SloBreachSignal } from '../../processors/contracts/events.js';
import { OUTPUT_TOPICS } from '../../processors/contracts/topics.js';
import { createDefaultDecoder } from '../../processors/ingest/default-decoder.js';
import { createPiiHasher, IngestPipeline } from '../../processors/ingest/index.js';
import { PipelineMetrics } from '../../processors/observability/metrics.js';
import { simulate } from '../../processors/simulator/index.js';
import { defaultCodec } from '../../processors/codec/avro-codec.js';
import { loadSloDirOrThrow } from '../../processors/slo/definitions/load-dir.js';
import { startSloRuntime } from '../../processors/slo/runtime/index.js';
import type { Transport } from '../../processors/transport/types.js';
import { projectPath } from '../../processors/util/project-path.js';
import { caughtUp, ensureInputTopics, kafkaTransport, newPrefix, PARTITIONS, publish, wireChunks } from '../kafka/harness.js';
import { openTestWarehouse, type TestWarehouse } from '../support/warehouse.js';
import { startLocalReceiver, type LocalReceiver } from './receivers-support.js';
import { readTopic } from './topics.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;

describe('a backfill pages nobody', () => {
  const slos = loadSloDirOrThrow(projectPath('slos'));
  const codec = defaultCodec();
  // Yesterday's data, replayed today: every signal is hours old when it is evaluated.
  const yesterday = Math.floor(Date.now() / DAY) * DAY - DAY;
  const sim = simulate({ seed: 31, days: 1, journeysPerDay: 3000, start: yesterday, encodeAvro: (r, v) => codec.encode(r, v) });
  let tw: TestWarehouse | null = null;
  let transport: Transport | null = null;
  let rx: LocalReceiver | null = null;
  const dir = mkdtempSync(join(tmpdir(), 'slo-backfill-routes-'));
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await transport?.close().catch(() => {});
    await tw?.drop();
    await rx?.close();
  });

  it("records yesterday's signals and publishes them to Kafka without notifying any receiver (webhooks, Alertmanager, PagerDuty, Slack)", async () => {
    rx = await startLocalReceiver();
    const routes = join(dir, 'routes.yaml');
    writeFileSync(
      routes,
      [
        'receivers:',
        `  - {name: alertmanager, type: alertmanager, url: "${rx.url}/am"}`,
        `  - {name: pagerduty, type: pagerduty, routing_key_env: SLO_TEST_PD_KEY, url: "${rx.url}/pd"}`,
        '  - {name: slack, type: slack, url_env: SLO_TEST_SLACK_URL}',
        'routes:',
        '  - {receivers: [alertmanager, pagerduty, slack]}',
        '',
      ].join('\n'),
    );
    transport = await kafkaTransport(newPrefix());
    await ensureInputTopics(transport);
    await publish(transport, wireChunks(sim, 1)[0] ?? []);
    tw = await openTestWarehouse();
    const metrics = new PipelineMetrics();
    const runtime = await startSloRuntime({
      metrics,
      warehouse: tw.wh,
      transport,
      slos,
      // Every receiver type at once, with the default notify age (15 minutes).
      env: {
        SLO_WEBHOOK_PAGE_URL: `${rx.url}/page`,
        SLO_WEBHOOK_TICKET_URL: `${rx.url}/ticket`,
        SLO_WEBHOOK_SECRET: 'backfill-test-webhook-secret',
        SLO_NOTIFY_ROUTES: routes,
        SLO_TEST_PD_KEY: 'backfill-test-routing-key',
        SLO_TEST_SLACK_URL: `${rx.url}/slack`,
      },
      evaluator: { name: 'backfill', watermark: { allowedLatenessMs: 7 * HOUR, idleTimeoutMs: 600_000 } },
    });
    const groupId = 'slo-backfill';
    const pipeline = new IngestPipeline({
      transport,
      warehouse: tw.wh,
      decoder: createDefaultDecoder(),
      hasher: createPiiHasher('backfill-key'),
      groupId,
      partitions: PARTITIONS,
      onCommitted: (b) => runtime.onCommitted(b),
    });
    await pipeline.start();
    await caughtUp(transport, groupId);
    await pipeline.stop();
    await runtime.flush(sim.truth.end);
    await runtime.stop();

    const onTopic = (await readTopic<SloBreachSignal>(transport, OUTPUT_TOPICS.breach)).map((m) => m.value);
    const recorded = await tw.wh.query<{ signal_id: string }>('SELECT signal_id FROM slo_signals FINAL ORDER BY signal_id');
    const pages = onTopic.filter((s) => s.severity === 'PAGE' && s.status === 'FIRING');
    expect(pages.length).toBeGreaterThan(0);
    expect(onTopic.every((s) => s.evaluated_at < Date.now() - HOUR)).toBe(true);
    expect(recorded.map((r) => r.signal_id)).toEqual([...new Set(onTopic.map((s) => s.signal_id))].sort());
    expect(rx.received).toEqual([]);
    // The notification sink saw every signal (each is routed to a webhook and the three others) and let none through.
    const suppressed = (await metrics.registry.getSingleMetric('slo_notifications_suppressed_total')?.get())?.values[0]?.value;
    expect(suppressed).toBe(onTopic.length);
    const [outbox] = await tw.wh.query<{ n: string }>('SELECT count() AS n FROM slo_webhook_outbox');
    expect(Number(outbox?.n)).toBe(0);
  });
});
