// The door of src/runtime: the sequencer, the engine's thread and the path of commands
// through the journal to it.
export { EngineHost, EngineWorkerError, type EngineHostOptions, type ResultHandler, type SnapshotReply, type StateHashReply } from './engine-host.js';
export { runWorkload, type RunOptions, type RunResult } from './runner.js';
export { Sequencer, SimulatedClock, wallClock, type Clock } from './sequencer.js';
export { LiveRuntime, type LiveOptions, type LiveResult } from './live.js';
export { IndexFeed, compositeIndex, parseDecimal, toPriceUnits, type IndexFeedOptions, type IndexFeedPerp, type IndexSource, type IndexPerpStatus, type IndexSourceStatus } from './index-feed.js';
