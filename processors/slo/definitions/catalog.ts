import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { PipelineError } from '../../errors/pipeline-error.js';
import { createLogger, type Logger } from '../../observability/logger.js';
import { projectPath } from '../../util/project-path.js';
import { invalidSetError, listYaml, loadSloDir } from './load-dir.js';
import type { GroupSource } from './build.js';
import type { GroupValues } from './group.js';
import type { GroupValueSource } from './group-values.js';
import type { SloProblem } from './load.js';
import type { SloDefinition } from './model.js';
import type { CompositeSlo } from './composite.js';

/**
 * The one place SLO definitions come from: the evaluator, the query API, the board feed and
 * the `slo` commands all read a catalog. It owns the default folder, loads a set whole or
 * not at all, and reloads when the folder's files change; a changed set that does not
 * validate is refused and the previous valid set stays in force.
 */
export interface SloCatalogOptions {
  /**
   * Folder of OpenSLO YAML definitions (a relative path is taken from the working directory
   * once, when the catalog is made). @default `SLO_DIR`, else the project's `slos/` (found
   * from the installed code, not the working directory)
   */
  dir?: string;
  /** Where `SLO_DIR` and the log level are read. @default process.env */
  env?: NodeJS.ProcessEnv;
  /**
   * `current()` looks at the files (path, mtime, size) at most this often; 0 looks on every
   * call, `Infinity` only on `reload()`. @default 5000
   */
  checkEveryMs?: number;
  /** Refused reloads are logged here (`warn`, naming file, document and field). @default a `slo-catalog` logger on stderr */
  logger?: Logger;
  /**
   * Where grouped documents (`ops.group.by`) find their values in the data, e.g.
   * `warehouseGroupValues(wh)`; asked in the background while the set has grouped documents.
   * @default none: grouped documents yield the values they list
   */
  groupValues?: GroupValueSource;
  /**
   * `current()` asks `groupValues` at most this often (a lookup scans the SLI aggregates of
   * the SLO window; a new value shows up within this time). @default 60000
   */
  groupLookupEveryMs?: number;
}

/** What a reload did. `refused`: the folder's set is invalid or unreadable; the previous set stays. */
export type ReloadOutcome =
  | { status: 'unchanged' | 'changed'; version: string }
  | { status: 'refused'; error: PipelineError; problems: readonly SloProblem[] };

export type SloCatalogListener = (slos: readonly SloDefinition[], version: string) => void;

/** The default definitions folder: `SLO_DIR`, else the project's `slos/` (independent of the working directory). */
export function defaultSloDir(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env['SLO_DIR'];
  return fromEnv ? resolve(fromEnv) : projectPath('slos');
}

/** A stable hash of a definition set: equal sets (whatever the file times) have equal versions. */
export function sloSetVersion(slos: readonly SloDefinition[], composites: readonly CompositeSlo[] = []): string {
  return createHash('sha256').update(JSON.stringify(composites.length > 0 ? [slos, composites] : slos)).digest('hex').slice(0, 16);
}

const DEFAULT_CHECK_MS = 5_000;
const DEFAULT_GROUP_LOOKUP_MS = 60_000;

export class SloCatalog {
  /** The folder, absolute. */
  readonly dir: string;
  private readonly checkEveryMs: number;
  private readonly env: NodeJS.ProcessEnv;
  private log: Logger | undefined;
  private set: { slos: readonly SloDefinition[]; composites: readonly CompositeSlo[]; version: string } | undefined;
  private error: PipelineError | null = null;
  private fingerprint: string | undefined;
  private checkedAt = -Infinity;
  private readonly listeners = new Set<SloCatalogListener>();
  private groupSource: GroupValueSource | undefined;
  private readonly groupLookupEveryMs: number;
  private groups: readonly GroupSource[] = [];
  private seen: GroupValues = new Map();
  private lookedAt = -Infinity;
  private lookup: Promise<ReloadOutcome | null> | null = null;

  constructor(options: SloCatalogOptions = {}) {
    this.env = options.env ?? process.env;
    this.dir = options.dir !== undefined ? resolve(options.dir) : defaultSloDir(this.env);
    this.checkEveryMs = options.checkEveryMs ?? DEFAULT_CHECK_MS;
    this.log = options.logger;
    this.groupSource = options.groupValues;
    this.groupLookupEveryMs = options.groupLookupEveryMs ?? DEFAULT_GROUP_LOOKUP_MS;
  }

  /** Sets where grouped documents find their values (for a catalog made before the warehouse is open). */
  useGroupValues(source: GroupValueSource): void {
    this.groupSource = source;
    this.lookedAt = -Infinity;
  }

  /**
   * Asks the group value source now and reloads when the values changed (new SLOs appear,
   * listeners are told as for an edit). Null when there is nothing to ask; a failed lookup
   * is logged and keeps the values known so far.
   */
  refreshGroups(): Promise<ReloadOutcome | null> {
    if (this.lookup) return this.lookup;
    const source = this.groupSource;
    if (!source || this.groups.length === 0) return Promise.resolve(null);
    this.lookedAt = Date.now();
    const groups = this.groups;
    this.lookup = source(groups)
      .then((values) => {
        if (JSON.stringify([...values]) === JSON.stringify([...this.seen])) return null;
        this.seen = values;
        return this.load();
      })
      .catch((err: unknown) => {
        this.logger().warn({ err, dir: this.dir }, 'SLO group values lookup failed; the SLOs known so far stay');
        return null;
      })
      .finally(() => {
        this.lookup = null;
      });
    return this.lookup;
  }

  /** A catalog whose first set is loaded now: an invalid or unreadable folder is an INVALID_SLO error. */
  static open(options: SloCatalogOptions = {}): SloCatalog {
    const catalog = new SloCatalog(options);
    catalog.current();
    return catalog;
  }

  /**
   * The definitions in force. Looks for changed files when the last look is older than
   * `checkEveryMs`. Throws (INVALID_SLO) only when no valid set was ever loaded.
   */
  current(): readonly SloDefinition[] {
    if (Date.now() - this.checkedAt >= this.checkEveryMs) this.check();
    if (this.set) return this.set.slos;
    throw this.error ?? new PipelineError('INVALID_SLO', `${this.dir}: no SLO definitions loaded`, { file: this.dir });
  }

  /** The composite SLOs in force (definitions/composite.ts), with the same reload rules as `current()`. */
  composites(): readonly CompositeSlo[] {
    this.current();
    return this.set?.composites ?? [];
  }

  /** Hash of the set in force (`sloSetVersion`), or null before the first valid load. */
  get version(): string | null {
    return this.set?.version ?? null;
  }

  /** Why the folder's current content is not in force (for health), or null when it is. */
  get lastError(): PipelineError | null {
    return this.error;
  }

  /** Reads the folder now, whatever the file times say. */
  reload(): ReloadOutcome {
    this.checkedAt = Date.now();
    this.fingerprint = this.fingerprintNow();
    return this.load();
  }

  /** Calls `listener` after each change of the set in force; returns the unsubscribe function. */
  onChange(listener: SloCatalogListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private check(): void {
    this.checkedAt = Date.now();
    if (this.groupSource && this.groups.length > 0 && !this.lookup && Date.now() - this.lookedAt >= this.groupLookupEveryMs) void this.refreshGroups();
    const fp = this.fingerprintNow();
    if (fp === this.fingerprint && (this.set || this.error)) return;
    this.fingerprint = fp;
    this.load();
  }

  private load(): ReloadOutcome {
    const r = loadSloDir(this.dir, this.seen);
    if (!r.ok) {
      const error = invalidSetError(this.dir, r.problems);
      this.error = error;
      if (this.set) this.logger().warn({ err: error, dir: this.dir, problems: r.problems.length, version: this.set.version }, 'SLO definitions refused; the previous set stays in force');
      return { status: 'refused', error, problems: r.problems };
    }
    this.error = null;
    this.groups = r.groups;
    const version = sloSetVersion(r.slos, r.composites);
    if (this.set?.version === version) return { status: 'unchanged', version };
    const first = this.set === undefined;
    this.set = { slos: r.slos, composites: r.composites, version };
    if (!first) {
      this.logger().info({ dir: this.dir, version, slos: r.slos.length }, 'SLO definitions reloaded');
      for (const l of [...this.listeners]) {
        try {
          l(r.slos, version);
        } catch (err) {
          this.logger().error({ err }, 'SLO catalog listener failed');
        }
      }
    }
    return { status: 'changed', version };
  }

  /** Paths, sizes and mtimes of the definition files: cheap to take, and any edit changes it. */
  private fingerprintNow(): string {
    try {
      return listYaml(this.dir)
        .map((f) => {
          const s = statSync(f);
          return `${f}\u0000${s.size}\u0000${s.mtimeMs}`;
        })
        .join('\n');
    } catch (e) {
      return `unreadable: ${(e as Error).message}`;
    }
  }

  private logger(): Logger {
    this.log ??= createLogger('slo-catalog', this.env);
    return this.log;
  }
}
