import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { ChdbWarehouse } from '../../sinks/chdb/index.js';
import { runCli } from '../support/cli.js';
import { randomName } from '../support/warehouse.js';

/** A temporary folder and the embedded warehouse the CLI writes in it: `data/` and a random database. */
export interface CliWarehouse {
  dir: string;
  data: string;
  database: string;
  /** The CLI's flags for this warehouse: `--data <data> --database <database>`. */
  wh: string[];
  /** Writes the JSON lines to `file` in the folder and stores them with `slo-pipeline ingest`, which must exit 0. */
  ingest(file: string, lines: string): Promise<void>;
  /** Drops the database (the folder stays). */
  drop(): Promise<void>;
}

export function cliWarehouse(folderPrefix: string, databasePrefix: string): CliWarehouse {
  const dir = mkdtempSync(join(tmpdir(), folderPrefix));
  const data = join(dir, 'data');
  const database = randomName(databasePrefix);
  const wh = ['--data', data, '--database', database];
  return {
    dir,
    data,
    database,
    wh,
    ingest: async (file, lines) => {
      const path = join(dir, file);
      writeFileSync(path, lines);
      const r = await runCli(['ingest', path, ...wh]);
      expect(r.code, r.err).toBe(0);
    },
    drop: async () => {
      const w = await ChdbWarehouse.open({ dataDir: data, database: 'default' });
      await w.exec(`DROP DATABASE IF EXISTS ${database}`);
      await w.close();
    },
  };
}
