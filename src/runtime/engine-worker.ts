// The engine thread (DESIGN.md section 2): a worker that owns the one Engine, reads command
// records from the command ring, applies each and writes its result record (results.ts)
// to the result ring. Per command: one decode into a reused Command, one apply, one copy
// of the event words; no postMessage, no JSON, no allocation. Control records in the
// command ring (snapshot, state hash, stop) are answered by postMessage at their place in
// the stream. A record that does not decode is fatal: the thread reports it and ends,
// since going on would leave the engine at a seq the journal does not agree with.
//
// Results are published when the command ring runs dry (before sleeping) or a batch grows
// past the ring's publication threshold, so a busy stream costs one atomic store a batch.
//
// A snapshot stalls the engine for its image alone, written into a shared buffer that is
// kept and reused (image-buffers.ts): the host hashes it on another thread, writes it out
// and hands the buffer back. Pages are mapped off the command path: the first buffer's
// before 'ready', a spare's (room for the next image while the last is held, or grown) by
// a thread the host starts.

import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { Command, Engine, assert, planSnapshot, snapshotInto, type EventBuffer } from '../core/index.js';
import { decodeCommand } from '../protocol/index.js';
import { IMAGE_OFFSET, ImageBufferPool } from './image-buffers.js';
import { RING_EMPTY, RING_FULL, RingReader, RingWriter } from './ring.js';
import {
  CONTROL_KIND_MIN,
  CONTROL_RECORD_BYTES,
  ControlKind,
  RESULT_HEADER_BYTES,
  RESULT_PART,
  controlLength,
  controlRequestId,
  maxResultPartWords,
  recordKind,
  resultBytes,
  writeResultHeader,
  type EngineWorkerData,
  type WorkerMessage,
} from './results.js';

class EngineLoop {
  private readonly cmd = new Command();
  private readonly maxPartWords: number;
  /** Set by a stop record: the loop ends after it. */
  private stopped = false;

  constructor(
    private readonly engine: Engine,
    private readonly commands: RingReader,
    private readonly results: RingWriter,
    private readonly port: MessagePort,
    private readonly images: ImageBufferPool,
  ) {
    this.maxPartWords = maxResultPartWords(results.maxPayloadBytes);
  }

  run(): void {
    const commands = this.commands;
    const view = commands.view;
    const cmd = this.cmd;
    const engine = this.engine;
    const events = engine.events;
    events.clear();
    while (!this.stopped) {
      const at = commands.poll();
      if (at === RING_EMPTY) {
        this.results.publish();
        commands.waitSync();
        continue;
      }
      const length = commands.length;
      if (recordKind(view, at) >= CONTROL_KIND_MIN) {
        this.control(at, length);
        commands.release();
        continue;
      }
      const decodedBytes = decodeCommand(view, at, cmd, at + length);
      if (decodedBytes !== length) throw new Error(`command record of ${decodedBytes} bytes in a ring record of ${length}`);
      const code = engine.apply(cmd);
      this.writeResult(cmd.seq, code, events);
      events.clear();
      commands.release();
    }
    this.publishAll();
  }

  /** Hands the host every result written and every command taken (also on the way out after a failure). */
  publishAll(): void {
    this.results.publish();
    this.commands.publish();
  }

  private writeResult(seq: number, code: number, events: EventBuffer): void {
    const wordCount = events.end;
    let from = 0;
    while (wordCount - from > this.maxPartWords) {
      this.writePart(seq, RESULT_PART, events.words, from, this.maxPartWords);
      from += this.maxPartWords;
    }
    this.writePart(seq, code, events.words, from, wordCount - from);
  }

  private writePart(seq: number, code: number, words: Float64Array, from: number, wordCount: number): void {
    const results = this.results;
    const payloadBytes = resultBytes(wordCount);
    let at = results.tryReserve(payloadBytes);
    if (at === RING_FULL) {
      // The host is behind on results: let it see the commands taken so far, then sleep.
      this.commands.publish();
      results.waitForRoomSync(payloadBytes);
      at = results.tryReserve(payloadBytes);
      assert(at !== RING_FULL, 'result ring has room after waiting for it');
    }
    writeResultHeader(results.view, at, seq, code, wordCount);
    const out = results.words;
    let w = (at + RESULT_HEADER_BYTES) >> 3;
    const end = from + wordCount;
    for (let i = from; i < end; i++) out[w++] = words[i]!;
    results.commit();
  }

  /** A control record: answered in stream order, after the results before it are published. */
  private control(at: number, length: number): void {
    const view = this.commands.view;
    const kind = recordKind(view, at);
    if (length !== CONTROL_RECORD_BYTES || controlLength(view, at) !== CONTROL_RECORD_BYTES) throw new Error(`control record ${kind} of ${length} bytes`);
    const requestId = controlRequestId(view, at);
    const engine = this.engine;
    this.results.publish();
    switch (kind) {
      case ControlKind.Snapshot: {
        const t0 = process.hrtime.bigint();
        // The image only: the host hashes it on another thread (snapshot-hash.ts).
        const plan = planSnapshot(engine);
        const target = this.images.take(plan.byteLength);
        const length = snapshotInto(plan, target.image);
        const stallNs = Number(process.hrtime.bigint() - t0);
        const bufferFresh = !target.touchedAhead && target.imagesTaken === 1;
        // Shared, not transferred: the buffer stays this thread's to reuse once released.
        this.post({ type: 'snapshot', requestId, seq: engine.lastSeq, buffer: target.buffer, offset: IMAGE_OFFSET, length, bufferId: target.id, bufferFresh, stallNs });
        const spare = this.images.prepareAhead(target, length);
        if (spare !== undefined) this.post({ type: 'prefault', buffer: spare.buffer });
        return;
      }
      case ControlKind.StateHash:
        this.post({ type: 'stateHash', requestId, seq: engine.lastSeq, stateHash: engine.stateHash() });
        return;
      case ControlKind.Stop:
        this.stopped = true;
        return;
      default:
        throw new Error(`unknown control record kind 0x${kind.toString(16)}`);
    }
  }

  private post(message: WorkerMessage): void {
    this.port.postMessage(message);
  }

  /** The seq of the last command applied, for error reports. */
  get lastSeq(): number {
    return this.engine.lastSeq;
  }
}

function main(): void {
  const port = parentPort;
  assert(port !== null, 'engine-worker.js runs as a worker thread');
  const data = workerData as EngineWorkerData;
  let loop: EngineLoop | undefined;
  try {
    const engine = data.snapshot === undefined ? new Engine(data.engine) : Engine.restore(data.snapshot);
    // Start-up time, not a stall: the first snapshot goes into pages already mapped.
    const images = new ImageBufferPool();
    if (data.imageBufferBytes > 0) images.prepareNow(data.imageBufferBytes);
    loop = new EngineLoop(engine, new RingReader(data.commandRing), new RingWriter(data.resultRing), port, images);
    port.postMessage({ type: 'ready', seq: engine.lastSeq } satisfies WorkerMessage);
    loop.run();
  } catch (err) {
    // The results of the commands applied before the failure are good: the host gets them.
    loop?.publishAll();
    const error = err instanceof Error ? err : new Error(String(err));
    const where = loop === undefined ? 'starting' : `after seq ${loop.lastSeq}`;
    const message: WorkerMessage = { type: 'fatal', name: error.name, message: `${where}: ${error.message}`, stack: error.stack ?? '' };
    port.postMessage(message);
    process.exitCode = 1;
  }
}

main();
