import { open } from 'node:fs/promises';
import type { SimOutput, SimStream } from './simulate.js';
import type { GroundTruth, SimRecord } from './types.js';

/**
 * One JSON Lines line per record, exactly the docs/interfaces.md envelope
 * `{"topic": ..., "key": ..., "value": {...}}`; malformed lines as they are. Raw bytes only
 * exist on byte transports, so they have no line (null).
 */
export function jsonLine(rec: SimRecord): string | null {
  switch (rec.kind) {
    case 'event':
    case 'bad-event':
      return JSON.stringify({ topic: rec.topic, key: rec.key, value: rec.value });
    case 'raw-line':
      return rec.line;
    case 'raw-bytes':
      return null;
  }
}

function recordsOf(source: SimOutput | Iterable<SimRecord>): Iterable<SimRecord> {
  return 'records' in source && Array.isArray(source.records) ? source.records : (source as Iterable<SimRecord>);
}

/** The whole run as JSON Lines text (newline-terminated). For large runs prefer `writeSimulation`, which streams. */
export function toJsonLines(source: SimOutput | Iterable<SimRecord>): string {
  const lines: string[] = [];
  for (const rec of recordsOf(source)) {
    const line = jsonLine(rec);
    if (line !== null) lines.push(line);
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

/** Ground truth as indented JSON, with the per-minute outcome tuples kept on one line each. */
export function truthJson(truth: GroundTruth): string {
  const text = JSON.stringify(truth, null, 2).replace(/\[\s+(\d+),\s+(\d+),\s+(\d+),\s+(\d+)\s+\]/g, '[$1, $2, $3, $4]');
  return `${text}\n`;
}

export interface WritePaths {
  /** JSON Lines output file. @default undefined (not written) */
  jsonl?: string;
  /** Ground-truth JSON file. @default undefined (not written) */
  truth?: string;
}

export interface WriteSummary {
  lines: number;
  bytes: number;
  truth: GroundTruth;
}

const CHUNK = 1 << 20;

/**
 * Writes a run to files. With a stream the records are written as they are generated, so
 * memory stays flat however large the run; the truth is written once the stream has ended.
 */
export async function writeSimulation(source: SimOutput | SimStream, paths: WritePaths): Promise<WriteSummary> {
  let lines = 0;
  let bytes = 0;
  const records: Iterable<SimRecord> = 'records' in source ? source.records : source;
  const file = paths.jsonl === undefined ? undefined : await open(paths.jsonl, 'w');
  try {
    let buffer: string[] = [];
    let size = 0;
    const flush = async (): Promise<void> => {
      if (buffer.length === 0) return;
      const chunk = Buffer.from(buffer.join(''));
      bytes += chunk.length;
      if (file) await file.write(chunk);
      buffer = [];
      size = 0;
    };
    for (const rec of records) {
      const line = jsonLine(rec);
      if (line === null) continue;
      lines++;
      buffer.push(line, '\n');
      size += line.length + 1;
      if (size >= CHUNK) await flush();
    }
    await flush();
  } finally {
    await file?.close();
  }
  const truth = 'records' in source ? source.truth : source.truth();
  if (paths.truth !== undefined) {
    const handle = await open(paths.truth, 'w');
    try {
      await handle.write(truthJson(truth));
    } finally {
      await handle.close();
    }
  }
  return { lines, bytes, truth };
}
