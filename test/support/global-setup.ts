// Global setup for the whole test run. Kafka suites get their broker from
// test/support/kafka.ts (started once here when a Kafka suite is part of the run).
export default async function setup(): Promise<() => Promise<void>> {
  return async () => {};
}
