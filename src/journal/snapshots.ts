// Snapshot files: the engine's whole state at a sequence number, so that recovery replays
// only the journal after it. One file a snapshot, `<seq, 20 digits>.snapshot` in the
// snapshot directory:
//
//    0       4      6      8            16           32             40        44        48
//    +-------+------+------+------------+------------+--------------+---------+---------+
//    | BRSS  | ver  | rsv  | seq (f64)  | stateHash  | bytes (f64)  | crc     | hdr crc |
//    +-------+------+------+------------+------------+--------------+---------+---------+
//   48  the engine's snapshot bytes (core/snapshot.ts), `bytes` of them
//
// stateHash is the engine's 128-bit state hash (32 hex digits) as 16 bytes; crc is the
// CRC32C of the snapshot bytes, hdr crc that of the 44 bytes before it. A file is written
// under a temporary name, synced, renamed and its directory synced, so a crash leaves
// either the whole snapshot or none. A file that fails its checks is skipped by `latest`
// and reported, never trusted: the journal alone can always rebuild the state.

import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, unlinkSync } from 'node:fs';
import { open, rename, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { assert } from '../core/index.js';
import { crc32c } from './crc32c.js';

const MAGIC = 0x53535242; // 'BRSS' little-endian
const VERSION = 1;
const HEADER_BYTES = 48;
const SUFFIX = '.snapshot';

export interface SnapshotFile {
  file: string;
  seq: number;
  stateHash: string;
  /** The engine's snapshot bytes (for Engine.restore). */
  bytes: Uint8Array;
}

export interface SnapshotListing {
  file: string;
  seq: number;
}

export interface SnapshotProblem {
  file: string;
  problem: string;
}

function fileName(seq: number): string {
  return String(seq).padStart(20, '0') + SUFFIX;
}

/** Snapshot files in `dir`, oldest first (by the seq in their names). */
export function listSnapshots(dir: string): SnapshotListing[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const out: SnapshotListing[] = [];
  for (const name of names) {
    if (!name.endsWith(SUFFIX)) continue;
    const seq = Number(name.slice(0, -SUFFIX.length));
    if (Number.isSafeInteger(seq)) out.push({ file: join(dir, name), seq });
  }
  return out.sort((a, b) => a.seq - b.seq);
}

/** The header of a snapshot file for the engine's `bytes`: the file is this, then `bytes`. */
function encodeSnapshotHeader(seq: number, stateHash: string, bytes: Uint8Array): Uint8Array {
  assert(Number.isSafeInteger(seq) && seq >= 0, 'snapshot seq must be a safe integer');
  assert(/^[0-9a-f]{32}$/.test(stateHash), 'state hash must be 32 hex digits');
  const out = new Uint8Array(HEADER_BYTES);
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint16(4, VERSION, true);
  view.setFloat64(8, seq, true);
  for (let i = 0; i < 16; i++) out[16 + i] = parseInt(stateHash.slice(i * 2, i * 2 + 2), 16);
  view.setFloat64(32, bytes.length, true);
  view.setUint32(40, crc32c(bytes, 0, bytes.length), true);
  view.setUint32(44, crc32c(out, 0, 44), true);
  return out;
}

/** The file image of a snapshot: header, then the engine's bytes. */
export function encodeSnapshotFile(seq: number, stateHash: string, bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(HEADER_BYTES + bytes.length);
  out.set(encodeSnapshotHeader(seq, stateHash, bytes));
  out.set(bytes, HEADER_BYTES);
  return out;
}

/** Checks a file image; the snapshot, or a string saying what is wrong with it. */
export function decodeSnapshotFile(file: string, image: Uint8Array): SnapshotFile | string {
  if (image.length < HEADER_BYTES) return `${image.length} bytes, shorter than a header`;
  const view = new DataView(image.buffer, image.byteOffset, image.byteLength);
  if (view.getUint32(0, true) !== MAGIC) return 'not a snapshot file (bad magic)';
  if (view.getUint32(44, true) !== crc32c(image, 0, 44)) return 'header checksum mismatch';
  const version = view.getUint16(4, true);
  if (version !== VERSION) return `snapshot file version ${version} is not supported`;
  const seq = view.getFloat64(8, true);
  const length = view.getFloat64(32, true);
  if (image.length !== HEADER_BYTES + length) return `holds ${image.length - HEADER_BYTES} bytes of state, its header says ${length}`;
  const bytes = image.subarray(HEADER_BYTES);
  if (view.getUint32(40, true) !== crc32c(bytes, 0, bytes.length)) return 'state checksum mismatch';
  let stateHash = '';
  for (let i = 0; i < 16; i++) stateHash += image[16 + i]!.toString(16).padStart(2, '0');
  return { file, seq, stateHash, bytes };
}

/**
 * Writes a snapshot durably: temporary file, fsync, rename, fsync of the directory. Async,
 * so the thread that feeds the engine goes on while the disk works. The header and `bytes`
 * are written each from where they are: no file image is put together in memory, which
 * would cost this thread a fresh buffer of the image's size (its pages' first touch, some
 * 400 ms for 106 MB on our VM) and a copy.
 */
export async function writeSnapshot(dir: string, seq: number, stateHash: string, bytes: Uint8Array): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const header = encodeSnapshotHeader(seq, stateHash, bytes);
  const path = join(dir, fileName(seq));
  const temporary = `${path}.tmp`;
  const handle = await open(temporary, 'w');
  try {
    await writeAll(handle, header, 0);
    await writeAll(handle, bytes, HEADER_BYTES);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporary, path);
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return path;
}

/** Writes all of `bytes` at `position`: a write may take less than it is given. */
async function writeAll(handle: FileHandle, bytes: Uint8Array, position: number): Promise<void> {
  for (let done = 0; done < bytes.length; ) {
    const { bytesWritten } = await handle.write(bytes, done, bytes.length - done, position + done);
    assert(bytesWritten > 0, 'a write to a file makes progress');
    done += bytesWritten;
  }
}

/**
 * The newest snapshot that passes its checks, at or below `maxSeq` (a snapshot past the
 * journal's end cannot be trusted: the commands it covers are gone). Files skipped on the
 * way are reported in `problems`.
 */
export function latestSnapshot(dir: string, maxSeq = Infinity): { snapshot?: SnapshotFile; problems: SnapshotProblem[] } {
  const problems: SnapshotProblem[] = [];
  const files = listSnapshots(dir).reverse();
  for (const { file, seq } of files) {
    if (seq > maxSeq) {
      problems.push({ file, problem: `covers seq ${seq}, past the journal's last ${maxSeq}` });
      continue;
    }
    const image = readFileSync(file);
    const decoded = decodeSnapshotFile(file, new Uint8Array(image.buffer, image.byteOffset, image.byteLength));
    if (typeof decoded === 'string') {
      problems.push({ file, problem: decoded });
      continue;
    }
    if (decoded.seq !== seq) {
      problems.push({ file, problem: `named for seq ${seq} but holds seq ${decoded.seq}` });
      continue;
    }
    return { snapshot: decoded, problems };
  }
  return { problems };
}

/** Deletes all but the newest `keep` snapshots, and leftover temporary files. */
export function pruneSnapshots(dir: string, keep: number): void {
  assert(keep >= 1, 'keep at least one snapshot');
  const files = listSnapshots(dir);
  for (let i = 0; i < files.length - keep; i++) unlinkSync(files[i]!.file);
  for (const name of readdirSync(dir)) if (name.endsWith(`${SUFFIX}.tmp`)) unlinkSync(join(dir, name));
}
