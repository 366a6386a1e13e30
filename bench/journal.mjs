#!/usr/bin/env node
// Journal throughput: appends N records of a command's size in group commits under each
// durability mode, one commit in flight while the next batch is appended (as the runtime
// does), then reads them back with readJournal. Also CRC32C speed on record-sized and
// 64 KiB buffers. Needs a build (`npx tsc -p tsconfig.json`).
//
//   node bench/journal.mjs [--records N] [--batch N] [--payload BYTES] [--dir DIR] [--json]
//
// Prints a table, or with --json one line of JSON. The journal goes to a temp dir under
// os.tmpdir() (or --dir), removed at the end: fsync figures are those of that disk.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32c } from '../dist/src/journal/crc32c.js';
import { Journal } from '../dist/src/journal/journal.js';
import { listSegments, readJournal } from '../dist/src/journal/reader.js';

const args = process.argv.slice(2);
function option(name, fallback) {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : fallback;
}
const records = Number(option('--records', 1_000_000));
const batch = Number(option('--batch', 2000));
const payloadBytes = Number(option('--payload', 96));
const json = args.includes('--json');
if (!(records > 0 && batch > 0 && payloadBytes >= 8)) {
  console.error('usage: node bench/journal.mjs [--records N] [--batch N] [--payload BYTES>=8] [--dir DIR] [--json]');
  process.exit(2);
}
const base = mkdtempSync(join(option('--dir', tmpdir()), 'bourse-journal-bench-'));
const progress = (text) => {
  if (!json) process.stderr.write(text);
};

function crcMegabytesPerSecond(bufferBytes, totalBytes) {
  const bytes = new Uint8Array(bufferBytes);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 131) & 0xff;
  const rounds = Math.ceil(totalBytes / bufferBytes);
  let sink = 0;
  for (let i = 0; i < rounds / 10; i++) sink ^= crc32c(bytes, 0, bytes.length); // warm-up
  const start = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++) sink ^= crc32c(bytes, 0, bytes.length, sink & 1);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (sink === 0.5) console.log(sink); // keeps the loop from being dropped
  return Math.round((rounds * bufferBytes) / seconds / 1e6);
}

async function writeMode(durability) {
  const dir = join(base, durability);
  const payload = new Uint8Array(payloadBytes);
  const view = new DataView(payload.buffer);
  for (let i = 0; i < payloadBytes; i++) payload[i] = i;
  const start = process.hrtime.bigint();
  const journal = Journal.open(dir, { durability });
  let inFlight = null;
  for (let seq = 1; seq <= records; seq++) {
    view.setFloat64(0, seq, true); // each record differs, as commands do
    journal.append(seq, payload);
    if (seq % batch === 0) {
      if (inFlight !== null) await inFlight;
      inFlight = journal.commit();
    }
  }
  if (inFlight !== null) await inFlight;
  await journal.close();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (journal.durableSeq !== records) throw new Error(`durableSeq ${journal.durableSeq}, expected ${records}`);
  return { dir, seconds, commandsPerSec: Math.round(records / seconds), segments: listSegments(dir).length };
}

function readBack(dir) {
  let payloadSum = 0;
  const start = process.hrtime.bigint();
  const result = readJournal(dir, {}, (seq, bytes, offset, length) => {
    payloadSum += bytes[offset] + length;
  });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (result.records !== records || result.lastSeq !== records || payloadSum === 0) throw new Error(`read ${result.records} records to seq ${result.lastSeq}`);
  return { seconds, recordsPerSec: Math.round(records / seconds) };
}

const result = {
  records,
  payloadBytes,
  batch,
  crc32c: { mbPerSec104Bytes: crcMegabytesPerSecond(104, 400e6), mbPerSec64KiB: crcMegabytesPerSecond(65536, 1000e6) },
  write: {},
  read: {},
};
try {
  for (const durability of ['fsync', 'os', 'none']) {
    progress(`${durability}: writing ${records} records... `);
    const written = await writeMode(durability);
    result.write[durability] = { commandsPerSec: written.commandsPerSec, seconds: Number(written.seconds.toFixed(3)), segments: written.segments };
    const read = readBack(written.dir);
    result.read[durability] = { recordsPerSec: read.recordsPerSec, seconds: Number(read.seconds.toFixed(3)) };
    progress(`${written.commandsPerSec} commands/s, read ${read.recordsPerSec} records/s\n`);
    rmSync(written.dir, { recursive: true, force: true });
  }
} finally {
  rmSync(base, { recursive: true, force: true });
}

if (json) {
  console.log(JSON.stringify(result));
} else {
  console.log(`crc32c: ${result.crc32c.mbPerSec104Bytes} MB/s on 104-byte buffers, ${result.crc32c.mbPerSec64KiB} MB/s on 64 KiB`);
  console.log(`${records} records of ${payloadBytes} bytes, a commit every ${batch}, one in flight`);
  console.log('mode    commands/s    write s   segments   read records/s   read s');
  for (const mode of Object.keys(result.write)) {
    const w = result.write[mode];
    const r = result.read[mode];
    console.log(`${mode.padEnd(6)} ${String(w.commandsPerSec).padStart(11)} ${w.seconds.toFixed(3).padStart(10)} ${String(w.segments).padStart(10)} ${String(r.recordsPerSec).padStart(16)} ${r.seconds.toFixed(3).padStart(8)}`);
  }
}
