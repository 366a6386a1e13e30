// What the journal throws. Damage and a failed disk are not bugs (those are assertions):
// they are facts about the files or the machine that an operator must see, named precisely.

/**
 * The journal on disk is damaged somewhere other than a torn tail: a record or header fails
 * its checksum with valid data after it, a seq does not follow its predecessor, or a segment
 * is missing. Nothing after `offset` of `file` can be trusted.
 */
export class JournalDamageError extends Error {
  override name = 'JournalDamageError';
  /** The damaged segment file (its path). */
  readonly file: string;
  /** The byte offset in `file` where the damage starts. */
  readonly offset: number;
  /** The seq the journal expected to find there. */
  readonly expectedSeq: number;
  /** What is wrong, in words. */
  readonly reason: string;

  constructor(file: string, offset: number, expectedSeq: number, reason: string) {
    super(`journal damaged: ${file} at byte ${offset}, expected seq ${expectedSeq}: ${reason}`);
    this.file = file;
    this.offset = offset;
    this.expectedSeq = expectedSeq;
    this.reason = reason;
  }
}

/**
 * A write or fsync of the journal failed. The commit that met it rejects with this error;
 * the journal is failed from then on (see JournalFailedError).
 */
export class JournalWriteError extends Error {
  override name = 'JournalWriteError';

  constructor(cause: unknown) {
    super(`journal write failed (${describe(cause)}): the journal accepts nothing more; restart to recover from what is on disk`, { cause });
  }
}

/**
 * An append or commit on a journal whose earlier write or fsync failed. Nothing is retried:
 * after a failed fsync the kernel may have dropped the dirty pages and marked them clean, so
 * a second fsync that succeeds proves nothing (PostgreSQL's "fsyncgate", 2018). The exchange
 * must stop acknowledging and restart from what is on disk.
 */
export class JournalFailedError extends Error {
  override name = 'JournalFailedError';

  constructor(cause: unknown) {
    super(`journal failed earlier (${describe(cause)}): nothing more can be made durable; restart to recover from what is on disk`, { cause });
  }
}

function describe(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
