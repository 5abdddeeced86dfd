import { createHash } from 'node:crypto';
import { familyOfTopic } from '../processors/contracts/topics.js';
import type { DeadLetterCode } from '../processors/errors/codes.js';
import { deadLetterRow, type DeadLetter, type PayloadReader, type PiiHasher } from '../processors/ingest/index.js';
import { retryBounded, type RetryPolicy } from '../processors/ingest/retry.js';
import type { Warehouse } from '../sinks/warehouse/index.js';

/** What is known of a line whose whole bytes were not kept (over the size limit). */
export interface LineDigest {
  sha256: string;
  size: number;
}

export interface FileDeadLetterOptions {
  /** Dead letters per insert. @default 1000 */
  maxRows?: number;
  /** Stored payload bytes (base64) per insert, so a chunk of large bad lines stays small. @default 4 MiB */
  maxPayloadBytes?: number;
  /** Retries of a failed insert (the ingest pipeline's policy). @default one attempt */
  retry?: RetryPolicy;
}

/**
 * Dead letters of lines that never reached the transport (not JSON, no input topic, not
 * UTF-8, over the size limit), written in bounded chunks as they come. A chunk never spans two
 * files and closes at the same lines whenever the same file is read, and its deduplication
 * token is a digest of its rows (which name the file and line and hash the payload): ingesting
 * the same file again repeats tokens the warehouse has seen, another file's chunk differs.
 */
export class FileDeadLetters {
  private readonly maxRows: number;
  private readonly maxPayloadBytes: number;
  private readonly retry: RetryPolicy | undefined;
  private rows: Array<Record<string, unknown>> = [];
  private payloadBytes = 0;
  /** Dead letters handed over so far (written or waiting in the current chunk). */
  count = 0;

  constructor(
    private readonly wh: Warehouse,
    private readonly hasher: PiiHasher,
    private readonly read: PayloadReader,
    options: FileDeadLetterOptions = {},
  ) {
    this.maxRows = options.maxRows ?? 1000;
    this.maxPayloadBytes = options.maxPayloadBytes ?? 4 * 1024 * 1024;
    this.retry = options.retry;
  }

  /**
   * Adds one dead letter; writes the chunk when it is full. `whole` describes the line when
   * `d.payload` is only its beginning, so the stored digest and size are the line's own.
   */
  async add(d: DeadLetter, whole?: LineDigest): Promise<void> {
    // deadLetterRow decides what of the payload may be stored (never a clear user_id).
    const row = deadLetterRow(d, this.hasher, this.read);
    if (whole) {
      row['payload_sha256'] = whole.sha256;
      row['payload_id'] = whole.sha256;
      row['payload_size'] = whole.size;
    }
    this.rows.push(row);
    this.count++;
    const stored = row['payload_base64'];
    this.payloadBytes += typeof stored === 'string' ? stored.length : 0;
    if (this.rows.length >= this.maxRows || this.payloadBytes >= this.maxPayloadBytes) await this.flush();
  }

  /** Writes what is waiting (at the end of each file). */
  async flush(): Promise<void> {
    if (this.rows.length === 0) return;
    const rows = this.rows;
    this.rows = [];
    this.payloadBytes = 0;
    const digest = createHash('sha256').update(JSON.stringify(rows)).digest('hex');
    const insert = (): Promise<void> => this.wh.insert('dead_letters', rows, { dedupToken: `file-dead-letters-${digest}` });
    await (this.retry ? retryBounded('insert dead letters', insert, this.retry, { isStopped: () => false }) : insert());
  }
}

/** A file line's dead letter: the source is the envelope's topic when known, else the file. */
export function lineDeadLetter(
  file: string,
  line: number,
  code: DeadLetterCode,
  reason: string,
  payload: Buffer,
  topic = '',
): DeadLetter {
  return {
    source_topic: topic || file,
    source_partition: -1,
    source_offset: String(line),
    reason_code: code,
    reason: `${file}:${line}: ${reason}`,
    field: null,
    key: null,
    payload,
  };
}

const TOPIC_AT_START = /^\s*\{\s*"topic"\s*:\s*"([A-Za-z0-9._-]{1,249})"/;

/**
 * The input topic a line names in its first bytes, when it starts like an envelope: lets a
 * line that cannot be parsed (over the limit, not UTF-8) be filed under its topic.
 */
export function topicNamedAt(start: Buffer): string {
  const m = TOPIC_AT_START.exec(start.toString('latin1', 0, Math.min(start.length, 512)));
  const topic = m?.[1];
  return topic !== undefined && familyOfTopic(topic) ? topic : '';
}
