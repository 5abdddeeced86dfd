import type { Warehouse } from '../warehouse/types.js';

export type NotificationState = 'PENDING' | 'DELIVERED' | 'REJECTED' | 'EXPIRED';

export interface ReceiverFigures {
  receiver: string;
  pending: number;
  delivered: number;
  /** Rejected or expired: kept, never sent again. */
  failed: number;
  /** When the oldest waiting notification was enqueued (ISO), null when none waits. */
  oldest_pending_at: string | null;
}

export interface OutboxSummary {
  /** Waiting for delivery, all receivers. */
  pending: number;
  /** Rejected or expired, all receivers (the outbox keeps 30 days). */
  failed: number;
  /** Age of the oldest waiting notification in seconds; 0 when none waits. */
  oldest_pending_age_seconds: number;
  receivers: ReceiverFigures[];
}

export interface NotificationRow {
  receiver: string;
  signal_id: string;
  slo_id: string;
  severity: string;
  status: string;
  evaluated_at: string;
  enqueued_at: string;
  state: NotificationState;
  attempts: number;
  detail: string;
  /** When the outcome was recorded (ISO); null while pending. */
  settled_at: string | null;
}

/** Every outbox row with its outcome ('' while pending); rows moved to another receiver name (026) left out. */
const JOINED = `
  SELECT o.target AS receiver, o.signal_id AS signal_id, o.body AS body,
         toUnixTimestamp64Milli(o.evaluated_at) AS evaluated_ms, toUnixTimestamp64Milli(o.enqueued_at) AS enqueued_ms,
         d.outcome AS outcome, d.attempts AS attempts, d.detail AS detail, toUnixTimestamp64Milli(d.at) AS settled_ms
    FROM slo_webhook_outbox AS o FINAL
    LEFT JOIN (SELECT target, signal_id, outcome, attempts, detail, at FROM slo_webhook_deliveries FINAL) AS d
      ON d.target = o.target AND d.signal_id = o.signal_id
   WHERE d.outcome != 'MOVED'`;

/** Outbox depth, deliveries and failures per receiver: what `/metrics` counts since start, from the warehouse. */
export async function outboxSummary(wh: Warehouse, now = Date.now()): Promise<OutboxSummary> {
  const rows = await wh.query<{ receiver: string; pending: string | number; delivered: string | number; failed: string | number; oldest: string | number | null }>(
    `SELECT receiver,
            countIf(outcome = '') AS pending,
            countIf(outcome = 'DELIVERED') AS delivered,
            countIf(outcome IN ('REJECTED', 'EXPIRED')) AS failed,
            if(pending = 0, NULL, minIf(enqueued_ms, outcome = '')) AS oldest
       FROM (${JOINED})
      GROUP BY receiver ORDER BY receiver`,
  );
  const receivers = rows.map((r) => ({
    receiver: r.receiver,
    pending: Number(r.pending),
    delivered: Number(r.delivered),
    failed: Number(r.failed),
    oldest_pending_at: r.oldest === null ? null : new Date(Number(r.oldest)).toISOString(),
  }));
  const oldest = Math.min(...receivers.filter((r) => r.oldest_pending_at).map((r) => Date.parse(r.oldest_pending_at as string)));
  return {
    pending: receivers.reduce((a, r) => a + r.pending, 0),
    failed: receivers.reduce((a, r) => a + r.failed, 0),
    oldest_pending_age_seconds: Number.isFinite(oldest) ? Math.max(0, Math.round((now - oldest) / 1000)) : 0,
    receivers,
  };
}

/** Notifications newest first, by state and receiver. */
export async function listNotifications(wh: Warehouse, q: { state?: NotificationState | 'FAILED'; receiver?: string; limit: number }): Promise<NotificationRow[]> {
  const where: string[] = [];
  if (q.state === 'PENDING') where.push(`outcome = ''`);
  else if (q.state === 'FAILED') where.push(`outcome IN ('REJECTED', 'EXPIRED')`);
  else if (q.state) where.push('outcome = {state:String}');
  if (q.receiver) where.push('receiver = {receiver:String}');
  const rows = await wh.query<{
    receiver: string;
    signal_id: string;
    body: string;
    evaluated_ms: string | number;
    enqueued_ms: string | number;
    outcome: string;
    attempts: string | number;
    detail: string;
    settled_ms: string | number;
  }>(`SELECT * FROM (${JOINED}) ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY enqueued_ms DESC, receiver, signal_id LIMIT {limit:UInt32}`, {
    limit: q.limit,
    ...(q.state ? { state: q.state } : {}),
    ...(q.receiver ? { receiver: q.receiver } : {}),
  });
  return rows.map((r) => {
    const s = JSON.parse(r.body) as { slo_id?: string; severity?: string; status?: string };
    const state = (r.outcome || 'PENDING') as NotificationState;
    return {
      receiver: r.receiver,
      signal_id: r.signal_id,
      slo_id: s.slo_id ?? '',
      severity: s.severity ?? '',
      status: s.status ?? '',
      evaluated_at: new Date(Number(r.evaluated_ms)).toISOString(),
      enqueued_at: new Date(Number(r.enqueued_ms)).toISOString(),
      state,
      attempts: Number(r.attempts),
      detail: r.detail,
      settled_at: state === 'PENDING' ? null : new Date(Number(r.settled_ms)).toISOString(),
    };
  });
}
