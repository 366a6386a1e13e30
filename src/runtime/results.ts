// What passes between the engine host (main thread) and the engine thread besides command
// records: result records in the result ring, control records in the command ring, and the
// few messages that go by postMessage. Layouts are little-endian, as DataView writes them;
// the event words are float64 in the platform's order, which Node has little-endian on
// every platform it runs on (asserted below), so both threads read them as Float64Array.
//
// A result record: one per command, in the order applied (several for a command with a
// lot of events: see RESULT_PART).
//
//    0                     8             12            16
//    +---------------------+-------------+-------------+--------------------------------+
//    | seq (f64)           | code (u32)  | wordCount   | event words (f64 x wordCount)  |
//    +---------------------+-------------+-------------+--------------------------------+
//
//   seq        the command's seq
//   code       its Reject code, 0 = accepted
//   wordCount  how many event words follow: the engine's `events.words[0, events.end)`
//              for this command, to be walked by kind (eventWords(kind) words an event)
//
// A command whose events do not fit one record (a mass cancel of a big book) is split at
// word boundaries into records of at most `maxResultPartWords` words, all with its seq;
// every one but the last carries code RESULT_PART, the last the command's code. The host
// joins them, so that its callers see one result a command.
//
// A control record: asks the engine thread for a snapshot, a state hash or to stop, at
// a well-defined point of the command stream: after every command before it, before any
// after it.
//
//    0      2      4             8                     16
//    +------+------+-------------+---------------------+
//    | kind | 0    | length (16) | requestId (f64)     |
//    +------+------+-------------+---------------------+
//
// Its kind sits where a command record has its CommandKind (a u16), in a range that no
// CommandKind uses (those are 1..Limits.COMMAND_KIND_MAX, 28 now; control kinds start at
// 0xfff0); the engine thread answers a snapshot or state hash by
// postMessage with the request id, and a stop by ending once every record before it is done.

import type { EngineOptions } from '../core/index.js';
import { assert, Limits } from '../core/index.js';

export const R_SEQ = 0;
export const R_CODE = 8;
export const R_WORD_COUNT = 12;
export const RESULT_HEADER_BYTES = 16;
/** The code of every part of a split result but the last: not a Reject code. */
export const RESULT_PART = 0xffff_ffff;

/** The bytes of a result record of `wordCount` event words. */
export function resultBytes(wordCount: number): number {
  return RESULT_HEADER_BYTES + wordCount * 8;
}

/** The most event words one result record carries in a ring that takes payloads of `maxPayloadBytes`. */
export function maxResultPartWords(maxPayloadBytes: number): number {
  // A quarter of the ring at most: a part must not wait for the ring to be nearly empty.
  const words = ((maxPayloadBytes >> 1) - RESULT_HEADER_BYTES) >> 3;
  assert(words >= 1, 'result ring too small for a result record');
  return words;
}

export function writeResultHeader(view: DataView, at: number, seq: number, code: number, wordCount: number): void {
  view.setFloat64(at + R_SEQ, seq, true);
  view.setUint32(at + R_CODE, code, true);
  view.setUint32(at + R_WORD_COUNT, wordCount, true);
}

export function resultSeq(view: DataView, at: number): number {
  return view.getFloat64(at + R_SEQ, true);
}

export function resultCode(view: DataView, at: number): number {
  return view.getUint32(at + R_CODE, true);
}

export function resultWordCount(view: DataView, at: number): number {
  return view.getUint32(at + R_WORD_COUNT, true);
}

// ---------------------------------------------------------------- control records

export const enum ControlKind {
  Snapshot = 0xfff0,
  StateHash = 0xfff1,
  Stop = 0xfff2,
}
/** The lowest u16 kind that is a control record, not a command. */
export const CONTROL_KIND_MIN = 0xfff0;
assert(Limits.COMMAND_KIND_MAX < CONTROL_KIND_MIN, 'control kinds lie above every command kind');
export const CONTROL_RECORD_BYTES = 16;
const C_KIND = 0;
const C_LENGTH = 4;
const C_REQUEST_ID = 8;

export function writeControl(view: DataView, at: number, kind: ControlKind, requestId: number): void {
  view.setUint16(at + C_KIND, kind, true);
  view.setUint16(at + 2, 0, true);
  view.setUint32(at + C_LENGTH, CONTROL_RECORD_BYTES, true);
  view.setFloat64(at + C_REQUEST_ID, requestId, true);
}

/** The kind field of any record in the command ring: a CommandKind or a ControlKind. */
export function recordKind(view: DataView, at: number): number {
  return view.getUint16(at + C_KIND, true);
}

export function controlLength(view: DataView, at: number): number {
  return view.getUint32(at + C_LENGTH, true);
}

export function controlRequestId(view: DataView, at: number): number {
  return view.getFloat64(at + C_REQUEST_ID, true);
}

// ---------------------------------------------------------------- messages

/** What the engine thread is started with. */
export interface EngineWorkerData {
  commandRing: SharedArrayBuffer;
  resultRing: SharedArrayBuffer;
  /** Restore from this snapshot instead of starting empty. */
  snapshot?: Uint8Array;
  engine?: EngineOptions;
  /** Room for snapshot images: a buffer this big is made and its pages touched before 'ready' (image-buffers.ts); 0: none. */
  imageBufferBytes: number;
}

/** What the engine thread posts: rare, never per command. */
export type WorkerMessage =
  | { type: 'ready'; seq: number }
  /** The image is `buffer[offset, offset + length)`, HELD until the host releases it (image-buffers.ts). */
  | { type: 'snapshot'; requestId: number; seq: number; buffer: SharedArrayBuffer; offset: number; length: number; bufferId: number; bufferFresh: boolean; stallNs: number }
  /** A new image buffer, PREPARING: the host has its pages touched on a thread of their own. */
  | { type: 'prefault'; buffer: SharedArrayBuffer }
  | { type: 'stateHash'; requestId: number; seq: number; stateHash: string }
  | { type: 'fatal'; name: string; message: string; stack: string };

// Event words are copied as float64 and read back as float64 through Float64Array views
// on both threads; the record header through DataView as little-endian. Both must agree.
assert(new Uint8Array(new Float64Array([1]).buffer)[7] === 0x3f, 'the platform must be little-endian');
