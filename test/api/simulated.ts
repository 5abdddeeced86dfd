import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ingestFiles } from '../../cli/commands/ingest.js';
import { simulate, toJsonLines, type SimOutput, type SimOptions } from '../../processors/simulator/index.js';
import type { Warehouse } from '../../sinks/warehouse/types.js';

export const SIM_HMAC_KEY = 'surfaces-test-key-0123456789';

/** Simulated traffic through the real ingest path (JSON Lines, as `slo-pipeline ingest` reads it). */
export async function loadSimulated(wh: Warehouse, options: SimOptions): Promise<SimOutput> {
  const sim = simulate(options);
  const dir = mkdtempSync(join(tmpdir(), 'slo-surfaces-'));
  try {
    const file = join(dir, 'sim.jsonl');
    writeFileSync(file, toJsonLines(sim));
    await ingestFiles([file], wh, { hmacKey: SIM_HMAC_KEY });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return sim;
}
