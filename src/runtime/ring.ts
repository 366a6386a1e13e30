// A single-producer single-consumer ring of variable-length binary records over one
// SharedArrayBuffer (Agrona's OneToOneRingBuffer, STYLE.md section 3): the producer claims
// room, writes a record in place and commits it; the consumer polls, reads in place and
// releases. The engine thread is fed and drained through two of them (DESIGN.md section 2).
//
// The buffer: a 256-byte header, then `capacityBytes` of records (a power of two).
//
//    0        4                 128      132               256
//    +--------+--------+- ... --+--------+--------+- ... --+------------------------+
//    | head   | prod.  |        | tail   | cons.  |        | records ...            |
//    |        | waiters|        |        | waiters|        |                        |
//    +--------+--------+- ... --+--------+--------+- ... --+------------------------+
//
// head: where the producer has published up to; tail: what the consumer has released up
// to. Both are byte positions that only grow, kept as int32 and compared by `(a - b) | 0`,
// which is exact while they are less than 2^31 apart (capacity is at most 2^30): a long
// run wraps them past 2^32 harmlessly. A position's offset in the records is `pos & mask`.
// The producer's words and the consumer's live on different cache lines (128 bytes apart,
// out of reach of the adjacent-line prefetcher), so neither side's stores evict the other's.
// "waiters" count the other side's threads asleep on head or tail: a side notifies only
// when someone sleeps, since Atomics.notify takes a lock.
//
// A record: a u32 payload length and a u32 that is 0, then the payload, padded to 8 bytes
// so that every payload starts 8-byte aligned (float64 views read it in place).
//
//    +-------------+-------------+---------------------------------+-----+
//    | length (u32)| 0 (u32)     | payload: length bytes           | pad |
//    +-------------+-------------+---------------------------------+-----+
//
// A record never straddles the end: when it does not fit before the end, a padding marker
// (length 0xFFFFFFFF) fills the rest and the record starts at offset 0. A padding marker
// is always published together with the record after it.
//
// Publication: `commit()` moves a position the producer keeps to itself; `publish()`
// stores it to `head` with Atomics.store (sequentially consistent, so every plain write of
// the records before it is visible to a consumer that loads `head` after it). Committing a
// batch and publishing once costs one atomic store per batch rather than per record. The
// consumer's `release()` and `publish()` do the same with `tail`. Both sides publish on
// their own after `publishEveryBytes`, so that a long batch streams rather than stalls.
//
// Waiting: the engine thread may block (Atomics.wait, after a short spin); the main thread
// never may, so it waits with Atomics.waitAsync. Lost wake-ups are ruled out by the order
// of sequentially consistent operations: a sleeper counts itself in "waiters", then
// re-reads the position; the other side stores the position, then reads "waiters". One of
// the two sees the other's store, and Atomics.wait itself returns at once when the position
// moved between the read and the sleep.

import { assert } from '../core/index.js';

/** Int32 indexes of the header words. */
const HEAD = 0;
const PRODUCER_WAITERS = 1;
const TAIL = 32;
const CONSUMER_WAITERS = 33;

export const RING_HEADER_BYTES = 256;
export const RECORD_HEADER_BYTES = 8;
export const MIN_RING_BYTES = 256;
export const MAX_RING_BYTES = 1 << 30;
/** The length a padding marker carries instead of a payload's. */
export const PADDING_MARKER = 0xffff_ffff;
/** What `tryReserve` returns when the ring has no room for the record. */
export const RING_FULL = -1;
/** What `poll` returns when the ring holds no record. */
export const RING_EMPTY = -1;
/** Loads of the other side's position before a thread goes to sleep on it. */
const SPIN_ITERATIONS = 64;
/**
 * A batch bigger than this (or an eighth of the ring) is published even before `publish()`.
 * Each publication may wake the other thread, which costs microseconds: through the engine
 * host, s1 ran at 1.75M commands/s publishing every 4 KiB, 2.1M every 16 KiB and about the
 * same from there up to 256 KiB (bench/runtime-ring.mjs, noisy 2-core VM).
 */
const PUBLISH_EVERY_MAX_BYTES = 64 * 1024;

/** The bytes a record of `payloadBytes` takes in the ring, header and padding included. */
export function recordBytes(payloadBytes: number): number {
  return (RECORD_HEADER_BYTES + payloadBytes + 7) & ~7;
}

/**
 * A zeroed ring of `capacityBytes` (a power of two) to hand to one writer and one reader,
 * each possibly on another thread. `startPosition` (a multiple of 8) is for tests of the
 * positions' wrap past 2^31 and 2^32: a fresh ring starts at 0.
 */
export function createRing(capacityBytes: number, startPosition = 0): SharedArrayBuffer {
  assert(Number.isInteger(capacityBytes), 'ring capacity must be an integer');
  assert(capacityBytes >= MIN_RING_BYTES, 'ring capacity too small');
  assert(capacityBytes <= MAX_RING_BYTES, 'ring capacity too large');
  assert((capacityBytes & (capacityBytes - 1)) === 0, 'ring capacity must be a power of two');
  assert((startPosition & 7) === 0, 'ring start position must be a multiple of 8');
  const sab = new SharedArrayBuffer(RING_HEADER_BYTES + capacityBytes);
  const header = new Int32Array(sab, 0, RING_HEADER_BYTES >> 2);
  header[HEAD] = startPosition | 0;
  header[TAIL] = startPosition | 0;
  return sab;
}

/** The record capacity of a ring made by `createRing`. */
export function ringCapacityBytes(sab: SharedArrayBuffer): number {
  const capacityBytes = sab.byteLength - RING_HEADER_BYTES;
  assert(capacityBytes >= MIN_RING_BYTES && capacityBytes <= MAX_RING_BYTES, 'not a ring: bad size');
  assert((capacityBytes & (capacityBytes - 1)) === 0, 'not a ring: capacity is no power of two');
  return capacityBytes;
}

type WaitAsyncResult = { async: false; value: 'not-equal' | 'timed-out' } | { async: true; value: Promise<'ok' | 'timed-out'> };
type WaitAsync = (array: Int32Array, index: number, value: number, timeoutMs?: number) => WaitAsyncResult;
// In Node since 16, typed only from lib ES2024 (this project compiles against ES2022).
const waitAsync = (Atomics as unknown as { waitAsync?: WaitAsync }).waitAsync;

/**
 * Waits (on the main thread too) until `header[index]` is no longer `value`, a notify, or
 * `timeoutMs`; the caller re-checks what it waits for.
 */
async function sleepAsync(header: Int32Array, waitersIndex: number, index: number, value: number, timeoutMs: number): Promise<void> {
  assert(waitAsync !== undefined, 'Atomics.waitAsync is missing (Node >= 16 has it)');
  Atomics.add(header, waitersIndex, 1);
  try {
    if (Atomics.load(header, index) !== value) return;
    const result = waitAsync(header, index, value, timeoutMs);
    if (result.async) await result.value;
  } finally {
    Atomics.sub(header, waitersIndex, 1);
  }
}

/** Blocks the calling thread (never the main one) like `sleepAsync`. */
function sleepSync(header: Int32Array, waitersIndex: number, index: number, value: number, timeoutMs: number): void {
  Atomics.add(header, waitersIndex, 1);
  Atomics.wait(header, index, value, timeoutMs);
  Atomics.sub(header, waitersIndex, 1);
}

/** What both sides of a ring hold: views of its records and header, and its sizes. */
class RingSide {
  readonly capacityBytes: number;
  /** The largest payload a record may have: half the ring, so that one always fits once the ring drains. */
  readonly maxPayloadBytes: number;
  /** The records, at the offsets `tryReserve` and `poll` return. */
  readonly bytes: Uint8Array;
  readonly view: DataView;
  /** The records as float64 words: a payload at offset `at` starts at word `at >> 3`. */
  readonly words: Float64Array;
  protected readonly header: Int32Array;
  protected readonly lengths: Uint32Array;
  protected readonly mask: number;
  protected readonly publishEveryBytes: number;

  constructor(sab: SharedArrayBuffer) {
    const capacityBytes = ringCapacityBytes(sab);
    this.capacityBytes = capacityBytes;
    this.maxPayloadBytes = (capacityBytes >> 1) - RECORD_HEADER_BYTES;
    this.bytes = new Uint8Array(sab, RING_HEADER_BYTES, capacityBytes);
    this.view = new DataView(sab, RING_HEADER_BYTES, capacityBytes);
    this.words = new Float64Array(sab, RING_HEADER_BYTES, capacityBytes >> 3);
    this.header = new Int32Array(sab, 0, RING_HEADER_BYTES >> 2);
    this.lengths = new Uint32Array(sab, RING_HEADER_BYTES, capacityBytes >> 2);
    this.mask = capacityBytes - 1;
    this.publishEveryBytes = Math.min(capacityBytes >> 3, PUBLISH_EVERY_MAX_BYTES);
  }
}

/** The writing side. One per ring, on one thread. */
export class RingWriter extends RingSide {
  /** End of the committed records. */
  private writePos: number;
  /** End of the reserved record, when `reserved`. */
  private reservedEnd = 0;
  private reserved = false;
  private publishedPos: number;
  /** The consumer's tail as last loaded: room is at least this much. */
  private cachedTail: number;

  constructor(sab: SharedArrayBuffer) {
    super(sab);
    this.writePos = Atomics.load(this.header, HEAD);
    this.publishedPos = this.writePos;
    this.cachedTail = Atomics.load(this.header, TAIL);
  }

  /**
   * Claims room for a record of `payloadBytes` and returns the offset of its payload in
   * `bytes`, or RING_FULL. The record becomes the consumer's at `commit()` and `publish()`;
   * a reservation not committed is given up by the next `tryReserve`.
   */
  tryReserve(payloadBytes: number): number {
    assert(payloadBytes >= 0 && payloadBytes <= this.maxPayloadBytes, 'ring record too large');
    const totalBytes = recordBytes(payloadBytes);
    let pos = this.writePos;
    let offset = pos & this.mask;
    const toEndBytes = this.capacityBytes - offset;
    const paddingBytes = toEndBytes < totalBytes ? toEndBytes : 0;
    const needBytes = paddingBytes + totalBytes;
    if (((pos - this.cachedTail) | 0) + needBytes > this.capacityBytes) {
      this.cachedTail = Atomics.load(this.header, TAIL);
      if (((pos - this.cachedTail) | 0) + needBytes > this.capacityBytes) return RING_FULL;
    }
    if (paddingBytes > 0) {
      this.lengths[offset >> 2] = PADDING_MARKER;
      this.lengths[(offset >> 2) + 1] = 0;
      pos = (pos + paddingBytes) | 0;
      offset = 0;
    }
    this.lengths[offset >> 2] = payloadBytes;
    this.lengths[(offset >> 2) + 1] = 0;
    this.reservedEnd = (pos + totalBytes) | 0;
    this.reserved = true;
    return offset + RECORD_HEADER_BYTES;
  }

  /** Ends the reserved record's writing: it goes to the consumer with the next publication. */
  commit(): void {
    assert(this.reserved, 'ring commit without a reservation');
    this.reserved = false;
    this.writePos = this.reservedEnd;
    if (((this.writePos - this.publishedPos) | 0) >= this.publishEveryBytes) this.publish();
  }

  /** Hands every committed record to the consumer, waking it if it sleeps. */
  publish(): void {
    const pos = this.writePos;
    if (pos === this.publishedPos) return;
    this.publishedPos = pos;
    Atomics.store(this.header, HEAD, pos);
    if (Atomics.load(this.header, CONSUMER_WAITERS) !== 0) Atomics.notify(this.header, HEAD);
  }

  /** Whether a record of `payloadBytes` would fit now. */
  hasRoom(payloadBytes: number): boolean {
    const totalBytes = recordBytes(payloadBytes);
    const toEndBytes = this.capacityBytes - (this.writePos & this.mask);
    const needBytes = (toEndBytes < totalBytes ? toEndBytes : 0) + totalBytes;
    this.cachedTail = Atomics.load(this.header, TAIL);
    return ((this.writePos - this.cachedTail) | 0) + needBytes <= this.capacityBytes;
  }

  /**
   * Blocks this thread (not the main one: Atomics.wait is refused there) until a record of
   * `payloadBytes` fits or `timeoutMs` passes; says whether it fits. Publishes first: the
   * consumer may be waiting for exactly what was committed.
   */
  waitForRoomSync(payloadBytes: number, timeoutMs = Infinity): boolean {
    this.publish();
    for (let i = 0; i < SPIN_ITERATIONS; i++) if (this.hasRoom(payloadBytes)) return true;
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const tail = this.cachedTail;
      const leftMs = deadline - performance.now();
      if (leftMs <= 0) return false;
      sleepSync(this.header, PRODUCER_WAITERS, TAIL, tail, leftMs);
      if (this.hasRoom(payloadBytes)) return true;
    }
  }

  /**
   * Waits without blocking (for the main thread) until the consumer releases room, `wake()`
   * or `timeoutMs`, then says whether a record of `payloadBytes` fits: a caller loops,
   * looking at why it was woken. Publishes first, as `waitForRoomSync` does.
   */
  async waitForRoomAsync(payloadBytes: number, timeoutMs = Infinity): Promise<boolean> {
    this.publish();
    if (this.hasRoom(payloadBytes)) return true;
    await sleepAsync(this.header, PRODUCER_WAITERS, TAIL, this.cachedTail, timeoutMs);
    return this.hasRoom(payloadBytes);
  }

  /** Wakes this side's sleepers (waiting for room), e.g. when the other side is gone. */
  wake(): void {
    Atomics.notify(this.header, TAIL);
  }
}

/** The reading side. One per ring, on one thread. */
export class RingReader extends RingSide {
  /** Payload length of the record `poll` returned. */
  length = 0;
  /** Start of the next record (or padding) not yet released. */
  private readPos: number;
  private polled = false;
  private publishedPos: number;
  /** The producer's head as last loaded: records are there up to it at least. */
  private cachedHead: number;

  constructor(sab: SharedArrayBuffer) {
    super(sab);
    this.readPos = Atomics.load(this.header, TAIL);
    this.publishedPos = this.readPos;
    this.cachedHead = Atomics.load(this.header, HEAD);
  }

  /**
   * The offset in `bytes` of the next record's payload (its length in `length`), or
   * RING_EMPTY. The record stays until `release()`; polling again returns it again.
   */
  poll(): number {
    let pos = this.readPos;
    if (pos === this.cachedHead) {
      // Caught up: hand back what was read before looking for more.
      this.publish();
      this.cachedHead = Atomics.load(this.header, HEAD);
      if (pos === this.cachedHead) return RING_EMPTY;
    }
    let offset = pos & this.mask;
    let length = this.lengths[offset >> 2]!;
    if (length === PADDING_MARKER) {
      pos = (pos + this.capacityBytes - offset) | 0;
      this.readPos = pos;
      offset = 0;
      length = this.lengths[0]!;
      assert(pos !== this.cachedHead, 'ring padding published without its record');
    }
    assert(length <= this.maxPayloadBytes, 'ring record length out of range');
    this.length = length;
    this.polled = true;
    return offset + RECORD_HEADER_BYTES;
  }

  /** Done with the polled record: its room goes back to the producer with the next publication. */
  release(): void {
    assert(this.polled, 'ring release without a polled record');
    this.polled = false;
    const pos = (this.readPos + recordBytes(this.length)) | 0;
    this.readPos = pos;
    if (((pos - this.publishedPos) | 0) >= this.publishEveryBytes) this.publish();
  }

  /** Hands the released room back to the producer, waking it if it sleeps. */
  publish(): void {
    const pos = this.readPos;
    if (pos === this.publishedPos) return;
    this.publishedPos = pos;
    Atomics.store(this.header, TAIL, pos);
    if (Atomics.load(this.header, PRODUCER_WAITERS) !== 0) Atomics.notify(this.header, TAIL);
  }

  /** Whether a record is waiting (one that was polled and not released counts). */
  hasData(): boolean {
    this.cachedHead = Atomics.load(this.header, HEAD);
    return this.readPos !== this.cachedHead;
  }

  /**
   * Blocks this thread (not the main one) until a record arrives or `timeoutMs` passes;
   * says whether one is there. Publishes the released room first: the producer may be
   * waiting for it.
   */
  waitSync(timeoutMs = Infinity): boolean {
    this.publish();
    for (let i = 0; i < SPIN_ITERATIONS; i++) if (this.hasData()) return true;
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const leftMs = deadline - performance.now();
      if (leftMs <= 0) return false;
      sleepSync(this.header, CONSUMER_WAITERS, HEAD, this.readPos, leftMs);
      if (this.hasData()) return true;
    }
  }

  /**
   * Waits without blocking (for the main thread) until a record arrives, `wake()` or
   * `timeoutMs`, then says whether one is there: a caller loops, looking at why it was
   * woken. Publishes first, as `waitSync` does.
   */
  async waitAsync(timeoutMs = Infinity): Promise<boolean> {
    this.publish();
    if (this.hasData()) return true;
    await sleepAsync(this.header, CONSUMER_WAITERS, HEAD, this.readPos, timeoutMs);
    return this.hasData();
  }

  /** Wakes this side's sleepers (waiting for records), e.g. when the other side is gone. */
  wake(): void {
    Atomics.notify(this.header, HEAD);
  }
}
