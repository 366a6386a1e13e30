// Reusable buffers for snapshot images, shared by the engine thread, which writes an image
// into one, and the host, which hashes it, writes it to a file and then hands it back.
// Why keep them: on this VM the first touch of a page is what costs. Copying a 106 MB image
// into fresh memory took 311-412 ms, into memory touched before 8-13 ms (12-15 us a page
// fault, 26,000 pages). So the engine thread writes into buffers it keeps, whose pages
// were touched ahead of need: the first at start, before it says it is ready; a second
// after the first image, by a short-lived thread at the lowest priority
// (image-prefault-worker.ts), so that an image finds room mapped even while the host still
// holds the last one, or the state grew. The price is memory: two buffers of up to 1.5
// times the image, touched. When that thread is not done in time (on a busy machine it
// gets only idle CPU), the image goes into a buffer made then, as without it.
//
// A buffer: one SharedArrayBuffer, a whole number of pages: an 8-byte header, then room for
// an image, so that the image starts 8-byte aligned.
//
//    0         4          8
//    +---------+----------+---------------------------------------------+
//    | state   | 0        | image ...                                   |
//    +---------+----------+---------------------------------------------+
//
// state, an Int32 read and written with Atomics:
//   FREE       the engine thread may write an image into it
//   HELD       it holds an image the host has not handed back (SnapshotReply.release())
//   PREPARING  a thread is touching its pages: not to be written until it is FREE
//   ABANDONED  forgotten by the engine thread while PREPARING: the touching thread stops
// Each change has one writer: the engine thread claims FREE -> HELD and abandons
// PREPARING -> ABANDONED, the host releases HELD -> FREE, the touching thread (or the host,
// whatever became of it) finishes PREPARING -> FREE. The engine thread writes only into a
// buffer it has seen FREE, so an image is never overwritten while it is held, and a
// touching thread never writes into an image.
//
// The engine thread keeps at most MAX_KEPT_BUFFERS. One it stops keeping, to make room for
// a new one, is forgotten, not freed: a reply that still holds it keeps it alive, and it
// goes with that reply. A reply never released thus costs one buffer until it is dropped,
// and the engine thread makes another for the next image.

import { assert } from '../core/index.js';

export const enum ImageState {
  Free = 0,
  Held = 1,
  Preparing = 2,
  Abandoned = 3,
}

/** Where the image starts in its buffer: after the state word and a word of padding. */
export const IMAGE_OFFSET = 8;
/** The unit of a first touch: one write a page maps it. */
export const PAGE_BYTES = 4096;
export const MAX_KEPT_BUFFERS = 2;
/** The smallest buffer made: a few MB, so that a small engine's images do not each grow it. */
export const MIN_IMAGE_BUFFER_BYTES = 4 << 20;
/** Int32 index of the state word. */
const STATE = 0;
/** Pages a touching thread maps between looks at whether its buffer was abandoned (1 MiB, about 15 ms on this VM). */
const PAGES_PER_LOOK = 256;

/** The room to make for an image of `imageBytes`: 1.5 times it, so that growing again is rare. */
export function roomFor(imageBytes: number): number {
  assert(Number.isSafeInteger(imageBytes) && imageBytes >= 0, 'image bytes must be a count');
  return Math.ceil((imageBytes * 3) / 2);
}

/** An image buffer's total bytes for `capacityBytes` of image: header included, rounded up to whole pages. */
function bufferBytesFor(capacityBytes: number): number {
  return Math.ceil((IMAGE_OFFSET + capacityBytes) / PAGE_BYTES) * PAGE_BYTES;
}

function stateOf(buffer: SharedArrayBuffer): Int32Array {
  return new Int32Array(buffer, 0, IMAGE_OFFSET >> 2);
}

/**
 * Maps every page of a PREPARING buffer by writing a zero into each (a read would map the
 * shared zero page, and the image's first write would fault again). Stops, false, once the
 * buffer is abandoned; true when every page is mapped.
 */
export function touchPages(buffer: SharedArrayBuffer): boolean {
  assert(buffer.byteLength % PAGE_BYTES === 0, 'image buffers are whole pages');
  const state = stateOf(buffer);
  const bytes = new Uint8Array(buffer);
  for (let at = IMAGE_OFFSET, page = 0; at < bytes.length; at += PAGE_BYTES, page++) {
    if (page % PAGES_PER_LOOK === 0) {
      const now = Atomics.load(state, STATE);
      if (now === ImageState.Abandoned) return false;
      assert(now === ImageState.Preparing, 'only a buffer being prepared is touched');
    }
    bytes[at] = 0;
  }
  return true;
}

/** PREPARING -> FREE: the buffer may take images (its pages mapped or not: untouched ones only cost their first touch). */
export function finishPreparing(buffer: SharedArrayBuffer): void {
  Atomics.compareExchange(stateOf(buffer), STATE, ImageState.Preparing, ImageState.Free);
}

/** The host's side: a function that hands the buffer back to the engine thread, once (later calls do nothing). */
export function imageReleaser(buffer: SharedArrayBuffer): () => void {
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const was = Atomics.compareExchange(stateOf(buffer), STATE, ImageState.Held, ImageState.Free);
    assert(was === ImageState.Held, 'an image buffer is released only while held');
  };
}

export interface ImageBuffer {
  /** Numbered from 1 by the pool that made it. */
  readonly id: number;
  readonly buffer: SharedArrayBuffer;
  readonly state: Int32Array;
  /** The room for images: the buffer after its header. */
  readonly image: Uint8Array<SharedArrayBuffer>;
  /** Its pages were touched before any image went into it (at start, or by a thread of their own). */
  readonly touchedAhead: boolean;
  /** Images written into it so far. */
  imagesTaken: number;
  /** The pool's count of takes when it was last taken (0: never): the most recent is preferred, the least forgotten first. */
  lastTaken: number;
}

/**
 * Whether `a` goes before `b` when a kept buffer must make way: FREE (the smallest first),
 * PREPARING (a spare not ready when needed may not be for a while: its thread gets only
 * idle CPU), HELD (the one taken least recently first).
 */
function evictFirst(a: ImageBuffer, b: ImageBuffer): boolean {
  const rank = (x: ImageBuffer): number => {
    const state = Atomics.load(x.state, STATE);
    return state === ImageState.Free ? 0 : state === ImageState.Preparing ? 1 : 2;
  };
  const rankA = rank(a);
  const rankB = rank(b);
  if (rankA !== rankB) return rankA < rankB;
  return rankA === 0 ? a.image.length < b.image.length : a.lastTaken < b.lastTaken;
}

/** The engine thread's image buffers. */
export class ImageBufferPool {
  private readonly kept: ImageBuffer[] = [];
  private nextId = 1;
  private takes = 0;

  /** Makes a buffer of `capacityBytes` and touches its pages here and now (at start, before commands). */
  prepareNow(capacityBytes: number): ImageBuffer {
    const made = this.make(capacityBytes, ImageState.Preparing, true);
    assert(touchPages(made.buffer), 'a buffer not yet kept is not abandoned');
    finishPreparing(made.buffer);
    this.keep(made);
    return made;
  }

  /**
   * Claims a buffer with room for an image of `imageBytes` (HELD on return): of the FREE
   * ones that fit, the one taken last, so that a host that releases in time keeps one
   * buffer busy and the other spare; else a new one, whose pages the image touches first.
   */
  take(imageBytes: number): ImageBuffer {
    let best: ImageBuffer | undefined;
    for (const b of this.kept) {
      if (b.image.length < imageBytes || Atomics.load(b.state, STATE) !== ImageState.Free) continue;
      if (best === undefined || b.lastTaken > best.lastTaken) best = b;
    }
    if (best === undefined) {
      best = this.make(roomFor(imageBytes), ImageState.Free, false);
      this.keep(best);
    }
    // Only this thread moves a buffer out of FREE: seen FREE above, it is FREE still.
    const was = Atomics.exchange(best.state, STATE, ImageState.Held);
    assert(was === ImageState.Free, 'an image buffer is claimed only when free');
    best.imagesTaken++;
    best.lastTaken = ++this.takes;
    return best;
  }

  /**
   * After an image of `imageBytes` went into `used`: a buffer for the caller to have
   * touched by another thread (PREPARING) when the next image, a third bigger at most,
   * would find no room but `used`, which the host may still hold then. So the next image
   * finds a spare mapped ahead whether the host is slow to release or the state grew. None
   * (undefined) when another kept buffer has that room, or one is on its way.
   */
  prepareAhead(used: ImageBuffer, imageBytes: number): ImageBuffer | undefined {
    const nextBytes = Math.ceil((imageBytes * 4) / 3);
    for (const b of this.kept) {
      if (Atomics.load(b.state, STATE) === ImageState.Preparing) return undefined;
      if (b !== used && b.image.length >= nextBytes) return undefined;
    }
    const made = this.make(roomFor(imageBytes), ImageState.Preparing, true);
    this.keep(made);
    return made;
  }

  /** Buffers kept (at most MAX_KEPT_BUFFERS). */
  get keptCount(): number {
    return this.kept.length;
  }

  private make(capacityBytes: number, state: ImageState, touchedAhead: boolean): ImageBuffer {
    const buffer = new SharedArrayBuffer(bufferBytesFor(capacityBytes));
    const made: ImageBuffer = { id: this.nextId++, buffer, state: stateOf(buffer), image: new Uint8Array(buffer, IMAGE_OFFSET), touchedAhead, imagesTaken: 0, lastTaken: 0 };
    Atomics.store(made.state, STATE, state);
    return made;
  }

  /** Keeps `made`; when full, in place of the buffer `evictFirst` puts first, abandoned if it was being prepared. */
  private keep(made: ImageBuffer): void {
    const kept = this.kept;
    if (kept.length < MAX_KEPT_BUFFERS) {
      kept.push(made);
      return;
    }
    let victim = 0;
    for (let i = 1; i < kept.length; i++) if (evictFirst(kept[i]!, kept[victim]!)) victim = i;
    // Its thread stops touching it within PAGES_PER_LOOK pages; done already, it stays FREE and is just forgotten.
    Atomics.compareExchange(kept[victim]!.state, STATE, ImageState.Preparing, ImageState.Abandoned);
    kept[victim] = made;
    assert(kept.length <= MAX_KEPT_BUFFERS, 'image buffers kept are bounded');
  }
}
