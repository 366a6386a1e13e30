// The engine host: the main thread's side of the engine thread (engine-worker.ts). It
// starts the worker, copies command records into the command ring, hands result records
// (results.ts) from the result ring to a callback, and asks for snapshots and state
// hashes in stream order. The main thread never blocks: it waits with Atomics.waitAsync.
//
// Back-pressure: the engine thread sleeps when the result ring is full, so results must be
// drained while commands are submitted. `drain()` after each batch does it; so does every
// wait of this class (submit, snapshot, stateHash, stop) when a handler was set with
// `onResult()`. Without one, a caller that waits on the host while the result ring is full
// waits forever.
//
// Snapshots: the engine thread writes each image into a shared buffer it keeps
// (image-buffers.ts) and the reply lends it: `bytes` is good until `release()`, which hands
// the buffer back for a later image. A reply never released costs memory, not correctness.
//
// Failure: a record the engine thread cannot decode, an exception in it, or its exit
// before `stop()` is fatal. Pending promises reject with an EngineWorkerError, every later
// call throws it, and the host emits 'error': to its listeners, or, when it has none and
// no promise carried the error, as an uncaught exception (Node's rule for 'error').

import { EventEmitter } from 'node:events';
import { Worker } from 'node:worker_threads';
import { assert, type EngineOptions } from '../core/index.js';
import { MAX_COMMAND_BYTES } from '../protocol/index.js';
import { RING_EMPTY, RING_FULL, RingReader, RingWriter, createRing } from './ring.js';
import { MIN_IMAGE_BUFFER_BYTES, finishPreparing, imageReleaser, roomFor } from './image-buffers.js';
import { hashSnapshotOffThread } from './snapshot-hash.js';
import {
  CONTROL_RECORD_BYTES,
  ControlKind,
  RESULT_HEADER_BYTES,
  RESULT_PART,
  resultBytes,
  resultCode,
  resultSeq,
  resultWordCount,
  writeControl,
  type EngineWorkerData,
  type WorkerMessage,
} from './results.js';

/** About 11,000 order records. */
export const DEFAULT_COMMAND_RING_BYTES = 1 << 20;
/** Results take more room than their commands (events); four times the command ring. */
export const DEFAULT_RESULT_RING_BYTES = 1 << 22;

export interface EngineHostOptions {
  /** Start from this `Engine.snapshot()` instead of an empty engine. */
  snapshot?: Uint8Array;
  /** Options of a new engine (not used with `snapshot`). */
  engine?: EngineOptions;
  /** A power of two. */
  commandRingBytes?: number;
  /** A power of two. */
  resultRingBytes?: number;
  /**
   * Room for snapshot images made and touched at start (default: 1.5 times `snapshot`,
   * at least MIN_IMAGE_BUFFER_BYTES; 0: none, for a host that takes no snapshots).
   * Touching costs start-up time, 12-15 us a 4 KiB page on our VM; snapshots that fit
   * do not pay it as a stall of the engine.
   */
  imageBufferBytes?: number;
}

export interface SnapshotReply {
  /** The seq of the last command in the snapshot. */
  seq: number;
  stateHash: string;
  /**
   * The image, lent: a view of the engine thread's shared image buffer, good until
   * `release()`, after which a later snapshot overwrites it. Copy what must outlive that.
   */
  bytes: Uint8Array<SharedArrayBuffer>;
  /** How long taking it held up the engine thread: the image alone. */
  stallNs: number;
  /** How long restoring and hashing the image took on a thread of its own. */
  hashMs: number;
  /** Which of the engine thread's image buffers holds it (1, 2, ...): the same id again is a buffer reused. */
  bufferId: number;
  /** The buffer was made for this image, so the image touched its pages first, in the stall. */
  bufferFresh: boolean;
  /** Hands the image buffer back to the engine thread; once is enough (later calls do nothing). */
  release(): void;
}

export interface StateHashReply {
  seq: number;
  stateHash: string;
}

/**
 * Receives one command's result: its seq, Reject code (0: accepted) and event words
 * `words[wordOffset, wordOffset + wordCount)`. The words are lent for the call only: they
 * are the ring's, and are overwritten once the call returns.
 */
export type ResultHandler = (seq: number, code: number, words: Float64Array, wordOffset: number, wordCount: number) => void;

export class EngineWorkerError extends Error {
  override name = 'EngineWorkerError';
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: Error): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

export class EngineHost extends EventEmitter {
  private readonly worker: Worker;
  private readonly commands: RingWriter;
  private readonly results: RingReader;
  private handler: ResultHandler | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextRequestId = 1;
  private readonly ready = deferred<void>();
  private readonly exit = deferred<number>();
  private started = false;
  private stopping = false;
  private terminating = false;
  private exited = false;
  private failure: Error | undefined;
  /** Calls of this host awaiting something: an error reaches them. */
  private waiters = 0;
  /** Results handed out by `drain` so far: lets a wait notice that another caller took them. */
  private drainedResults = 0;
  /** The last record buffer copied from, and a view of it: trySubmit allocates nothing for a buffer it has seen. */
  private source: Uint8Array = new Uint8Array(0);
  private sourceView = new DataView(this.source.buffer);
  /** Image buffers being touched by threads of their own: settle whatever becomes of those. */
  private readonly preparing = new Set<Promise<void>>();
  /** A split result being joined (see RESULT_PART). */
  private partWords = new Float64Array(64);
  private partCount = 0;
  private partSeq = 0;

  private constructor(worker: Worker, commandRing: SharedArrayBuffer, resultRing: SharedArrayBuffer) {
    super();
    this.worker = worker;
    this.commands = new RingWriter(commandRing);
    this.results = new RingReader(resultRing);
    worker.on('message', (message: WorkerMessage) => this.onMessage(message));
    worker.on('error', (error: Error) => this.fail(error));
    worker.on('messageerror', (error: Error) => this.fail(error));
    worker.on('exit', (code: number) => this.onExit(code));
  }

  /** Starts the engine thread, from a snapshot when given, and resolves once it is ready. */
  static async start(options: EngineHostOptions = {}): Promise<EngineHost> {
    const commandRing = createRing(options.commandRingBytes ?? DEFAULT_COMMAND_RING_BYTES);
    const resultRing = createRing(options.resultRingBytes ?? DEFAULT_RESULT_RING_BYTES);
    const imageBufferBytes = options.imageBufferBytes ?? Math.max(MIN_IMAGE_BUFFER_BYTES, roomFor(options.snapshot?.length ?? 0));
    assert(Number.isSafeInteger(imageBufferBytes) && imageBufferBytes >= 0, 'image buffer bytes must be a count');
    const workerData: EngineWorkerData = { commandRing, resultRing, snapshot: options.snapshot, engine: options.engine, imageBufferBytes };
    // The compiled worker sits next to this module (dist/src/runtime/).
    const worker = new Worker(new URL('./engine-worker.js', import.meta.url), { workerData });
    const host = new EngineHost(worker, commandRing, resultRing);
    assert(host.commands.maxPayloadBytes >= MAX_COMMAND_BYTES, 'command ring too small for a command record');
    try {
      await host.ready.promise;
    } catch (error) {
      await worker.terminate();
      throw error;
    }
    host.started = true;
    return host;
  }

  // ------------------------------------------------------------ commands

  /**
   * Copies the command record `record[offset, offset + length)` into the command ring;
   * false when the ring is full. It reaches the engine thread at `flush()` (or once a
   * batch grows past the ring's publication threshold).
   */
  trySubmit(record: Uint8Array, offset: number, length: number): boolean {
    if (this.failure !== undefined || this.stopping || this.exited) this.throwClosed();
    assert(offset >= 0 && length >= 0 && offset + length <= record.length, 'command record outside its buffer');
    const commands = this.commands;
    const at = commands.tryReserve(length);
    if (at === RING_FULL) return false;
    this.copyRecord(record, offset, at, length);
    commands.commit();
    return true;
  }

  /** As `trySubmit`, waiting for room when the ring is full (and publishing what waits). */
  async submit(record: Uint8Array, offset: number, length: number): Promise<void> {
    this.waiters++;
    try {
      while (!this.trySubmit(record, offset, length)) await this.waitToWrite(length);
    } finally {
      this.waiters--;
    }
  }

  /** Publishes the records submitted so far to the engine thread. */
  flush(): void {
    this.commands.publish();
  }

  /**
   * Waits until a command record of `payloadBytes` fits in the command ring, or
   * `timeoutMs`; resolves whether it fits. Publishes first.
   */
  async waitForRoom(payloadBytes = MAX_COMMAND_BYTES, timeoutMs = Infinity): Promise<boolean> {
    this.waiters++;
    try {
      const deadline = performance.now() + timeoutMs;
      for (;;) {
        this.throwIfGone();
        if (await this.commands.waitForRoomAsync(payloadBytes, deadline - performance.now())) return true;
        if (performance.now() >= deadline) return false;
      }
    } finally {
      this.waiters--;
    }
  }

  // ------------------------------------------------------------ results

  /** The handler that `drain()` uses by default and that waits of this host drain to. */
  onResult(handler: ResultHandler | undefined): void {
    this.handler = handler;
  }

  /**
   * Hands up to `maxResults` waiting results to `handler` (default: the `onResult` one),
   * in seq order, and returns how many it handed. Allocates nothing, except to join a
   * split result bigger than any before it.
   */
  drain(handler: ResultHandler | undefined = this.handler, maxResults = Infinity): number {
    assert(handler !== undefined, 'drain needs a handler, given or set with onResult');
    const results = this.results;
    const view = results.view;
    let count = 0;
    while (count < maxResults) {
      const at = results.poll();
      if (at === RING_EMPTY) break;
      const seq = resultSeq(view, at);
      const code = resultCode(view, at);
      const wordCount = resultWordCount(view, at);
      assert(resultBytes(wordCount) === results.length, 'result record length agrees with its word count');
      const wordOffset = (at + RESULT_HEADER_BYTES) >> 3;
      if (code !== RESULT_PART && this.partCount === 0) {
        handler(seq, code, results.words, wordOffset, wordCount);
        results.release();
      } else {
        this.joinPart(seq, results.words, wordOffset, wordCount);
        results.release();
        if (code === RESULT_PART) continue;
        const joinedCount = this.partCount;
        this.partCount = 0;
        handler(seq, code, this.partWords, 0, joinedCount);
      }
      count++;
    }
    results.publish();
    if (count > 0) {
      this.drainedResults += count;
      // Another wait in this thread (a control request's, or the caller's own) may be asleep
      // for results this drain just took: wake it to look at its state again.
      if (this.waiters > 0) this.results.wake();
    }
    return count;
  }

  /**
   * Waits until results are ready to drain, or another caller in this thread drained some
   * since the call (true: look again), or `timeoutMs` passes or the engine thread has ended
   * (false). Throws the engine thread's failure. Without the second case, a wait could
   * sleep for results that a control request's drain had already handed over.
   */
  async waitForResults(timeoutMs = Infinity): Promise<boolean> {
    this.waiters++;
    const drainedBefore = this.drainedResults;
    try {
      const deadline = performance.now() + timeoutMs;
      for (;;) {
        if (this.failure !== undefined) throw this.failure;
        if (this.results.hasData() || this.drainedResults !== drainedBefore) return true;
        const leftMs = deadline - performance.now();
        if (this.exited || leftMs <= 0) return false;
        await this.results.waitAsync(leftMs);
      }
    } finally {
      this.waiters--;
    }
  }

  // ------------------------------------------------------------ control

  /** A snapshot of the engine after every command submitted before this call. */
  snapshot(): Promise<SnapshotReply> {
    return this.request<SnapshotReply>(ControlKind.Snapshot);
  }

  /**
   * Resolves once no image buffer is being touched ahead of need: a benchmark or test that
   * wants the next snapshot to find the spare ready (or no thread touching pages beside
   * it) waits for this.
   */
  async imageBuffersPrepared(): Promise<void> {
    while (this.preparing.size > 0) await Promise.all(this.preparing);
  }

  /** The engine's state hash after every command submitted before this call. */
  stateHash(): Promise<StateHashReply> {
    return this.request<StateHashReply>(ControlKind.StateHash);
  }

  /**
   * Ends the engine thread once it has applied every command submitted before; their
   * results stay drainable. After a failure (reported when it happened) it only waits for
   * the thread to be gone; it rejects if the thread fails on the way.
   */
  async stop(): Promise<void> {
    if (this.exited) return;
    if (this.failure !== undefined) {
      await this.exit.promise;
      return;
    }
    this.waiters++;
    try {
      if (!this.stopping) {
        await this.writeControl(ControlKind.Stop, 0);
        this.stopping = true;
        this.flush();
      }
      await this.whileDraining(this.exit.promise);
      if (this.failure !== undefined) throw this.failure;
    } finally {
      this.waiters--;
    }
  }

  /** Ends the engine thread now, whatever it was doing (for cleanup after a failure). */
  async terminate(): Promise<void> {
    if (this.exited) return;
    this.terminating = true;
    await this.worker.terminate();
  }

  // ------------------------------------------------------------ internals

  private async request<T>(kind: ControlKind): Promise<T> {
    this.waiters++;
    try {
      const requestId = this.nextRequestId++;
      await this.writeControl(kind, requestId);
      // Registered after the write, with no await between: the reply comes in a later task.
      const reply = new Promise<T>((resolve, reject) => this.pending.set(requestId, { resolve: resolve as (value: unknown) => void, reject }));
      this.flush();
      return await this.whileDraining(reply);
    } finally {
      this.waiters--;
    }
  }

  private async writeControl(kind: ControlKind, requestId: number): Promise<void> {
    for (;;) {
      this.throwIfGone();
      if (this.stopping) this.throwClosed();
      const at = this.commands.tryReserve(CONTROL_RECORD_BYTES);
      if (at !== RING_FULL) {
        writeControl(this.commands.view, at, kind, requestId);
        this.commands.commit();
        return;
      }
      await this.waitToWrite(CONTROL_RECORD_BYTES);
    }
  }

  /**
   * One wait for the command ring to take a record of `payloadBytes`. With a handler,
   * results are drained and waited for: the engine thread frees command room only as it
   * makes results, and may be asleep on a full result ring.
   */
  private async waitToWrite(payloadBytes: number): Promise<void> {
    this.flush();
    const handler = this.handler;
    if (handler === undefined) {
      await this.commands.waitForRoomAsync(payloadBytes);
    } else {
      this.drain(handler);
      if (!this.commands.hasRoom(payloadBytes)) await this.results.waitAsync();
    }
    this.throwIfGone();
  }

  /** Awaits `promise`, draining results meanwhile when a handler is set. */
  private async whileDraining<T>(promise: Promise<T>): Promise<T> {
    const handler = this.handler;
    if (handler === undefined) return promise;
    let settled = false;
    const watched = promise.finally(() => {
      settled = true;
      this.results.wake();
    });
    // Handled below; this only keeps a rejection from being reported as unhandled early.
    watched.catch(() => undefined);
    while (!settled) {
      this.drain(handler);
      // Woken by results, by the settling above, or by a message or exit (onMessage, onExit).
      await this.results.waitAsync();
    }
    return watched;
  }

  private copyRecord(record: Uint8Array, offset: number, at: number, length: number): void {
    if (record !== this.source) {
      this.source = record;
      this.sourceView = new DataView(record.buffer, record.byteOffset, record.byteLength);
    }
    const from = this.sourceView;
    const to = this.commands.view;
    let i = 0;
    for (; i + 4 <= length; i += 4) to.setUint32(at + i, from.getUint32(offset + i, true), true);
    const bytes = this.commands.bytes;
    for (; i < length; i++) bytes[at + i] = record[offset + i]!;
  }

  private joinPart(seq: number, words: Float64Array, wordOffset: number, wordCount: number): void {
    if (this.partCount === 0) this.partSeq = seq;
    assert(seq === this.partSeq, 'the parts of a split result share a seq');
    const needed = this.partCount + wordCount;
    if (needed > this.partWords.length) {
      let size = this.partWords.length * 2;
      while (size < needed) size *= 2;
      const bigger = new Float64Array(size);
      bigger.set(this.partWords.subarray(0, this.partCount));
      this.partWords = bigger;
    }
    const out = this.partWords;
    let w = this.partCount;
    for (let i = wordOffset; i < wordOffset + wordCount; i++) out[w++] = words[i]!;
    this.partCount = needed;
  }

  private onMessage(message: WorkerMessage): void {
    switch (message.type) {
      case 'ready':
        this.ready.resolve();
        break;
      case 'snapshot': {
        const { requestId, seq, stallNs, bufferId, bufferFresh } = message;
        const bytes = new Uint8Array(message.buffer, message.offset, message.length);
        const release = imageReleaser(message.buffer);
        hashSnapshotOffThread(bytes).then(
          ({ stateHash, hashMs }) => {
            // A failure since the image was taken rejected the request: no one else will release it.
            if (!this.pending.has(requestId)) {
              release();
              return;
            }
            this.settle(requestId, { seq, stateHash, bytes, stallNs, hashMs, bufferId, bufferFresh, release } satisfies SnapshotReply);
            this.wakeSleepers();
          },
          (error: Error) => {
            release();
            this.fail(new EngineWorkerError(`hashing a snapshot failed, ${error.message}`, { cause: error }));
          },
        );
        break;
      }
      case 'prefault':
        this.prefault(message.buffer);
        break;
      case 'stateHash':
        this.settle(message.requestId, { seq: message.seq, stateHash: message.stateHash } satisfies StateHashReply);
        break;
      case 'fatal': {
        const cause = new Error(message.message);
        cause.name = message.name;
        cause.stack = message.stack;
        this.fail(new EngineWorkerError(`engine thread failed, ${message.message}`, { cause }));
        break;
      }
    }
    this.wakeSleepers();
  }

  /** Has the pages of a new image buffer touched on a thread of their own (image-prefault-worker.ts). */
  private prefault(buffer: SharedArrayBuffer): void {
    const done = new Promise<void>((resolve) => {
      const worker = new Worker(new URL('./image-prefault-worker.js', import.meta.url), { workerData: { buffer } });
      // Nothing waits for it to end: a process may exit under it.
      worker.unref();
      worker.once('error', (error: Error) => this.fail(new EngineWorkerError(`touching an image buffer failed, ${error.message}`, { cause: error })));
      worker.once('exit', () => {
        // Usable whatever became of the thread: pages it did not touch cost only their first touch.
        finishPreparing(buffer);
        resolve();
      });
    });
    this.preparing.add(done);
    void done.then(() => this.preparing.delete(done));
  }

  private settle(requestId: number, value: unknown): void {
    const pending = this.pending.get(requestId);
    assert(pending !== undefined, 'a reply answers a pending request');
    this.pending.delete(requestId);
    pending.resolve(value);
  }

  private onExit(code: number): void {
    this.exited = true;
    if (!(this.stopping && code === 0) && !this.terminating) this.fail(new EngineWorkerError(`engine thread exited with code ${code}`));
    // Requests the thread never reached (after a stop record, or at a terminate) get no reply.
    this.rejectPending(new EngineWorkerError('engine thread has exited'));
    this.exit.resolve(code);
    this.wakeSleepers();
  }

  private fail(error: Error): void {
    if (this.failure !== undefined) return;
    this.failure = error;
    const carried = this.pending.size > 0 || this.waiters > 0 || !this.started;
    this.ready.reject(error);
    this.rejectPending(error);
    this.wakeSleepers();
    if (this.started && (this.listenerCount('error') > 0 || !carried)) this.emit('error', error);
  }

  private rejectPending(error: Error): void {
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
  }

  /** Wakes this thread's own waits on the rings, so that they look at what changed. */
  private wakeSleepers(): void {
    this.results.wake();
    this.commands.wake();
  }

  private throwIfGone(): void {
    if (this.failure !== undefined) throw this.failure;
    if (this.exited) throw new EngineWorkerError('engine thread has exited');
  }

  private throwClosed(): never {
    this.throwIfGone();
    throw new EngineWorkerError('engine host is stopping');
  }
}
