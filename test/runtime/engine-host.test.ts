// The engine thread through its host (src/runtime/engine-host.ts): a command stream sent
// through the rings gives exactly the codes and event words of the same commands applied
// to an Engine in this thread, and the same state hash; snapshots taken on the engine
// thread restore to that state and go on alike; more commands than the rings hold go
// through; and a bad record is reported, not waited on forever. Snapshot images live in the
// engine thread's shared buffers: reused once released, never overwritten while held.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Command, CommandKind, Engine, EventKind, OrderType, Reject, Side, TimeInForce, eventWords } from '../../src/core/index.js';
import { encodeCommand, encodedLength } from '../../src/protocol/index.js';
import { EngineHost, EngineWorkerError, type SnapshotReply } from '../../src/runtime/engine-host.js';
import { IMAGE_OFFSET, PAGE_BYTES } from '../../src/runtime/image-buffers.js';
import { RESULT_HEADER_BYTES, maxResultPartWords } from '../../src/runtime/results.js';
import { BTC, BTC_SPEC, ETH, ETH_SPEC, T0, instrumentFields, type CommandFields } from '../core/helpers.js';

/** Every wait in these tests gives up after this long: a failure, never a hang. */
const WAIT_MS = 5_000;

interface Outcome {
  seq: number;
  code: number;
  words: number[];
}

/** The command with `fields` (undefined ones left out) at `seq`, stamped one microsecond a seq. */
function command(seq: number, fields: CommandFields): Command {
  const cmd = new Command();
  cmd.seq = seq;
  cmd.timeUs = T0 + seq;
  for (const [key, value] of Object.entries(fields)) {
    if (value !== undefined) (cmd as unknown as Record<string, unknown>)[key] = value;
  }
  return cmd;
}

function place(account: number, instrument: number, side: number, price: number, qty: number, clientId: number, tif: number = TimeInForce.GTC): CommandFields {
  return { kind: CommandKind.PlaceOrder, accountId: account, instrumentId: instrument, side, orderType: OrderType.Limit, timeInForce: tif, price, qty, clientOrderId: clientId };
}

function cancel(account: number, instrument: number, clientId: number): CommandFields {
  return { kind: CommandKind.CancelOrder, accountId: account, instrumentId: instrument, clientOrderId: clientId };
}

/**
 * A deterministic stream: two instruments, orders that rest and orders that trade, cancels
 * (one of an order that is gone: a reject), an order off the tick (a reject), a sweep of
 * many levels and a cancel-all of a big book (results longer than a small ring's record),
 * then `rounds` rounds of a small market.
 */
function stream(rounds: number): Command[] {
  const fields: CommandFields[] = [instrumentFields(BTC_SPEC), instrumentFields(ETH_SPEC)];
  fields.push(place(2, BTC, Side.Sell, 100_000, 10, 1));
  fields.push(place(2, BTC, Side.Sell, 100_005, 20, 2));
  fields.push(place(3, BTC, Side.Buy, 100_005, 20, 1));
  fields.push(cancel(2, BTC, 2));
  fields.push(cancel(2, BTC, 2));
  fields.push(place(3, BTC, Side.Buy, 100_001, 10, 2));
  for (let i = 0; i < 30; i++) fields.push(place(4, ETH, Side.Sell, 2_000 + i, 5, 100 + i));
  fields.push(place(5, ETH, Side.Buy, 2_100, 150, 1, TimeInForce.IOC));
  for (let i = 0; i < 60; i++) fields.push(place(6, ETH, Side.Buy, 1_000 + i, 3, 200 + i));
  fields.push({ kind: CommandKind.CancelAll, accountId: 6, instrumentId: 0 });
  for (let r = 0; r < rounds; r++) {
    const id = 1_000 + r;
    const price = 100_000 + 5 * ((r * 7) % 40);
    fields.push(place(10 + (r % 3), BTC, r % 2 === 0 ? Side.Buy : Side.Sell, price, 10 * (1 + (r % 4)), id));
    if (r % 5 === 4) fields.push(cancel(10 + ((r - 4) % 3), BTC, id - 4));
    if (r % 17 === 0) fields.push(place(20, ETH, Side.Buy, 1_500 + r, 1, id, TimeInForce.IOC));
  }
  return fields.map((f, i) => command(i + 1, f));
}

/** The commands as one buffer of binary records, with where each starts. */
function encode(commands: Command[]): { bytes: Uint8Array; offsets: number[] } {
  const size = commands.reduce((sum, c) => sum + encodedLength(c), 0);
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  const offsets: number[] = [];
  let at = 0;
  for (const c of commands) {
    offsets.push(at);
    at += encodeCommand(c, view, at);
  }
  offsets.push(at);
  return { bytes, offsets };
}

/** The same commands applied in this thread: each one's code and event words. */
function applyInProcess(engine: Engine, commands: Command[]): Outcome[] {
  return commands.map((c) => {
    engine.events.clear();
    const code = engine.apply(c);
    const words = Array.from(engine.events.words.subarray(0, engine.events.end));
    engine.events.clear();
    return { seq: c.seq, code, words };
  });
}

/** A host's results as they arrive, copied out of the ring. */
class Collector {
  readonly outcomes: Outcome[] = [];
  readonly onResult = (seq: number, code: number, words: Float64Array, wordOffset: number, wordCount: number): void => {
    this.outcomes.push({ seq, code, words: Array.from(words.subarray(wordOffset, wordOffset + wordCount)) });
  };

  /** Drains until `count` results in all, waiting at most WAIT_MS. */
  async collect(host: EngineHost, count: number): Promise<Outcome[]> {
    const deadline = performance.now() + WAIT_MS;
    while (this.outcomes.length < count) {
      host.drain(this.onResult);
      if (this.outcomes.length >= count) break;
      const left = deadline - performance.now();
      assert.ok(left > 0, `only ${this.outcomes.length} of ${count} results arrived`);
      await host.waitForResults(left);
    }
    return this.outcomes;
  }
}

/** Submits records [from, to) by trySubmit, draining to `collector` whenever the ring is full. */
async function submitRange(host: EngineHost, records: { bytes: Uint8Array; offsets: number[] }, from: number, to: number, collector: Collector): Promise<void> {
  for (let i = from; i < to; i++) {
    const at = records.offsets[i]!;
    const length = records.offsets[i + 1]! - at;
    while (!host.trySubmit(records.bytes, at, length)) {
      host.flush();
      host.drain(collector.onResult);
      assert.ok(await Promise.race([host.waitForRoom(length, WAIT_MS), host.waitForResults(WAIT_MS)]), 'the engine thread took nothing');
    }
  }
  host.flush();
}

/** Runs `body` with a started host, which is stopped after (or terminated if `body` failed). */
async function withHost(options: Parameters<typeof EngineHost.start>[0], body: (host: EngineHost) => Promise<void>): Promise<void> {
  const host = await EngineHost.start(options);
  try {
    await body(host);
    await host.stop();
  } finally {
    await host.terminate();
  }
}

function kindsIn(words: number[]): number[] {
  const kinds: number[] = [];
  for (let at = 0; at < words.length; at += eventWords(words[at]!)) {
    assert.ok(eventWords(words[at]!) > 0, 'event words walk by kind');
    kinds.push(words[at]!);
  }
  return kinds;
}

void describe('engine host', () => {
  void test('results equal the same commands applied in-process, and so does the state hash', { timeout: 10_000 }, async () => {
    const commands = stream(200);
    const expected = applyInProcess(new Engine(), commands);
    // The stream covers what it says it does.
    assert.ok(expected.some((o) => o.code === Reject.UnknownOrder));
    assert.ok(expected.some((o) => o.code === Reject.PriceOffTick));
    assert.ok(expected.some((o) => kindsIn(o.words).includes(EventKind.Trade)));
    assert.ok(expected.some((o) => kindsIn(o.words).includes(EventKind.InstrumentAdded)));
    const records = encode(commands);
    await withHost({}, async (host) => {
      const collector = new Collector();
      await submitRange(host, records, 0, commands.length, collector);
      assert.deepStrictEqual(await collector.collect(host, commands.length), expected);
      const reference = new Engine();
      applyInProcess(reference, commands);
      assert.deepStrictEqual(await host.stateHash(), { seq: commands.length, stateHash: reference.stateHash() });
    });
  });

  void test('a snapshot from the engine thread restores to its state, and a host started from it goes on alike', { timeout: 10_000 }, async () => {
    const commands = stream(200);
    const half = commands.length >> 1;
    const reference = new Engine();
    const expected = applyInProcess(reference, commands.slice(0, half));
    const hashAtHalf = reference.stateHash();
    const records = encode(commands);
    let snapshot: Uint8Array | undefined;
    await withHost({}, async (host) => {
      const collector = new Collector();
      await submitRange(host, records, 0, half, collector);
      const taken = await host.snapshot();
      assert.equal(taken.seq, half);
      assert.equal(taken.stateHash, hashAtHalf);
      assert.ok(taken.stallNs > 0);
      assert.equal(Engine.restore(taken.bytes).stateHash(), hashAtHalf);
      assert.deepStrictEqual(await collector.collect(host, half), expected);
      // A copy: the image is lent until released, and the next host starts from it after this one is gone.
      snapshot = taken.bytes.slice();
      taken.release();
    });
    assert.ok(snapshot !== undefined);
    const rest = applyInProcess(reference, commands.slice(half));
    await withHost({ snapshot }, async (host) => {
      const collector = new Collector();
      await submitRange(host, records, half, commands.length, collector);
      assert.deepStrictEqual(await collector.collect(host, commands.length - half), rest);
      assert.deepStrictEqual(await host.stateHash(), { seq: commands.length, stateHash: reference.stateHash() });
    });
  });

  void test('more commands than the rings hold go through, results split and joined', { timeout: 10_000 }, async () => {
    const commandRingBytes = 1024;
    const resultRingBytes = 2048;
    const commands = stream(3_000);
    const expected = applyInProcess(new Engine(), commands);
    const maxWords = maxResultPartWords(resultRingBytes / 2 - 8);
    assert.ok(expected.some((o) => o.words.length > 3 * maxWords), 'a result spans several records');
    const records = encode(commands);
    assert.ok(records.bytes.length > 50 * commandRingBytes);
    // Push mode: submit() waits for room and drains to the onResult handler meanwhile.
    await withHost({ commandRingBytes, resultRingBytes }, async (host) => {
      const collector = new Collector();
      host.onResult(collector.onResult);
      for (let i = 0; i < commands.length; i++) {
        const at = records.offsets[i]!;
        await host.submit(records.bytes, at, records.offsets[i + 1]! - at);
      }
      host.flush();
      const hash = await host.stateHash();
      assert.equal(hash.seq, commands.length);
      assert.deepStrictEqual(await collector.collect(host, commands.length), expected);
    });
    // Pull mode: trySubmit, and drain while waiting for room.
    await withHost({ commandRingBytes, resultRingBytes }, async (host) => {
      const collector = new Collector();
      await submitRange(host, records, 0, commands.length, collector);
      assert.deepStrictEqual(await collector.collect(host, commands.length), expected);
    });
  });

  void test('stop applies every command submitted before it; its results stay drainable', { timeout: 10_000 }, async () => {
    const commands = stream(50);
    const expected = applyInProcess(new Engine(), commands);
    const records = encode(commands);
    const host = await EngineHost.start();
    try {
      const collector = new Collector();
      await submitRange(host, records, 0, commands.length, collector);
      await host.stop();
      host.drain(collector.onResult);
      assert.deepStrictEqual(collector.outcomes, expected);
      assert.throws(() => host.trySubmit(records.bytes, 0, records.offsets[1]!), EngineWorkerError);
      assert.equal(await host.waitForResults(10), false, 'no results after the end');
    } finally {
      await host.terminate();
    }
  });

  void test('a record that does not decode is reported as an error, not waited on', { timeout: 10_000 }, async () => {
    const commands = stream(0).slice(0, 5);
    const records = encode(commands);
    const host = await EngineHost.start();
    try {
      const errors: Error[] = [];
      host.on('error', (error: Error) => errors.push(error));
      const collector = new Collector();
      await submitRange(host, records, 0, commands.length, collector);
      // The next record with a version no decoder knows.
      const bad = records.bytes.slice(records.offsets[2]!, records.offsets[3]!);
      new DataView(bad.buffer).setUint16(2, 99, true);
      assert.ok(host.trySubmit(bad, 0, bad.length));
      host.flush();
      await assert.rejects(host.stateHash(), (error: Error) => error instanceof EngineWorkerError && /after seq 5: command version 99/.test(error.message));
      assert.equal(errors.length, 1, 'emitted once');
      assert.ok(errors[0] instanceof EngineWorkerError);
      // The results before it were delivered; every later call throws.
      host.drain(collector.onResult);
      assert.equal(collector.outcomes.length, commands.length);
      assert.throws(() => host.trySubmit(records.bytes, 0, records.offsets[1]!), EngineWorkerError);
      await assert.rejects(host.waitForResults(WAIT_MS), EngineWorkerError);
      await host.stop();
    } finally {
      await host.terminate();
    }
  });

  void test('an error with a result wait pending rejects the wait', { timeout: 10_000 }, async () => {
    const host = await EngineHost.start();
    try {
      host.on('error', () => undefined);
      const waiting = host.waitForResults(WAIT_MS);
      const bad = new Uint8Array(RESULT_HEADER_BYTES);
      assert.ok(host.trySubmit(bad, 0, bad.length));
      host.flush();
      await assert.rejects(waiting, /truncated command record/);
    } finally {
      await host.terminate();
    }
  });

  void test('a snapshot that does not restore makes start reject', { timeout: 10_000 }, async () => {
    await assert.rejects(EngineHost.start({ snapshot: new Uint8Array(64) }), (error: Error) => error instanceof EngineWorkerError && /starting/.test(error.message));
  });

  void test('a wait for results returns when another caller drained them first (no lost wake-up)', { timeout: 10_000 }, async () => {
    const commands = stream(5);
    const records = encode(commands);
    const collector = new Collector();
    await withHost({}, async (host) => {
      host.onResult(collector.onResult);
      // The wait starts on an empty ring and sleeps.
      const waiting = host.waitForResults(3_000);
      const started = performance.now();
      host.trySubmit(records.bytes, records.offsets[0]!, records.offsets[1]! - records.offsets[0]!);
      host.flush();
      // This task takes the result as soon as it shows, before the sleeping wait can look.
      while (host.drain() === 0) {
        assert.ok(performance.now() - started < 3_000, 'the engine thread gave no result');
      }
      assert.equal(await waiting, true);
      assert.ok(performance.now() - started < 1_500, 'the wait slept on after the result was drained');
      assert.equal(collector.outcomes.length, 1);
    });
  });

  void test('snapshot requests left in flight while submitting: every result still arrives', { timeout: 20_000 }, async () => {
    const commands = stream(400);
    const records = encode(commands);
    const collector = new Collector();
    await withHost({}, async (host) => {
      host.onResult(collector.onResult);
      const snapshots: Promise<SnapshotReply>[] = [];
      for (let i = 0; i < commands.length; i += 100) {
        await submitRange(host, records, i, Math.min(commands.length, i + 100), collector);
        snapshots.push(host.snapshot());
      }
      const outcomes = await collector.collect(host, commands.length);
      assert.deepEqual(
        outcomes.map((o) => o.seq),
        commands.map((c) => c.seq),
      );
      const taken = await Promise.all(snapshots);
      assert.deepEqual(
        taken.map((t) => t.seq).sort((a, b) => a - b),
        snapshots.map((_, k) => Math.min(commands.length, (k + 1) * 100)),
      );
      for (const t of taken) t.release();
    });
  });
});

void describe('engine host: snapshot image buffers', () => {
  /** The stream applied in this thread up to each of `points` (ascending): the state hash and image length there. */
  function statesAt(commands: Command[], points: number[]): { hash: string; imageBytes: number }[] {
    const reference = new Engine();
    let done = 0;
    return points.map((point) => {
      applyInProcess(reference, commands.slice(done, point));
      done = point;
      return { hash: reference.stateHash(), imageBytes: reference.snapshot().length };
    });
  }

  /** Checks a reply against the state it should hold: seq, hash from the host, and the image restored here. */
  function checkReply(reply: SnapshotReply, seq: number, hash: string): void {
    assert.equal(reply.seq, seq);
    assert.equal(reply.stateHash, hash);
    assert.equal(Engine.restore(reply.bytes).stateHash(), hash);
  }

  void test('two snapshots in a row, released between: the second reuses the buffer of the first, and both restore', { timeout: 10_000 }, async () => {
    const commands = stream(200);
    const [a, b] = [commands.length >> 1, commands.length];
    const [atA, atB] = statesAt(commands, [a, b]);
    const records = encode(commands);
    await withHost({}, async (host) => {
      const collector = new Collector();
      host.onResult(collector.onResult);
      await submitRange(host, records, 0, a, collector);
      const first = await host.snapshot();
      checkReply(first, a, atA!.hash);
      // The buffer made and touched at start, before any command.
      assert.equal(first.bufferId, 1);
      assert.equal(first.bufferFresh, false);
      const firstImage = first.bytes.slice();
      first.release();
      first.release();
      await submitRange(host, records, a, b, collector);
      const second = await host.snapshot();
      checkReply(second, b, atB!.hash);
      assert.equal(second.bufferId, first.bufferId);
      assert.equal(second.bufferFresh, false);
      // The same memory: the first reply's view now shows the second image, which differs from the first.
      const n = Math.min(first.bytes.length, second.bytes.length);
      assert.deepStrictEqual(first.bytes.slice(0, n), second.bytes.slice(0, n));
      assert.notDeepStrictEqual(firstImage.slice(0, n), second.bytes.slice(0, n));
      second.release();
      await collector.collect(host, commands.length);
    });
  });

  void test('an image held is not overwritten: the next snapshot gets another buffer, and both restore', { timeout: 10_000 }, async () => {
    const commands = stream(300);
    const points = [100, 200, commands.length];
    const states = statesAt(commands, points);
    const records = encode(commands);
    await withHost({}, async (host) => {
      const collector = new Collector();
      host.onResult(collector.onResult);
      await submitRange(host, records, 0, points[0]!, collector);
      const held = await host.snapshot();
      checkReply(held, points[0]!, states[0]!.hash);
      const heldImage = held.bytes.slice();
      await submitRange(host, records, points[0]!, points[1]!, collector);
      // The spare made after the first image is ready (its pages touched by another thread).
      await host.imageBuffersPrepared();
      const next = await host.snapshot();
      checkReply(next, points[1]!, states[1]!.hash);
      assert.notEqual(next.bufferId, held.bufferId);
      assert.equal(next.bufferFresh, false, 'the spare, touched ahead');
      assert.deepStrictEqual(held.bytes.slice(), heldImage);
      assert.equal(Engine.restore(held.bytes).stateHash(), states[0]!.hash);
      // Released, the second buffer is reused while the first is still held.
      next.release();
      await submitRange(host, records, points[1]!, points[2]!, collector);
      const last = await host.snapshot();
      checkReply(last, points[2]!, states[2]!.hash);
      assert.equal(last.bufferId, next.bufferId);
      assert.deepStrictEqual(held.bytes.slice(), heldImage);
      held.release();
      last.release();
      await collector.collect(host, commands.length);
    });
  });

  void test('replies never released: each snapshot gets a buffer, and the engine thread keeps only the last two', { timeout: 10_000 }, async () => {
    const commands = stream(50);
    const [state] = statesAt(commands, [commands.length]);
    const records = encode(commands);
    await withHost({}, async (host) => {
      const collector = new Collector();
      host.onResult(collector.onResult);
      await submitRange(host, records, 0, commands.length, collector);
      const unreleased: SnapshotReply[] = [];
      for (let i = 0; i < 4; i++) {
        unreleased.push(await host.snapshot());
        await host.imageBuffersPrepared();
      }
      // The start buffer, the spare made ahead after it, then two made on the engine thread.
      assert.deepEqual(
        unreleased.map((t) => [t.bufferId, t.bufferFresh]),
        [
          [1, false],
          [2, false],
          [3, true],
          [4, true],
        ],
      );
      for (const t of unreleased) checkReply(t, commands.length, state!.hash);
      // Buffers 1 and 2 were forgotten to keep 3 and 4: released, only those are used again.
      for (const t of unreleased) t.release();
      const again = [await host.snapshot(), await host.snapshot()];
      assert.deepEqual(again.map((t) => t.bufferId).sort(), [3, 4]);
      assert.ok(again.every((t) => !t.bufferFresh));
      for (const t of again) {
        checkReply(t, commands.length, state!.hash);
        t.release();
      }
      await collector.collect(host, commands.length);
    });
  });

  void test('a host started with no image buffer makes one for its first snapshot', { timeout: 10_000 }, async () => {
    const commands = stream(20);
    const [state] = statesAt(commands, [commands.length]);
    const records = encode(commands);
    await withHost({ imageBufferBytes: 0 }, async (host) => {
      const collector = new Collector();
      host.onResult(collector.onResult);
      await submitRange(host, records, 0, commands.length, collector);
      const taken = await host.snapshot();
      checkReply(taken, commands.length, state!.hash);
      assert.deepEqual([taken.bufferId, taken.bufferFresh], [1, true]);
      taken.release();
      await collector.collect(host, commands.length);
    });
  });

  void test('a state grown past its buffer: the next image goes into the spare made ahead, with room for a third more', { timeout: 10_000 }, async () => {
    // Orders that rest: each one adds its record to the image.
    const fields: CommandFields[] = [instrumentFields(BTC_SPEC)];
    for (let i = 0; i < 600; i++) fields.push(place(2 + (i % 5), BTC, Side.Buy, 50_000 + 5 * (i % 400), 10, i + 1));
    const commands = fields.map((f, i) => command(i + 1, f));
    const reference = new Engine();
    const imageBytes = [reference.snapshot().length];
    for (const c of commands) {
      assert.equal(applyInProcess(reference, [c])[0]!.code, Reject.None);
      imageBytes.push(reference.snapshot().length);
    }
    // A first buffer just big enough for the state after `a` commands; after `b`, the image no longer fits it.
    const a = 300;
    const roomBytes = Math.ceil((IMAGE_OFFSET + imageBytes[a]!) / PAGE_BYTES) * PAGE_BYTES - IMAGE_OFFSET;
    const b = imageBytes.findIndex((n) => n > roomBytes);
    assert.ok(b > a && imageBytes[b]! * 3 <= imageBytes[a]! * 4, 'the image grows past its buffer by less than a third');
    const [atA, atB] = statesAt(commands, [a, b]);
    const records = encode(commands);
    await withHost({ imageBufferBytes: imageBytes[a]! }, async (host) => {
      const collector = new Collector();
      host.onResult(collector.onResult);
      await submitRange(host, records, 0, a, collector);
      const first = await host.snapshot();
      checkReply(first, a, atA!.hash);
      assert.equal(first.bufferId, 1);
      first.release();
      await host.imageBuffersPrepared();
      await submitRange(host, records, a, b, collector);
      const grown = await host.snapshot();
      checkReply(grown, b, atB!.hash);
      assert.equal(grown.bufferId, 2);
      assert.equal(grown.bufferFresh, false, 'the grown image went into fresh memory, not the spare');
      grown.release();
      await collector.collect(host, b);
    });
  });
});
