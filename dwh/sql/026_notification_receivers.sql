-- The outbox (slo_webhook_outbox, slo_webhook_deliveries) holds the notifications of every
-- receiver: signed webhooks, Alertmanager, PagerDuty, Slack. `target` is the receiver's name.
-- The signed webhooks of SLO_WEBHOOK_* were keyed by severity (PAGE, TICKET); they are the
-- receivers webhook-page and webhook-ticket now. What they hold moves to the new names, with
-- its outcomes, so what waited is still delivered and what was delivered is not sent again;
-- the rows under the old names are settled as MOVED (left out of every listing). Running this
-- again changes nothing: both tables keep one row per (target, signal_id). (The new name is
-- aliased `receiver`: an alias `target` would shadow the column in WHERE.)
INSERT INTO slo_webhook_outbox
SELECT if(target = 'PAGE', 'webhook-page', 'webhook-ticket') AS receiver, signal_id, evaluated_at, body, enqueued_at
  FROM slo_webhook_outbox
 WHERE target IN ('PAGE', 'TICKET');

INSERT INTO slo_webhook_deliveries
SELECT if(target = 'PAGE', 'webhook-page', 'webhook-ticket') AS receiver, signal_id, outcome, attempts, detail, at
  FROM slo_webhook_deliveries
 WHERE target IN ('PAGE', 'TICKET') AND outcome != 'MOVED';

INSERT INTO slo_webhook_deliveries
SELECT target, signal_id, 'MOVED' AS outcome, toUInt32(0) AS attempts, concat('now under webhook-', lower(target)) AS detail, now64(3) AS at
  FROM slo_webhook_outbox
 WHERE target IN ('PAGE', 'TICKET');
