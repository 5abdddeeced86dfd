import { createHash } from 'node:crypto';
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Engine configuration the embedded warehouse starts with, where chdb's defaults make its
 * memory grow with the data ingested:
 *
 * `merge_tree.cleanup_delay_period` / `max_cleanup_delay_period` (seconds): a part replaced by
 * a merge stays in memory (its checksums, columns, index) until the table's cleanup removes
 * it. By default the cleanup runs every 30 s and backs off to 300 s, so an ingest outran it:
 * on a 200 MB file 973 replaced parts were waiting beside 71 active ones at 30 s, and the
 * engine's allocations grew from about 56 to 120 MB. Cleaned every second they stay under
 * about 120 parts and the allocations about flat (65-75 MB). The parts' lifetime itself is
 * already 0 in chdb (`old_parts_lifetime`).
 *
 * `max_parts_cleaning_thread_pool_size` (and the two parts loading pools, used when a folder
 * is opened): the cleanup above removes parts with up to 128 threads by default, and a thread
 * once started stays in the global pool, so a 1 GB file ingest grew from 35 to 161 threads.
 * With 2 threads per pool it keeps 35, at the same speed (a part's removal is a few file
 * deletions). Its peak RSS did not measurably change (548-569 MB either way, two runs each):
 * the threads' stacks and caches were barely touched.
 *
 * `merge_tree.vertical_merge_algorithm_min_rows_to_activate` (rows): a merge of parts with
 * fewer rows in total than this (131,072 by default) reads and writes every column at once,
 * with a read buffer per column and part and a write buffer and compressor per column. For
 * `journey_events` (25 columns, most of them Nullable or LowCardinality: about 50 files per
 * part) the engine counted 120-140 MB per such merge, the largest single allocation of an
 * ingest. Merged vertically (the sorting key's columns first, then one column at a time) the
 * same merges counted 6-18 MB, and the peak RSS of `ingest` on a 300 MB file fell by about
 * 15 MB (the tracked figure is mostly buffers reserved and never filled). Tables with fewer
 * than 11 columns beside the key, and the summing and aggregating ones, still merge at once.
 *
 * chdb reads the settings of the `merge_tree` section from a configuration file only (given
 * as `--merge_tree.<name>=` connection arguments they are ignored).
 */
export const ENGINE_CONFIG_XML =
  '<clickhouse>\n' +
  '  <max_parts_cleaning_thread_pool_size>2</max_parts_cleaning_thread_pool_size>\n' +
  '  <max_active_parts_loading_thread_pool_size>2</max_active_parts_loading_thread_pool_size>\n' +
  '  <max_outdated_parts_loading_thread_pool_size>2</max_outdated_parts_loading_thread_pool_size>\n' +
  '  <merge_tree>\n' +
  '    <cleanup_delay_period>1</cleanup_delay_period>\n' +
  '    <max_cleanup_delay_period>2</max_cleanup_delay_period>\n' +
  '    <cleanup_delay_period_random_add>1</cleanup_delay_period_random_add>\n' +
  '    <vertical_merge_algorithm_min_rows_to_activate>1</vertical_merge_algorithm_min_rows_to_activate>\n' +
  '  </merge_tree>\n' +
  '</clickhouse>\n';

/**
 * The path of a file holding {@link ENGINE_CONFIG_XML}, written under the OS temporary folder
 * when missing. Its name carries a digest of its content, so every process and version that
 * agrees on the content shares one file and none rewrites another's; the engine reads it once,
 * when the first connection of the process opens the folder.
 */
export function engineConfigFile(dir: string = tmpdir()): string {
  const digest = createHash('sha256').update(ENGINE_CONFIG_XML).digest('hex').slice(0, 16);
  const path = join(dir, `slo-pipeline-engine-${digest}.xml`);
  if (!existsSync(path)) {
    // Written whole under a name of this process, then renamed: a reader never sees half a file.
    const part = `${path}.${process.pid}.tmp`;
    writeFileSync(part, ENGINE_CONFIG_XML);
    renameSync(part, path);
  }
  return path;
}
