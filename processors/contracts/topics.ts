/** Topic names fixed by docs/interfaces.md. Other systems depend on these exact strings. */
export const INPUT_TOPICS = {
  journey: 'tjm.journey.v1',
  lem: 'lem.signals.v1',
  incident: 'ops.incidents.v1',
  compensation: 'trutta.compensations.v1',
  refund: 'billing.refunds.v1',
  fx: 'finance.fx.v1',
} as const;

export type Family = keyof typeof INPUT_TOPICS;
export type InputTopic = (typeof INPUT_TOPICS)[Family];

export const OUTPUT_TOPICS = {
  breach: 'ops.slo.breach.v1',
  quality: 'ops.quality.scores.v1',
} as const;
export type OutputTopic = (typeof OUTPUT_TOPICS)[keyof typeof OUTPUT_TOPICS];

export const FAMILIES = Object.keys(INPUT_TOPICS) as Family[];
export const INPUT_TOPIC_LIST: readonly InputTopic[] = FAMILIES.map((f) => INPUT_TOPICS[f]);

/** Avro record name of each input family (the `.avsc` file name in schemas/avro). */
export const RECORD_OF_FAMILY: Record<Family, string> = {
  journey: 'JourneyEvent',
  lem: 'LemSignal',
  incident: 'OpsIncidentEvent',
  compensation: 'CompensationEvent',
  refund: 'RefundEvent',
  fx: 'FxRate',
};

/** Field that carries the Kafka message key of each family (docs/interfaces.md). */
export const KEY_FIELD_OF_FAMILY: Record<Family, string> = {
  journey: 'journey_instance_id',
  lem: 'scope_id',
  incident: 'incident_id',
  compensation: 'incident_id',
  refund: 'order_id',
  fx: 'currency',
};

const FAMILY_BY_TOPIC = new Map<string, Family>(FAMILIES.map((f) => [INPUT_TOPICS[f], f]));

export function familyOfTopic(topic: string): Family | undefined {
  return FAMILY_BY_TOPIC.get(topic);
}

/** The dead-letter topic of an input topic: `<topic>.dlq`. */
export function dlqTopic(topic: string): string {
  return `${topic}.dlq`;
}

/** Fact table of each input family (dwh/sql/001_facts.sql). */
export const FACT_TABLE: Record<Family, string> = {
  journey: 'journey_events',
  lem: 'lem_signals',
  incident: 'incident_events',
  compensation: 'compensation_events',
  refund: 'refund_events',
  fx: 'fx_rates',
};
