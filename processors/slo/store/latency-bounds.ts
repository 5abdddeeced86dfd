/**
 * Bounds of the latency distribution kept per minute in `sli_journey_minute.latency_le`
 * (dwh/sql/020_sli_minute.sql holds the same list; a test keeps them equal). A latency
 * cut on one of these bounds is answered exactly from the aggregate; any other cut is
 * read from the journey facts.
 */
export const LATENCY_BOUNDS_MS: readonly number[] = [
  0, 50, 100, 150, 200, 250, 300, 400, 500, 600, 700, 750, 800, 900, 1000, 1200, 1250, 1500, 1750, 2000, 2500, 3000,
  3500, 4000, 4500, 5000, 6000, 7000, 7500, 8000, 9000, 10000, 12000, 15000, 20000, 25000, 30000, 40000, 45000, 60000,
  90000, 120000, 180000, 240000, 300000, 450000, 600000, 900000, 1200000, 1500000, 1800000, 2400000, 2700000, 3600000,
  5400000, 7200000, 10800000, 14400000, 21600000, 28800000, 43200000, 86400000,
];

/** `latency_le` of events without a duration. */
export const NO_DURATION = -1;

const BOUNDS = new Set(LATENCY_BOUNDS_MS);

export function isLatencyBound(ms: number): boolean {
  return BOUNDS.has(ms);
}
