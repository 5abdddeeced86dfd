import { accessSync, constants, mkdtempSync, readdirSync, rmSync, statfsSync, statSync } from 'node:fs';
import { open, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PipelineError } from '../../processors/errors/index.js';
import { processAlive } from '../../processors/util/process-alive.js';

const PREFIX = 'slo-pipeline-spool-';
/** Buffers per writev call (below every platform's IOV_MAX). */
const IOV_BATCH = 512;

/** '/dev/shm' when it is a writable folder (memory-backed on Linux), else the OS temporary folder. */
export function defaultSpoolRoot(): string {
  try {
    if (statSync('/dev/shm').isDirectory()) {
      accessSync('/dev/shm', constants.W_OK);
      return '/dev/shm';
    }
  } catch {
    // not available here
  }
  return tmpdir();
}


/**
 * Short-lived files carrying insert payloads to the embedded engine's `file()` table function.
 * Each process writes into its own folder `slo-pipeline-spool-<pid>-XXXXXX` under the root;
 * a file lives only while its insert runs. Folders of processes that are gone (a crash) are
 * removed when the next spool opens under the same root.
 *
 * A memory-backed root can be small (a container's /dev/shm is 64 MB by default): a payload
 * that does not fit there with room to spare, or whose write runs out of space, goes to a
 * folder under the OS temporary folder instead.
 */
export class Spool {
  private seq = 0;
  private closed = false;
  private overflowDir: string | null = null;

  private constructor(
    readonly dir: string,
    private readonly root: string,
    private readonly fits: (dir: string, bytes: number) => boolean,
  ) {}

  /** @param fits whether a payload of `bytes` fits in `dir` (a parameter for tests) */
  static create(root: string = defaultSpoolRoot(), fits: (dir: string, bytes: number) => boolean = fitsIn): Spool {
    try {
      return new Spool(openSpoolDir(root), root, fits);
    } catch (e) {
      throw new PipelineError('INVALID_CONFIG', `cannot use ${root} for insert spool files: ${(e as Error).message}`, {
        field: 'spoolDir',
        value: root,
      });
    }
  }

  /** Writes `chunks` to a new file, runs `use(path)`, then removes the file whatever happened. */
  async with<T>(chunks: readonly Buffer[], use: (path: string) => Promise<T>): Promise<T> {
    if (this.closed) throw new PipelineError('WAREHOUSE_UNAVAILABLE', 'warehouse is closed');
    const name = `${++this.seq}.bin`;
    let bytes = 0;
    for (const c of chunks) bytes += c.length;
    let path = join(this.fits(this.dir, bytes) ? this.dir : this.overflow(), name);
    try {
      try {
        await writeAll(path, chunks);
      } catch (e) {
        if (!isOutOfSpace(e) || path.startsWith(this.overflow())) throw e;
        await unlink(path).catch(() => undefined);
        path = join(this.overflow(), name);
        await writeAll(path, chunks);
      }
    } catch (e) {
      await unlink(path).catch(() => undefined);
      // A full or missing folder: the insert can be retried once it is fixed.
      throw new PipelineError('WAREHOUSE_UNAVAILABLE', `cannot write insert spool file ${path}: ${(e as Error).message}`, {}, { cause: e });
    }
    try {
      return await use(path);
    } finally {
      await unlink(path).catch(() => undefined);
    }
  }

  close(): void {
    this.closed = true;
    rmSync(this.dir, { recursive: true, force: true });
    if (this.overflowDir) rmSync(this.overflowDir, { recursive: true, force: true });
  }

  /** The folder for payloads the root has no room for (the root's own when it is the OS temporary folder). */
  private overflow(): string {
    if (this.root === tmpdir()) return this.dir;
    this.overflowDir ??= openSpoolDir(tmpdir());
    return this.overflowDir;
  }
}

/** A new folder of this process under `root`, after removing those of processes that are gone. */
function openSpoolDir(root: string): string {
  for (const name of readdirSync(root)) {
    const m = /^slo-pipeline-spool-(\d+)-/.exec(name);
    if (m && Number(m[1]) !== process.pid && !processAlive(Number(m[1]))) rmSync(join(root, name), { recursive: true, force: true });
  }
  return mkdtempSync(join(root, `${PREFIX}${process.pid}-`));
}

/** Room for `bytes` with margin (other inserts write beside it), or no way to tell. */
export function fitsIn(dir: string, bytes: number): boolean {
  try {
    const s = statfsSync(dir);
    return s.bavail * s.bsize >= 2 * bytes + 16 * 2 ** 20;
  } catch {
    return true;
  }
}

function isOutOfSpace(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}

async function writeAll(path: string, chunks: readonly Buffer[]): Promise<void> {
  const fh = await open(path, 'wx');
  try {
    let pending = chunks.filter((c) => c.length > 0);
    while (pending.length > 0) {
      const batch = pending.slice(0, IOV_BATCH);
      let written = (await fh.writev(batch)).bytesWritten;
      // A short write: drop what went out and continue with the rest of the batch.
      const rest: Buffer[] = [];
      for (const c of batch) {
        if (written >= c.length) written -= c.length;
        else {
          rest.push(c.subarray(written));
          written = 0;
        }
      }
      pending = [...rest, ...pending.slice(batch.length)];
    }
  } finally {
    await fh.close();
  }
}
