/**
 * Where a partition's group commit stands for a member, and the run of offsets right after the
 * last delivered record that delivers nothing to a reader of committed records: transaction
 * markers, records of aborted transactions. Kafka's own consumers commit their fetch position,
 * which is past such a run; a commit of "last record + 1" stops right before it, so on a topic
 * written in transactions the end offset stays a marker ahead of every commit and the lag never
 * reaches 0 (whatever waits for it waits for ever). A commit at the run's start is made at its
 * end instead: nothing before the run is uncommitted then, and nothing in it is a record.
 */
export class MarkerSkip {
  /** The group's committed offset as this member last committed it (or found it when assigned); null when unknown. */
  committed: bigint | null;
  private run: { from: bigint; to: bigint } | null = null;
  /** Commits that went through so far: the member's own commit of a run counts only if none came between. */
  private commits = 0;

  constructor(committed: bigint | null) {
    this.committed = committed;
  }

  /** A fetch found that [from, to) delivers nothing (from === to: nothing of the kind). */
  nothingIn(from: bigint, to: bigint): void {
    if (to <= from) {
      if (this.run !== null && from > this.run.to) this.run = null;
      return;
    }
    this.run = this.run !== null && this.run.to === from ? { from: this.run.from, to } : { from, to };
  }

  /** The offset a commit at `offset` commits: the run's end when it starts there. */
  extend(offset: bigint): bigint {
    return this.run !== null && this.run.from === offset ? this.run.to : offset;
  }

  /**
   * The offset to commit without a batch, when the group's commit is exactly at the run's
   * start (the caller makes sure no batch of the partition is in flight); the run is taken.
   */
  take(): { to: bigint; seq: number } | null {
    const run = this.run;
    if (run === null || this.committed !== run.from) return null;
    this.run = null;
    return { to: run.to, seq: this.commits };
  }

  /** A commit of `offset` by a batch went through: the group holds it now, lower or higher. */
  done(offset: bigint): void {
    this.commits++;
    this.committed = offset;
    if (this.run !== null && this.run.to <= offset) this.run = null;
  }

  /** The member's own commit of a taken run went through; an answer arriving after another commit changes nothing. */
  doneTaken(taken: { to: bigint; seq: number }): void {
    if (this.commits === taken.seq) this.done(taken.to);
  }
}
