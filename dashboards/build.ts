import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { projectPath } from '../processors/util/project-path.js';
import { financeBoard } from './boards/finance.js';
import { pipelineHealthBoard } from './boards/pipeline-health.js';
import { sloDetailBoard } from './boards/slo-detail.js';
import { sloOverviewBoard } from './boards/slo-overview.js';
import { dashboardProvisioning, datasourceProvisioning } from './provisioning.js';

/** The boards, by output file name. */
export function buildDashboards(): Record<string, Dashboard> {
  return {
    'slo-overview.json': sloOverviewBoard(),
    'slo-detail.json': sloDetailBoard(),
    'finance.json': financeBoard(),
    'pipeline-health.json': pipelineHealthBoard(),
  };
}

/** Every file `npm run dashboards` writes, relative to the output folder, with its content. */
export function buildFiles(): Record<string, string> {
  const files: Record<string, string> = {};
  for (const [name, board] of Object.entries(buildDashboards())) files[`dashboards/${name}`] = `${JSON.stringify(board, null, 2)}\n`;
  files['provisioning/datasources/clickhouse.yaml'] = datasourceProvisioning();
  files['provisioning/dashboards/slo-pipeline.yaml'] = dashboardProvisioning();
  return files;
}

export function writeFiles(outDir: string): string[] {
  const written: string[] = [];
  for (const [rel, content] of Object.entries(buildFiles())) {
    const path = join(outDir, rel);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
    written.push(path);
  }
  return written;
}

function main(argv: string[]): number {
  const i = argv.indexOf('--out');
  const out = i >= 0 ? argv[i + 1] : undefined;
  if (i >= 0 && !out) {
    console.error('--out needs a folder');
    return 2;
  }
  const dir = resolve(out ?? projectPath('deploy', 'grafana'));
  for (const f of writeFiles(dir)) console.log(`wrote ${f}`);
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) process.exitCode = main(process.argv.slice(2));
