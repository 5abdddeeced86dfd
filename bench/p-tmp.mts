import { ChdbWarehouse } from '../sinks/chdb/index.js';
import { mkdtempSync } from 'node:fs';
const wh = await ChdbWarehouse.open({ dataDir: mkdtempSync('/dev/shm/p-') });
const S = `SETTINGS insert_deduplication_token = 'tok', deduplicate_blocks_in_dependent_materialized_views = 1`;
for (const n of ['a', 'b', 'c']) {
  await wh.exec(`CREATE TABLE t${n} (d Date, v String) ENGINE = MergeTree PARTITION BY toYYYYMM(d) ORDER BY v SETTINGS non_replicated_deduplication_window = 1000`);
  await wh.exec(`CREATE TABLE v${n} (d Date, c UInt64) ENGINE = MergeTree ORDER BY d SETTINGS non_replicated_deduplication_window = 1000`);
  await wh.exec(`CREATE MATERIALIZED VIEW mv${n} TO v${n} AS SELECT d, count() AS c FROM t${n} GROUP BY d`);
}
const both = `SELECT toDate('2026-10-31') AS d, 'x' AS v UNION ALL SELECT toDate('2026-11-01'), 'y'`;
const oct = `SELECT toDate('2026-10-31') AS d, 'x' AS v`;
const nov = `SELECT toDate('2026-11-01') AS d, 'y' AS v`;
const show = async (n: string, what: string) => console.log(what, JSON.stringify(await wh.query(`SELECT (SELECT groupArray(v) FROM t${n}) AS t, (SELECT groupArray((d, c)) FROM v${n}) AS v`)));
// a: whole block, then whole block again, then Oct alone, then Nov alone
await wh.exec(`INSERT INTO ta ${S} ${both}`); await show('a', 'a after block');
await wh.exec(`INSERT INTO ta ${S} ${both}`); await show('a', 'a after block again');
await wh.exec(`INSERT INTO ta ${S} ${oct}`); await show('a', 'a after oct alone');
await wh.exec(`INSERT INTO ta ${S} ${nov}`); await show('a', 'a after nov alone');
// b: Oct alone first (as if only its part landed), then the whole block
await wh.exec(`INSERT INTO tb ${S} ${oct}`); await show('b', 'b after oct alone');
await wh.exec(`INSERT INTO tb ${S} ${both}`); await show('b', 'b after whole block');
// c: Nov alone first, then whole block
await wh.exec(`INSERT INTO tc ${S} ${nov}`); await show('c', 'c after nov alone');
await wh.exec(`INSERT INTO tc ${S} ${both}`); await show('c', 'c after whole block');
await wh.close();
