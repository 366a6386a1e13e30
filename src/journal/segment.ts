// The journal's file format: what the writer (journal.ts) lays down and the reader
// (reader.ts) checks. A journal is a directory of segment files, each named by the first
// seq it holds, `<firstSeq as 20-digit zero-padded decimal>.journal`, so that sorting the
// names sorts the seqs. Seqs are safe integers, consecutive (+1) across the whole journal,
// starting at 1. Little-endian throughout; integers are IEEE-754 doubles as in the command
// record (command-codec.ts), exact for every safe integer.
//
// Segment header, 32 bytes:
//
//    0        4         6          8                  16        20                  32
//    +--------+---------+----------+------------------+---------+-------------------+
//    | "BRSJ" | version | reserved | firstSeq (f64)   | crc32c  | zero padding      |
//    |        | u16 = 1 | u16 = 0  |                  | u32     |                   |
//    +--------+---------+----------+------------------+---------+-------------------+
//    crc32c: over bytes 0..16.
//
// Then records, back to back from byte 32, each starting on a multiple of 8:
//
//    0                   4                8                 16
//    +-------------------+----------------+-----------------+------------------+----------+
//    | payloadLength u32 | crc32c u32     | seq (f64)       | payload          | zero pad |
//    +-------------------+----------------+-----------------+------------------+----------+
//    crc32c: over bytes 8..16 + payloadLength (the seq and the payload).
//    zero pad: 0-7 bytes, to the next multiple of 8. payloadLength <= 64 KiB.
//
// The checksum leaves the length out: a flipped length moves the checked range, which fails
// the CRC as surely as a flipped payload byte, and one CRC over one contiguous run is what
// the writer can compute without a copy. The padding, which no CRC covers, must be zero.
//
// The payload is opaque here: the command record of command-codec.ts, in practice.

import { assert } from '../core/index.js';
import { crc32c } from './crc32c.js';

// Byte offsets and sizes of the format above (a journal format: none of these ever moves).

/** Offsets in a segment header, and its size. */
export const enum SegmentHeader {
  Magic = 0,
  Version = 4,
  Reserved = 6,
  FirstSeq = 8,
  /** The header's checksum, over the bytes before it. */
  Checksum = 16,
  Bytes = 32,
}

/** Offsets in a record. */
export const enum RecordHeader {
  Length = 0,
  Checksum = 4,
  Seq = 8,
  /** Where the payload starts: the size of the record's header. */
  Payload = 16,
}

export const enum Format {
  /** "BRSJ" read as a little-endian u32. */
  Magic = 0x4a535242,
  Version = 1,
  MaxPayloadBytes = 65536,
}

export const SEGMENT_HEADER_BYTES = SegmentHeader.Bytes;
export const RECORD_HEADER_BYTES = RecordHeader.Payload;
export const MAX_PAYLOAD_BYTES = Format.MaxPayloadBytes;
export const SEGMENT_VERSION = Format.Version;
export const SEGMENT_SUFFIX = '.journal';

const NAME_DIGITS = 20;
const SEGMENT_NAME = /^[0-9]{20}\.journal$/;

/** The file name of the segment whose first record is `firstSeq`. */
export function segmentFileName(firstSeq: number): string {
  assert(Number.isSafeInteger(firstSeq), 'segment: firstSeq must be a safe integer');
  assert(firstSeq >= 1, 'segment: firstSeq must be at least 1');
  return String(firstSeq).padStart(NAME_DIGITS, '0') + SEGMENT_SUFFIX;
}

/**
 * The first seq a segment file name says, or -1 if `name` is not a segment's name (other
 * files in a journal's directory are left alone).
 */
export function parseSegmentFileName(name: string): number {
  if (!SEGMENT_NAME.test(name)) return -1;
  const firstSeq = Number(name.slice(0, NAME_DIGITS));
  if (!Number.isSafeInteger(firstSeq) || firstSeq < 1) return -1;
  return firstSeq;
}

/** The bytes a record with `payloadLength` bytes of payload takes, padding included. */
export function recordBytes(payloadLength: number): number {
  return RecordHeader.Payload + ((payloadLength + 7) & ~7);
}

/** Writes a segment header for `firstSeq` at bytes[0..32). */
export function encodeHeader(bytes: Uint8Array, view: DataView, firstSeq: number): void {
  assert(bytes.buffer === view.buffer, 'segment: bytes and view must share a buffer');
  assert(Number.isSafeInteger(firstSeq), 'segment: firstSeq must be a safe integer');
  assert(firstSeq >= 1, 'segment: firstSeq must be at least 1');
  view.setUint32(SegmentHeader.Magic, Format.Magic, true);
  view.setUint16(SegmentHeader.Version, Format.Version, true);
  view.setUint16(SegmentHeader.Reserved, 0, true);
  view.setFloat64(SegmentHeader.FirstSeq, firstSeq, true);
  view.setUint32(SegmentHeader.Checksum, crc32c(bytes, 0, SegmentHeader.Checksum), true);
  bytes.fill(0, SegmentHeader.Checksum + 4, SegmentHeader.Bytes);
}

/** What checkHeader found. The order of the checks is the order of the members. */
export const enum HeaderCheck {
  Ok,
  /** Fewer than 32 bytes. */
  Short,
  BadMagic,
  BadChecksum,
  BadVersion,
  /** The checksum holds but firstSeq is not a safe integer >= 1, or padding is not zero. */
  BadFields,
}

/** Checks the header at the start of a segment of `length` bytes. */
export function checkHeader(bytes: Uint8Array, view: DataView, length: number): HeaderCheck {
  assert(length <= bytes.length, 'segment: length must not pass the buffer');
  if (length < SegmentHeader.Bytes) return HeaderCheck.Short;
  if (view.getUint32(SegmentHeader.Magic, true) !== Format.Magic) return HeaderCheck.BadMagic;
  if (view.getUint32(SegmentHeader.Checksum, true) !== crc32c(bytes, 0, SegmentHeader.Checksum)) return HeaderCheck.BadChecksum;
  if (view.getUint16(SegmentHeader.Version, true) !== Format.Version) return HeaderCheck.BadVersion;
  const firstSeq = view.getFloat64(SegmentHeader.FirstSeq, true);
  if (!Number.isSafeInteger(firstSeq) || firstSeq < 1) return HeaderCheck.BadFields;
  if (view.getUint16(SegmentHeader.Reserved, true) !== 0) return HeaderCheck.BadFields;
  for (let i = SegmentHeader.Checksum + 4; i < SegmentHeader.Bytes; i++) if (bytes[i] !== 0) return HeaderCheck.BadFields;
  return HeaderCheck.Ok;
}

/** The firstSeq of a header that passed checkHeader. */
export function headerFirstSeq(view: DataView): number {
  return view.getFloat64(SegmentHeader.FirstSeq, true);
}

export function headerCheckReason(check: HeaderCheck): string {
  switch (check) {
    case HeaderCheck.Ok: return 'header is valid';
    case HeaderCheck.Short: return 'segment header is cut short';
    case HeaderCheck.BadMagic: return 'segment header does not start with "BRSJ"';
    case HeaderCheck.BadChecksum: return 'segment header fails its checksum';
    case HeaderCheck.BadVersion: return `segment format version is not ${Format.Version}`;
    case HeaderCheck.BadFields: return 'segment header holds a bad firstSeq or nonzero reserved bytes';
  }
}

/**
 * Completes the record for `seq` whose `payloadLength` bytes of payload the caller has put
 * at `at` + 16: writes its length, seq, zero padding and checksum, and returns the bytes the
 * record takes. (The writer copies the payload itself, the fastest way its source allows.)
 */
export function sealRecord(bytes: Uint8Array, view: DataView, at: number, seq: number, payloadLength: number): number {
  const size = recordBytes(payloadLength);
  const payloadEnd = at + RecordHeader.Payload + payloadLength;
  view.setUint32(at + RecordHeader.Length, payloadLength, true);
  view.setFloat64(at + RecordHeader.Seq, seq, true);
  for (let i = payloadEnd; i < at + size; i++) bytes[i] = 0;
  view.setUint32(at + RecordHeader.Checksum, crc32c(bytes, at + RecordHeader.Seq, payloadEnd), true);
  return size;
}

/** What checkRecord found at an offset. The order of the checks is the order of the members. */
export const enum RecordCheck {
  Ok,
  /** The offset is the end of the segment: no record, nothing wrong. */
  End,
  /** The record runs past the end of the segment. */
  Partial,
  /** payloadLength is over 64 KiB. */
  BadLength,
  BadChecksum,
  /** The record is whole and its checksum holds, but its seq is not the one expected. */
  BadSeq,
  /** The record is whole and its checksum holds, but its padding is not zero. */
  BadPadding,
}

/** Checks the record at `at` of a segment that ends at `end`, expected to hold `expectedSeq`. */
export function checkRecord(bytes: Uint8Array, view: DataView, at: number, end: number, expectedSeq: number): RecordCheck {
  if (at === end) return RecordCheck.End;
  if (at + RecordHeader.Payload > end) return RecordCheck.Partial;
  const length = view.getUint32(at + RecordHeader.Length, true);
  if (length > Format.MaxPayloadBytes) return RecordCheck.BadLength;
  const size = recordBytes(length);
  if (at + size > end) return RecordCheck.Partial;
  const payloadEnd = at + RecordHeader.Payload + length;
  if (view.getUint32(at + RecordHeader.Checksum, true) !== crc32c(bytes, at + RecordHeader.Seq, payloadEnd)) return RecordCheck.BadChecksum;
  if (view.getFloat64(at + RecordHeader.Seq, true) !== expectedSeq) return RecordCheck.BadSeq;
  for (let i = payloadEnd; i < at + size; i++) if (bytes[i] !== 0) return RecordCheck.BadPadding;
  return RecordCheck.Ok;
}

export function recordCheckReason(check: RecordCheck, view: DataView, at: number): string {
  switch (check) {
    case RecordCheck.Ok: return 'record is valid';
    case RecordCheck.End: return 'end of segment';
    case RecordCheck.Partial: return 'record is cut short by the end of the segment';
    case RecordCheck.BadLength: return `record length ${view.getUint32(at + RecordHeader.Length, true)} is over ${Format.MaxPayloadBytes}`;
    case RecordCheck.BadChecksum: return 'record fails its checksum';
    case RecordCheck.BadSeq: return `record holds seq ${view.getFloat64(at + RecordHeader.Seq, true)}`;
    case RecordCheck.BadPadding: return 'record padding is not zero';
  }
}

/**
 * The offset of the first valid record after the bad one at `from`, or -1 if there is none:
 * what tells a torn tail (nothing valid follows) from damage in the middle. Records start on
 * multiples of 8, so every such offset is tried; one that is not the start of a record
 * fails the CRC (a chance of 2^-32 each). The seq a record there could hold is bounded
 * (each record takes at least 16 bytes), which keeps the CRC off almost every offset of a
 * garbage or zeroed tail.
 */
export function findValidRecord(bytes: Uint8Array, view: DataView, from: number, end: number, expectedSeq: number): number {
  for (let at = from + 8; at + RecordHeader.Payload <= end; at += 8) {
    const seq = view.getFloat64(at + RecordHeader.Seq, true);
    if (!(seq >= expectedSeq && seq <= expectedSeq + ((at - from) >> 4) + 1)) continue;
    if (!Number.isInteger(seq)) continue;
    if (checkRecord(bytes, view, at, end, seq) === RecordCheck.Ok) return at;
  }
  return -1;
}
