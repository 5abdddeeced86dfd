import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PipelineError } from '../../processors/errors/pipeline-error.js';
import { prometheusRules, renderRules, SloCatalog } from '../../processors/slo/index.js';
import { checks, parseCommand, parseIntFlag, str, type CommandSpec } from '../args.js';
import type { CliIo } from '../io.js';

/** The file written into DIR. */
export const PROMETHEUS_RULES_FILE = 'slo-pipeline.rules.yaml';

export const EXPORT_SPEC = {
  name: 'slo export',
  summary: 'Write the SLOs as rules for another system (Prometheus recording and alerting rules).',
  args: 'DIR',
  description: `Writes DIR/${PROMETHEUS_RULES_FILE}: per SLO an error-ratio recording rule per alert window and one multiwindow, multi-burn-rate alert per severity, equivalent to this pipeline's evaluation. They read slo_pipeline_events_total and slo_pipeline_event_duration_ms (slos/README.md). Composite SLOs follow, their burn per window the weighted average of their components' burn rates. SLOs the rules cannot express (time slices, LEM levels, a composite with such a component) are listed on stderr and in the file's header.`,
  flags: {
    format: str('FORMAT', 'what to write (required)', { check: checks.oneOf(['prometheus']) }),
    slos: str('DIR', 'the folder of OpenSLO definitions', { default: "SLO_DIR, else the project's slos/" }),
    'scrape-interval': str('MINUTES', 'how often Prometheus scrapes the counters', { default: '1', check: checks.int(1) }),
  },
} as const satisfies CommandSpec;

/** `slo-pipeline slo export --format prometheus DIR`. */
export function sloExportCommand(argv: string[], io: CliIo): number {
  const parsed = parseCommand(EXPORT_SPEC, argv, io);
  if (!parsed) return 0;
  const { values, positionals } = parsed;
  const [dir, extra] = positionals;
  if (!dir || extra !== undefined) throw new PipelineError('BAD_ARGUMENT', 'slo export takes exactly one output folder: slo export --format prometheus DIR');
  if (values.format === undefined) throw new PipelineError('BAD_ARGUMENT', '--format is required (prometheus)');
  const catalog = SloCatalog.open({ dir: values.slos, env: io.env, checkEveryMs: Infinity });
  // Composite SLOs follow the SLOs: their burn is the weighted average of their components' burns.
  const e = prometheusRules(catalog.current(), { scrapeIntervalMinutes: parseIntFlag('scrape-interval', values['scrape-interval'], 1, 1) }, catalog.composites());
  mkdirSync(dir, { recursive: true });
  const file = join(dir, PROMETHEUS_RULES_FILE);
  writeFileSync(file, renderRules(e));
  for (const s of e.skipped) io.err(`not exported: ${s.id}: ${s.reason}`);
  for (const n of e.notes) io.err(`note: ${n.id}: ${n.note}`);
  io.out(`${file}: rules for ${e.exported.length} SLO${e.exported.length === 1 ? '' : 's'}${e.skipped.length > 0 ? ` (${e.skipped.length} not exported)` : ''}`);
  return 0;
}
