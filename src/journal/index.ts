// The door of src/journal: the durable command log, snapshots, and recovery from them.
export { crc32c } from './crc32c.js';
export { JournalDamageError, JournalFailedError, JournalWriteError } from './errors.js';
export { Journal, type Durability, type JournalIo, type JournalOpenReport, type JournalOptions } from './journal.js';
export { listSegments, readJournal, type OnRecord, type ReadRange, type ReadResult, type SegmentFile } from './reader.js';
export { journalDir, journalLastSeq, recover, RecoveryError, replayJournal, snapshotDir, type Recovered, type ReplayOptions } from './recovery.js';
export { decodeSnapshotFile, encodeSnapshotFile, latestSnapshot, listSnapshots, pruneSnapshots, writeSnapshot, type SnapshotFile } from './snapshots.js';
