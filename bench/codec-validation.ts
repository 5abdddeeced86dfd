import avsc from 'avsc';
import { createCodec } from '../processors/codec/index.js';
import { SAMPLE_RECORDS, SAMPLE_TIME } from '../processors/codec/samples.js';
import { FAMILIES, RECORD_OF_FAMILY, type Family } from '../processors/contracts/index.js';
import { validate, validateWithZod } from '../processors/validation/index.js';

/**
 * Micro-benchmark of the decode -> validate hot path, one core, figures only (no pass/fail).
 * Each row sits beside its baseline measured in the same run: bare avsc `fromBuffer` for
 * decoding, the zod schemas for validation. Run: `npx tsx bench/codec-validation.ts [N]`.
 */
const N = Number(process.argv[2] ?? 300_000);
const NOW = SAMPLE_TIME + 60_000;
const codec = createCodec();

// A realistic mix: journeys dominate the input, the other families trickle in.
const MIX: Family[] = ['journey', 'journey', 'journey', 'journey', 'journey', 'journey', 'lem', 'incident', 'compensation', 'refund', 'fx'];
const inputs = Array.from({ length: N }, (_, i) => {
  const family = MIX[i % MIX.length] as Family;
  const record = RECORD_OF_FAMILY[family];
  const value = { ...(SAMPLE_RECORDS[record] as Record<string, unknown>), event_id: `evt-${i}` };
  return { family, record, value, bytes: codec.encode(record, value), json: JSON.parse(JSON.stringify(value)) as unknown };
});
const bareTypes = new Map(
  FAMILIES.map((f) => [RECORD_OF_FAMILY[f], avsc.Type.forSchema(codec.schema(RECORD_OF_FAMILY[f]) as avsc.Schema)]),
);

function measure(name: string, fn: (i: number) => unknown): { name: string; perSec: number } {
  for (let i = 0; i < Math.min(N, 20_000); i++) fn(i); // warm-up: let the JIT settle
  // Best of three: the least disturbed run (GC, JIT) is the most repeatable figure.
  let best = Infinity;
  let sink = 0;
  for (let round = 0; round < 3; round++) {
    // CPU time of this process, not wall time: other work on the machine does not count.
    const start = process.cpuUsage();
    for (let i = 0; i < N; i++) if (fn(i) !== undefined) sink++;
    const used = process.cpuUsage(start);
    best = Math.min(best, (used.user + used.system) / 1e6);
  }
  if (sink < 0) console.log(sink);
  return { name, perSec: N / best };
}

const rows = [
  measure('baseline: avsc fromBuffer (body only)', (i) => {
    const x = inputs[i] as (typeof inputs)[number];
    return bareTypes.get(x.record)?.fromBuffer(x.bytes.subarray(10));
  }),
  measure('codec.decode (single-object)', (i) => codec.decode((inputs[i] as (typeof inputs)[number]).bytes)),
  measure('baseline: validateWithZod', (i) => {
    const x = inputs[i] as (typeof inputs)[number];
    return validateWithZod(x.family, x.value, NOW);
  }),
  measure('validate (compiled checks)', (i) => {
    const x = inputs[i] as (typeof inputs)[number];
    return validate(x.family, x.value, { now: NOW });
  }),
  measure('decode + validate', (i) => {
    const x = inputs[i] as (typeof inputs)[number];
    return validate(x.family, codec.decode(x.bytes).value, { now: NOW });
  }),
  measure('fromJson + validate (parsed JSON Lines)', (i) => {
    const x = inputs[i] as (typeof inputs)[number];
    return validate(x.family, codec.fromJson(x.record, x.json), { now: NOW });
  }),
  measure('codec.encode', (i) => {
    const x = inputs[i] as (typeof inputs)[number];
    return codec.encode(x.record, x.value);
  }),
];

console.log(`codec/validation, ${N.toLocaleString('en-US')} events, one core, events per CPU-second`);
console.log('| path | events/s |');
console.log('|---|---:|');
for (const r of rows) console.log(`| ${r.name} | ${Math.round(r.perSec).toLocaleString('en-US')} |`);
