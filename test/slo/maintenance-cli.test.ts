import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulate, toJsonLines } from '../../processors/simulator/index.js';
import { buildMaintenanceWindow } from '../../processors/slo/definitions/maintenance.js';
import type { ContractStatus } from '../../processors/slo/replay/status.js';
import { putStoredWindow } from '../../processors/slo/store/maintenance-windows.js';
import { projectPath } from '../../processors/util/project-path.js';
import { ChdbWarehouse } from '../../sinks/chdb/index.js';
import { runCli } from '../support/cli.js';
import { cliWarehouse } from './cli-warehouse.js';

const store = cliWarehouse('slo-maint-cli-', 'slomaint');
const { dir, data, database, wh } = store;
const slos = join(dir, 'slos');

const WINDOW = (name: string, selector: string, extra = ''): string => `---
apiVersion: openslo/v1
kind: MaintenanceWindow
metadata:
  name: ${name}
spec:
  selector: ${selector}
  start: "2020-01-01T00:00"
  duration: 31d
  rrule: FREQ=MONTHLY
  reason: the whole history is maintenance${extra}
`;

describe('slo-pipeline slo with maintenance windows', () => {
  const sim = simulate({ seed: 9, days: 1, journeysPerDay: 4000 });

  beforeAll(async () => {
    mkdirSync(slos);
    copyFileSync(projectPath('slos', 'journeys-vienna.yaml'), join(slos, 'journeys-vienna.yaml'));
    await store.ingest('sim.jsonl', toJsonLines(sim));
  });
  afterAll(async () => {
    await store.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('validate names file, document and field of a bad window and refuses the set', async () => {
    writeFileSync(join(slos, 'maintenance.yaml'), WINDOW('everything', '{slos: [no-such-slo]}', '\n  timeZone: Europe/Atlantis'));
    const r = await runCli(['slo', 'validate', slos]);
    expect(r.code).toBe(1);
    expect(r.err.split('\n').filter((l) => l.includes('maintenance.yaml'))).toEqual([
      `${join(slos, 'maintenance.yaml')}: document 1 (everything): spec.timeZone: unknown time zone "Europe/Atlantis"`,
    ]);
    writeFileSync(join(slos, 'maintenance.yaml'), WINDOW('everything', '{slos: [no-such-slo]}'));
    const r2 = await runCli(['slo', 'validate', slos]);
    expect(r2.err).toContain(`${join(slos, 'maintenance.yaml')}: document 1 (everything): spec.selector.slos[0]: no SLO "no-such-slo" in the set`);
  });

  it('status: an SLO whose whole window is maintenance has spent nothing, from a file window or a stored one', async () => {
    const atIso = new Date(sim.truth.end).toISOString();
    writeFileSync(join(slos, 'maintenance.yaml'), '# no windows yet\n');
    const plain = JSON.parse((await runCli(['slo', 'status', '--slos', slos, '--at', atIso, '--json', ...wh])).out) as ContractStatus[];
    const spent = plain.filter((s) => s.sli !== null && s.sli < 1);
    expect(spent.length, 'the simulated day has failures').toBeGreaterThan(1);
    const [first, second] = spent as [ContractStatus, ContractStatus];

    writeFileSync(join(slos, 'maintenance.yaml'), WINDOW('everything', `{slos: [${first.slo_id}]}`));
    const v = await runCli(['slo', 'validate', slos]);
    expect(v.code, v.err).toBe(0);
    // Through the API's table: the same window for the second SLO.
    const w = await ChdbWarehouse.open({ dataDir: data, database });
    const stored = buildMaintenanceWindow('everything-too', { selector: { slos: [second.slo_id] }, start: '2020-01-01T00:00', duration: '31d', rrule: 'FREQ=MONTHLY', reason: 'r' }, 'api');
    if (!stored.ok) throw new Error(JSON.stringify(stored.problems));
    await putStoredWindow(w, stored.window, 'admin', Date.now());
    await w.close();

    const r = await runCli(['slo', 'status', '--slos', slos, '--at', atIso, '--json', ...wh]);
    expect(r.code, r.err).toBe(0);
    const maintained = JSON.parse(r.out) as ContractStatus[];
    for (const id of [first.slo_id, second.slo_id]) {
      const s = maintained.find((x) => x.slo_id === id);
      expect(s, id).toMatchObject({ sli: null, error_budget_remaining: 1, alerts: [] });
      expect(Object.values(s?.burn_rates ?? {}).every((b) => b === 0)).toBe(true);
    }
    // Every other SLO is untouched.
    const others = (list: ContractStatus[]) => list.filter((s) => s.slo_id !== first.slo_id && s.slo_id !== second.slo_id);
    expect(others(maintained)).toEqual(others(plain));
  });
});
