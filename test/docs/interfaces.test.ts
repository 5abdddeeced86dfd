import { readFileSync, writeFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  accessTable,
  alertDefaultsTable,
  apiTable,
  avroRecords,
  avroTypeText,
  cliReference,
  commandSpecs,
  errorCodesTable,
  fillSections,
  recordTables,
  topicsTable,
} from '../../cli/interface-docs.js';
import { ERROR_CODES } from '../../processors/errors/codes.js';
import { INPUT_TOPIC_LIST, OUTPUT_TOPICS } from '../../processors/contracts/topics.js';
import { projectPath } from '../../processors/util/project-path.js';
import { testApi } from '../api/support.js';
import { openTestWarehouse, type TestWarehouse } from '../support/warehouse.js';

// docs/ documents the interfaces in the repository; its tables are generated from the Avro
// schemas, the topic list, the command specs, the API's OpenAPI document and the error codes.
// UPDATE_DOCS=1 (npm run docs) rewrites them; otherwise a stale table fails here.
const UPDATE = process.env['UPDATE_DOCS'] === '1';
const INTERFACES = projectPath('docs', 'interfaces.md');
const CLI = projectPath('docs', 'cli.md');

let t: TestWarehouse;
let app: FastifyInstance;
let openapi: Parameters<typeof apiTable>[0];

beforeAll(async () => {
  t = await openTestWarehouse();
  // As served on a non-loopback address (on loopback the status page's data is public).
  app = await testApi(t.wh, { auth: { publicStatus: false } });
  openapi = JSON.parse((await app.inject({ url: '/openapi.json' })).body) as typeof openapi;
});
afterAll(async () => {
  await app?.close();
  await t?.drop();
});

/** Checks (or with UPDATE_DOCS=1 rewrites) `file` with its generated sections filled. */
function inSync(file: string, sections: Record<string, string>): string {
  const text = readFileSync(file, 'utf8');
  const want = fillSections(text, sections);
  if (UPDATE) writeFileSync(file, want);
  else expect(text, `${file} is out of date: npm run docs`).toBe(want);
  return want;
}

describe('docs/ (the interfaces, in the repository)', () => {
  it('interfaces.md: topics, records, CLI index, API routes, access and error codes as generated from the code', async () => {
    const specs = await commandSpecs();
    const index = cliReference(specs).split('\n\n')[0] ?? '';
    const text = inSync(INTERFACES, {
      topics: topicsTable(),
      records: recordTables(),
      'cli-index': index.replaceAll('](#', '](cli.md#'),
      api: apiTable(openapi),
      access: accessTable(),
      'error-codes': errorCodesTable(),
      'alert-defaults': alertDefaultsTable(),
    });
    // What the generated parts must hold, whatever the rendering: every topic, record, field, code and route.
    for (const topic of [...INPUT_TOPIC_LIST, ...Object.values(OUTPUT_TOPICS)]) expect(text).toContain(`| \`${topic}\` |`);
    for (const r of avroRecords()) {
      expect(text).toContain(`### ${r.name}\n`);
      for (const f of r.fields) expect(text).toContain(`| \`${f.name}\` | ${avroTypeText(f.type).replaceAll('|', '\\|')} |`);
    }
    for (const code of Object.keys(ERROR_CODES)) expect(text).toContain(`| \`${code}\` |`);
    for (const path of Object.keys(openapi.paths)) expect(text).toContain(`| \`${path}\` |`);
  });

  it('cli.md: every command and subcommand with every option and its default, from the specs --help prints', async () => {
    const specs = await commandSpecs();
    const text = inSync(CLI, { cli: cliReference(specs) });
    for (const s of specs) {
      expect(text).toContain(`### slo-pipeline ${s.name}\n`);
      for (const [name, f] of Object.entries(s.flags)) expect(text).toContain(f.type === 'string' ? `\`--${name} ${f.arg}\`` : `\`--${name}\``);
    }
  });

  it('the hand-written parts name what exists: the P&L columns, the alert defaults, the reporting currency default', async () => {
    const text = readFileSync(INTERFACES, 'utf8');
    const { PNL_MEASURES } = await import('../../processors/economics/pnl.js');
    for (const m of PNL_MEASURES) expect(text).toContain(`\`${m}\``);
    expect(text).toContain('`currency`, the reporting currency of the amounts');
    expect(text).toMatch(/\| PAGE \| 14\.4 \| 1h \| 5m \|/);
    expect(text).toMatch(/default `EUR`/);
  });

  it('the README points to docs/ for the interfaces', () => {
    const readme = readFileSync(projectPath('README.md'), 'utf8');
    expect(readme).toContain('docs/interfaces.md');
  });
});
