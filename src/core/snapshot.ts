// Snapshot, restore and the state hash of the whole core.
//
// A snapshot is an exact image: every pool, index, side and free list is copied as it is,
// so a restored engine is the same machine and goes on producing the same events. Layout:
//
//   u32 magic 'BRSN' | u32 version | u32 header bytes | header (JSON, UTF-8) | pad to 8
//   then each array of the header's `arrays` list, in order, its bytes padded to 8.
//
// Padding is zeros. An image is planned (measured) and then written into memory the caller
// gives (`planSnapshot`, `snapshotInto`), so that the engine thread can reuse one buffer
// whose pages are already mapped rather than fault in fresh ones (runtime/image-buffers.ts).
//
// The state hash is canonical instead: it walks what matters to behaviour (instruments,
// each side best first, each level in time priority, every order's fields, account lists,
// counters) and ignores where things happen to sit in memory, so an engine restored from a
// snapshot, one rebuilt by replay, and one on another machine agree.

import { assert } from './assert.js';
import { Bal } from './balances.js';
import { Book, BookSide } from './book.js';
import { Engine } from './engine.js';
import { StateHasher } from './hash.js';
import { Cold, Hot, Link, Mark } from './orders.js';
import { Basis } from './perp/mark.js';
import { Bracket } from './perp/brackets.js';
import { PERP_INSTRUMENT_ARRAYS } from './perp/perps.js';
import { Kept } from './perp/margin-stream.js';

const MAGIC = 0x4e535242; // 'BRSN' little-endian
// 8: the margin stream's cursor (where a budgeted MarginSweep goes on); a version 7 image
// restores with cursor 0. 7: the margin stream (perp/margin-stream.ts: its marks and the figures it last wrote);
// 6: isolated margin (its arrays, once an account chose it); 5: perpetuals; 4: the client
// order id index's displaced counts, locks no longer stored. Version 5 and 6 images restore
// (they hold no isolated margin, or no stream: the next sweep looks at every account, and
// writes each one's figures as news); a build before 7 refuses a version 7 image rather than
// drop the figures a stream last wrote.
const VERSION = 8;
const OLDEST_VERSION = 5;

type NumericArray = Float64Array | Int32Array | Uint8Array;
type OwnedArray = Float64Array<ArrayBuffer> | Int32Array<ArrayBuffer> | Uint8Array<ArrayBuffer>;

interface Header {
  scalars: Record<string, number>;
  instruments: { spec: ReturnType<Engine['instruments']['spec']>; lastPrice: number }[];
  assets: ReturnType<Engine['assets']['spec']>[];
  arrays: { name: string; type: 'f64' | 'i32' | 'u8'; length: number }[];
}

function typeOf(a: NumericArray): 'f64' | 'i32' | 'u8' {
  return a instanceof Float64Array ? 'f64' : a instanceof Int32Array ? 'i32' : 'u8';
}

/** The arrays of an engine by name, each cut to the part in use. */
function arraysOf(engine: Engine): [string, NumericArray][] {
  const pool = engine.pool;
  const book = engine.book;
  const used = pool.highWater;
  const levels = book.levelHighWater;
  const out: [string, NumericArray][] = [
    ['order.hot', pool.u8.subarray(0, used * Hot.BYTES)],
    ['order.cold', pool.cold.subarray(0, used * Cold.WORDS)],
    ['level.price', book.levelPrice.subarray(0, levels)],
    ['level.qty', book.levelQty.subarray(0, levels)],
    ['level.head', book.levelHead.subarray(0, levels)],
    ['level.tail', book.levelTail.subarray(0, levels)],
    ['level.orders', book.levelOrders.subarray(0, levels)],
    ['level.side', book.levelSide.subarray(0, levels)],
    ['index.byId.direct', engine.byId.direct],
    ['index.byId.overflow', engine.byId.overflow.table],
    ['index.byClientId.direct', engine.byClientId.direct],
    ['index.byClientId.overflow', engine.byClientId.overflow.table],
    ['index.byClientId.displaced', engine.byClientId.displaced],
    ...accountArrays(engine),
    ['gtd.timeUs', engine.gtdTimeUs.subarray(0, engine.gtdCount)],
    ...balanceArrays(engine),
    ['gtd.orderId', engine.gtdOrderId.subarray(0, engine.gtdCount)],
    ...perpArrays(engine),
  ];
  for (const instrumentId of engine.instruments.ids) {
    const first = instrumentId * BookSide.PER_INSTRUMENT;
    for (let s = first; s < first + BookSide.PER_INSTRUMENT; s++) {
      const n = book.sideCount[s]!;
      out.push([`side.${s}.keys`, book.sideKeys[s]!.subarray(0, n)]);
      out.push([`side.${s}.levels`, book.sideLevels[s]!.subarray(0, n)]);
    }
  }
  return out;
}

/**
 * Account tables are indexed by account id and may be large and mostly empty: only the
 * accounts with a non-default STP mode or open orders are written, as (id, stp, head).
 */
function accountArrays(engine: Engine): [string, NumericArray][] {
  const ids: number[] = [];
  for (let a = 0; a < engine.accountHead.length; a++) {
    if (engine.accountHead[a] !== Link.NIL || (a < engine.accountStp.length && engine.accountStp[a] !== 0)) ids.push(a);
  }
  return [
    ['account.id', Int32Array.from(ids)],
    ['account.stp', Uint8Array.from(ids, (a) => engine.accountStp[a] ?? 0)],
    ['account.head', Int32Array.from(ids, (a) => engine.accountHead[a]!)],
    ['account.size', Int32Array.of(engine.accountHead.length)],
  ];
}

/**
 * A snapshot measured but not yet written: its header and the engine's arrays as they are
 * now. It is good only until the engine changes (a command may grow or move an array), so
 * plan and write with nothing applied between.
 */
export interface SnapshotPlan {
  /** The bytes the image takes: `snapshotInto` writes exactly these. */
  readonly byteLength: number;
  readonly engine: Engine;
  /** The engine's lastSeq when planned: a cheap check that nothing was applied since. */
  readonly lastSeq: number;
  readonly json: Uint8Array;
  readonly arrays: readonly (readonly [string, NumericArray])[];
}

const pad8 = (n: number): number => (n + 7) & ~7;
const PREAMBLE_BYTES = 12;

/** Measures the image of `engine`, so that a caller can find room for it (`snapshotInto`). */
export function planSnapshot(engine: Engine): SnapshotPlan {
  const arrays = arraysOf(engine);
  const header: Header = {
    scalars: {
      nowUs: engine.nowUs,
      lastSeq: engine.lastSeq,
      nextOrderId: engine.nextOrderId,
      nextTradeId: engine.nextTradeId,
      tradeCount: engine.tradeCount,
      filledQty: engine.filledQty,
      notional: engine.notional,
      poolHighWater: engine.pool.highWater,
      poolFreeHead: engine.pool.freeHead,
      poolLive: engine.pool.live,
      levelHighWater: engine.book.levelHighWater,
      levelFreeHead: engine.book.levelFreeHead,
      levelsLive: engine.book.levelsLive,
      byIdCount: engine.byId.count,
      byIdOverflowCount: engine.byId.overflow.count,
      byClientIdCount: engine.byClientId.count,
      byClientIdOverflowCount: engine.byClientId.overflow.count,
      gtdCount: engine.gtdCount,
      balanceRows: engine.balances.rows,
      balanceStride: engine.balances.stride,
      transferCount: engine.balances.transfers.count,
      defaultMakerFeePpm: engine.settlement.defaultMakerFeePpm,
      defaultTakerFeePpm: engine.settlement.defaultTakerFeePpm,
      feeAccountId: engine.settlement.feeAccountId,
      venueKilled: engine.risk.venueKilled,
      riskCounting: engine.risk.counting ? 1 : 0,
      defaultMaxOpen: engine.risk.defaultMaxOpen,
      defaultMaxConditional: engine.risk.defaultMaxConditional,
      perpRows: engine.perps.rows,
    },
    instruments: engine.instruments.ids.map((id) => ({ spec: engine.instruments.spec(id), lastPrice: engine.instruments.lastPrice[id]! })),
    assets: engine.assets.ids.map((id) => engine.assets.spec(id)),
    arrays: arrays.map(([name, a]) => ({ name, type: typeOf(a), length: a.length })),
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  let byteLength = pad8(PREAMBLE_BYTES + json.length);
  for (const [, a] of arrays) byteLength += pad8(a.byteLength);
  return { byteLength, engine, lastSeq: engine.lastSeq, json, arrays };
}

/**
 * Writes the image of `plan` into `target[0, plan.byteLength)` and returns its length; the
 * bytes after it are left as they are. Padding is written as zeros, so the image is the
 * same byte for byte whatever `target` held before (a reused buffer holds an old image).
 */
/** Balances: each row's account and words (rows by when the account first held value), the asset totals, the transfer ids. */
function balanceArrays(engine: Engine): [string, NumericArray][] {
  const b = engine.balances;
  return [
    ['balance.rowAccount', b.rowAccount.subarray(0, b.rows)],
    ['balance.words', b.words.subarray(0, b.rows * b.stride * 2)],
    ['balance.deposited', b.deposited],
    ['balance.withdrawn', b.withdrawn],
    ['transfer.ids', b.transfers.table],
    ['fees.maker', engine.settlement.makerFeePpm],
    ['fees.taker', engine.settlement.takerFeePpm],
    ['risk.filtered', engine.risk.filtered],
    ['risk.bandUpPpm', engine.risk.bandUpPpm],
    ['risk.bandDownPpm', engine.risk.bandDownPpm],
    ['risk.minNotional', engine.risk.minNotional],
    ['risk.maxNotional', engine.risk.maxNotional],
    ['risk.maxMarketQty', engine.risk.maxMarketQty],
    ['risk.maxOpen', engine.risk.maxOpen],
    ['risk.maxOpenConditional', engine.risk.maxOpenConditional],
    ['risk.instrumentKilled', engine.risk.instrumentKilled],
    ['risk.accountKilled', engine.risk.accountKilled],
    ['risk.accountMaxOpen', engine.risk.accountMaxOpen],
    ['risk.accountMaxConditional', engine.risk.accountMaxConditional],
    ['breaker.movePpm', engine.risk.breakerMovePpm],
    ['breaker.windowUs', engine.risk.breakerWindowUs],
    ['breaker.cooldownUs', engine.risk.breakerCooldownUs],
    ['breaker.haltStatus', engine.risk.breakerHaltStatus],
    ['breaker.windowStartUs', engine.risk.breakerWindowStartUs],
    ['breaker.reference', engine.risk.breakerReference],
    ['breaker.lastSeen', engine.risk.breakerLastSeen],
    ['breaker.untilUs', engine.risk.breakerUntilUs],
  ];
}

/**
 * Perpetuals: each per-instrument array whole, the brackets, and the (account, perpetual)
 * cells of the rows in use. Columns follow from the order the perpetuals were listed in.
 */
function perpArrays(engine: Engine): [string, NumericArray][] {
  const p = engine.perps;
  // None without perpetuals: such an engine's image is what it was before them.
  if (p.ids.length === 0) return [];
  return [
    ...PERP_INSTRUMENT_ARRAYS.map((name): [string, NumericArray] => [`perp.${name}`, p[name]]),
    ['perp.basis', p.basis],
    ['perp.bracket.count', p.brackets.count],
    ['perp.bracket.cap', p.brackets.cap],
    ['perp.bracket.maxLeverage', p.brackets.maxLeverage],
    ['perp.bracket.mmrPpm', p.brackets.mmrPpm],
    ['perp.bracket.cum', p.brackets.cum],
    ['perp.rowAccount', p.rowAccount.subarray(0, p.rows)],
    ['perp.cells', p.cellsImage()],
    // Hedge mode's row modes (SHORT rows, LONG rows): only once an account has chosen it, so an image without is as it was.
    ...(p.hedgeRows !== 0 ? [['perp.rowMode', p.rowMode.slice(0, p.rows)] as [string, NumericArray]] : []),
    // Isolated margin's cell types and wallets: only once an account has chosen it, likewise.
    ...isolatedArrays(engine),
    ...markTriggerArrays(engine),
    // The margin stream: its marks (so that a restored engine sweeps exactly what the original would) and the figures it last wrote.
    ...p.stream.image(),
  ];
}

/** The isolated margin cells (Perps.isolatedImage), none while no account chose isolated margin. */
function isolatedArrays(engine: Engine): [string, NumericArray][] {
  const image = engine.perps.isolatedImage();
  if (image === undefined) return [];
  return [
    ['perp.isolated.type', image.type],
    ['perp.isolated.wallet', image.wallet],
    ['perp.isolated.last', image.last],
  ];
}

/**
 * The mark-price trigger sides (Perps.markTriggers), a book of their own: its level pool
 * and counters (high water, free head, live) as the book's are written, and each
 * perpetual's rise and fall sides. An image written before them has none, and so restores
 * with none waiting.
 */
function markTriggerArrays(engine: Engine): [string, NumericArray][] {
  const m = engine.perps.markTriggers;
  const levels = m.levelHighWater;
  const out: [string, NumericArray][] = [
    ['perp.mark.scalars', Float64Array.of(m.levelHighWater, m.levelFreeHead, m.levelsLive)],
    ['perp.mark.level.price', m.levelPrice.subarray(0, levels)],
    ['perp.mark.level.qty', m.levelQty.subarray(0, levels)],
    ['perp.mark.level.head', m.levelHead.subarray(0, levels)],
    ['perp.mark.level.tail', m.levelTail.subarray(0, levels)],
    ['perp.mark.level.orders', m.levelOrders.subarray(0, levels)],
    ['perp.mark.level.side', m.levelSide.subarray(0, levels)],
  ];
  for (const id of engine.perps.ids) {
    for (let s = id * BookSide.PER_INSTRUMENT + BookSide.RISE; s <= id * BookSide.PER_INSTRUMENT + BookSide.FALL; s++) {
      out.push([`perp.mark.side.${s}.keys`, m.sideKeys[s]!.subarray(0, m.sideCount[s]!)]);
      out.push([`perp.mark.side.${s}.levels`, m.sideLevels[s]!.subarray(0, m.sideCount[s]!)]);
    }
  }
  return out;
}


export function snapshotInto(plan: SnapshotPlan, target: Uint8Array): number {
  assert(plan.engine.lastSeq === plan.lastSeq, 'snapshot plan is stale: the engine moved on');
  assert(target.length >= plan.byteLength, 'snapshot target too small for the image');
  const { json, arrays } = plan;
  const view = new DataView(target.buffer, target.byteOffset, target.byteLength);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, VERSION, true);
  view.setUint32(8, json.length, true);
  target.set(json, PREAMBLE_BYTES);
  let at = PREAMBLE_BYTES + json.length;
  target.fill(0, at, pad8(at));
  at = pad8(at);
  for (const [, a] of arrays) {
    target.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), at);
    at += a.byteLength;
    target.fill(0, at, pad8(at));
    at = pad8(at);
  }
  assert(at === plan.byteLength, 'snapshot size mismatch');
  return at;
}

/** The image of `engine` in memory of its own. */
export function snapshot(engine: Engine): Uint8Array {
  const plan = planSnapshot(engine);
  const bytes = new Uint8Array(plan.byteLength);
  snapshotInto(plan, bytes);
  return bytes;
}

export class SnapshotError extends Error {
  override name = 'SnapshotError';
}

/**
 * Rebuilds an engine from an image. Everything it keeps is a copy: images live in buffers
 * that are reused for the next snapshot (a SharedArrayBuffer on the engine thread), so an
 * engine that aliased one would change under its feet.
 */
export function restore(bytes: Uint8Array): Engine {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < PREAMBLE_BYTES || view.getUint32(0, true) !== MAGIC) throw new SnapshotError('not a Bourse snapshot');
  const version = view.getUint32(4, true);
  if (version < OLDEST_VERSION || version > VERSION) throw new SnapshotError(`snapshot version ${version} is not supported (expected ${OLDEST_VERSION} to ${VERSION})`);
  const jsonLength = view.getUint32(8, true);
  if (PREAMBLE_BYTES + jsonLength > bytes.length) throw new SnapshotError('snapshot header is truncated');
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(PREAMBLE_BYTES, PREAMBLE_BYTES + jsonLength))) as Header;
  const s = header.scalars;

  const arrays = new Map<string, OwnedArray>();
  let at = pad8(PREAMBLE_BYTES + jsonLength);
  for (const { name, type, length } of header.arrays) {
    const width = type === 'f64' ? 8 : type === 'i32' ? 4 : 1;
    if (at + length * width > bytes.length) throw new SnapshotError(`snapshot is truncated at ${name}`);
    // A copy with its own buffer: `slice` would not copy if `bytes` were a Node Buffer, and
    // `bytes` may be a shared image buffer that the next snapshot overwrites.
    const copy = new Uint8Array(bytes.subarray(at, at + length * width)).buffer;
    arrays.set(name, type === 'f64' ? new Float64Array(copy) : type === 'i32' ? new Int32Array(copy) : new Uint8Array(copy));
    at += pad8(length * width);
  }
  const get = (name: string): OwnedArray => {
    const a = arrays.get(name);
    if (a === undefined) throw new SnapshotError(`snapshot has no ${name}`);
    return a;
  };
  const f64 = (name: string): Float64Array<ArrayBuffer> => get(name) as Float64Array<ArrayBuffer>;
  const i32 = (name: string): Int32Array<ArrayBuffer> => get(name) as Int32Array<ArrayBuffer>;
  const u8 = (name: string): Uint8Array<ArrayBuffer> => get(name) as Uint8Array<ArrayBuffer>;

  const used = s.poolHighWater!;
  const engine = new Engine({ orderCapacity: Math.max(used, 1024), levelCapacity: Math.max(s.levelHighWater!, 1024) });
  const pool = engine.pool;
  pool.u8.set(u8('order.hot'));
  pool.cold.set(f64('order.cold'));
  pool.highWater = used;
  pool.freeHead = s.poolFreeHead!;
  pool.live = s.poolLive!;

  const book = engine.book;
  book.levelPrice.set(f64('level.price'));
  book.levelQty.set(f64('level.qty'));
  book.levelHead.set(i32('level.head'));
  book.levelTail.set(i32('level.tail'));
  book.levelOrders.set(i32('level.orders'));
  book.levelSide.set(i32('level.side'));
  book.levelHighWater = s.levelHighWater!;
  book.levelFreeHead = s.levelFreeHead!;
  book.levelsLive = s.levelsLive!;

  engine.byId.direct = i32('index.byId.direct');
  engine.byId.mask = engine.byId.direct.length - 1;
  engine.byId.count = s.byIdCount!;
  engine.byId.overflow.table = i32('index.byId.overflow');
  engine.byId.overflow.mask = engine.byId.overflow.table.length - 1;
  engine.byId.overflow.count = s.byIdOverflowCount!;
  engine.byClientId.direct = i32('index.byClientId.direct');
  engine.byClientId.displaced = u8('index.byClientId.displaced');
  engine.byClientId.mask = engine.byClientId.direct.length - 1;
  engine.byClientId.count = s.byClientIdCount!;
  engine.byClientId.overflow.table = i32('index.byClientId.overflow');
  engine.byClientId.overflow.mask = engine.byClientId.overflow.table.length - 1;
  engine.byClientId.overflow.count = s.byClientIdOverflowCount!;
  const accountSize = i32('account.size')[0]!;
  engine.accountStp = new Uint8Array(accountSize);
  engine.accountHead = new Int32Array(accountSize).fill(Link.NIL);
  const accountIds = i32('account.id');
  const accountStp = u8('account.stp');
  const accountHead = i32('account.head');
  for (let k = 0; k < accountIds.length; k++) {
    engine.accountStp[accountIds[k]!] = accountStp[k]!;
    engine.accountHead[accountIds[k]!] = accountHead[k]!;
  }

  const gtdCount = s.gtdCount!;
  engine.gtdTimeUs = new Float64Array(Math.max(64, gtdCount));
  engine.gtdOrderId = new Float64Array(Math.max(64, gtdCount));
  engine.gtdTimeUs.set(f64('gtd.timeUs'));
  engine.gtdOrderId.set(f64('gtd.orderId'));
  engine.gtdCount = gtdCount;

  for (const { spec, lastPrice } of header.instruments) {
    engine.instruments.add(spec);
    engine.instruments.lastPrice[spec.instrumentId] = lastPrice;
    book.addInstrument(spec.instrumentId);
    const first = spec.instrumentId * BookSide.PER_INSTRUMENT;
    for (let side = first; side < first + BookSide.PER_INSTRUMENT; side++) {
      const keys = f64(`side.${side}.keys`);
      const levels = i32(`side.${side}.levels`);
      const capacity = Math.max(8, keys.length);
      book.sideKeys[side] = new Float64Array(capacity);
      book.sideLevels[side] = new Int32Array(capacity);
      book.sideKeys[side]!.set(keys);
      book.sideLevels[side]!.set(levels);
      book.sideCount[side] = keys.length;
      for (let k = 0; k < keys.length; k++) book.levelTable.insert(levels[k]!);
    }
  }

  for (const spec of header.assets) engine.assets.add(spec);
  const balances = engine.balances;
  const stride = s.balanceStride!;
  const rows = s.balanceRows!;
  balances.ensureAsset(stride - 1);
  if (balances.stride !== stride) throw new SnapshotError(`snapshot balance stride ${stride} is not a power of two from 16`);
  const rowAccount = i32('balance.rowAccount');
  for (let row = 0; row < rows; row++) {
    const made = balances.rowOf(rowAccount[row]!);
    if (made !== row) throw new SnapshotError('snapshot balance rows name an account twice');
  }
  balances.words.set(f64('balance.words'));
  balances.deposited.set(f64('balance.deposited'));
  balances.withdrawn.set(f64('balance.withdrawn'));
  balances.transfers.table = f64('transfer.ids');
  balances.transfers.count = s.transferCount!;
  const settlement = engine.settlement;
  settlement.makerFeePpm = i32('fees.maker');
  settlement.takerFeePpm = i32('fees.taker');
  settlement.defaultMakerFeePpm = s.defaultMakerFeePpm!;
  settlement.defaultTakerFeePpm = s.defaultTakerFeePpm!;
  settlement.feeAccountId = s.feeAccountId!;

  const risk = engine.risk;
  risk.filtered = u8('risk.filtered');
  risk.bandUpPpm = f64('risk.bandUpPpm');
  risk.bandDownPpm = f64('risk.bandDownPpm');
  risk.minNotional = f64('risk.minNotional');
  risk.maxNotional = f64('risk.maxNotional');
  risk.maxMarketQty = f64('risk.maxMarketQty');
  risk.maxOpen = f64('risk.maxOpen');
  risk.maxOpenConditional = f64('risk.maxOpenConditional');
  risk.clearBandCache();
  risk.instrumentKilled = u8('risk.instrumentKilled');
  risk.accountKilled = u8('risk.accountKilled');
  risk.venueKilled = s.venueKilled!;
  risk.breakerMovePpm = f64('breaker.movePpm');
  risk.breakerWindowUs = f64('breaker.windowUs');
  risk.breakerCooldownUs = f64('breaker.cooldownUs');
  risk.breakerHaltStatus = u8('breaker.haltStatus');
  risk.breakerWindowStartUs = f64('breaker.windowStartUs');
  risk.breakerReference = f64('breaker.reference');
  risk.breakerLastSeen = f64('breaker.lastSeen');
  risk.breakerUntilUs = f64('breaker.untilUs');
  risk.countBreakers();
  risk.refreshNextBreakerEnd();
  risk.accountMaxOpen = f64('risk.accountMaxOpen');
  risk.accountMaxConditional = f64('risk.accountMaxConditional');
  risk.defaultMaxOpen = s.defaultMaxOpen!;
  risk.defaultMaxConditional = s.defaultMaxConditional!;
  risk.refreshAccountLimited();
  // The open order counts follow from the open orders: counted again, not copied.
  if (s.riskCounting === 1) engine.recountOpenOrders();
  engine.refreshRiskActive();

  // Perpetuals: listed again in their order (columns and stride follow), then their state.
  const perps = engine.perps;
  for (const id of engine.instruments.ids) if (engine.instruments.isPerp(id)) perps.addInstrument(id, 0);
  if (perps.ids.length > 0) restorePerps(engine, f64, i32, u8, (name) => arrays.has(name), s.perpRows!);
  // Open reduce-only orders per account follow from the open orders: counted again.
  if (perps.ids.length > 0) engine.recountReduceOnly();

  engine.nowUs = s.nowUs!;
  engine.lastSeq = s.lastSeq!;
  engine.nextOrderId = s.nextOrderId!;
  engine.nextTradeId = s.nextTradeId!;
  engine.tradeCount = s.tradeCount!;
  engine.filledQty = s.filledQty!;
  engine.notional = s.notional!;
  return engine;
}

/** The mark-price trigger sides from their image (markTriggerArrays): a book made to hold them, its perpetuals' sides filled. */
function restoreMarkTriggers(engine: Engine, f64: (name: string) => Float64Array<ArrayBuffer>, i32: (name: string) => Int32Array<ArrayBuffer>): void {
  const perps = engine.perps;
  const [highWater, freeHead, live] = f64('perp.mark.scalars');
  const m = new Book(engine.pool, Math.max(highWater!, 64), 64);
  m.levelPrice.set(f64('perp.mark.level.price'));
  m.levelQty.set(f64('perp.mark.level.qty'));
  m.levelHead.set(i32('perp.mark.level.head'));
  m.levelTail.set(i32('perp.mark.level.tail'));
  m.levelOrders.set(i32('perp.mark.level.orders'));
  m.levelSide.set(i32('perp.mark.level.side'));
  m.levelHighWater = highWater!;
  m.levelFreeHead = freeHead!;
  m.levelsLive = live!;
  for (const id of perps.ids) {
    m.addInstrument(id);
    for (let s = id * BookSide.PER_INSTRUMENT + BookSide.RISE; s <= id * BookSide.PER_INSTRUMENT + BookSide.FALL; s++) {
      const keys = f64(`perp.mark.side.${s}.keys`);
      const levels = i32(`perp.mark.side.${s}.levels`);
      const capacity = Math.max(8, keys.length);
      m.sideKeys[s] = new Float64Array(capacity);
      m.sideLevels[s] = new Int32Array(capacity);
      m.sideKeys[s]!.set(keys);
      m.sideLevels[s]!.set(levels);
      m.sideCount[s] = keys.length;
      for (let k = 0; k < keys.length; k++) m.levelTable.insert(levels[k]!);
    }
  }
  perps.markTriggers = m;
}

/** A perpetual engine's state from its image, its perpetuals listed again already (columns and stride). */
function restorePerps(engine: Engine, f64: (name: string) => Float64Array<ArrayBuffer>, i32: (name: string) => Int32Array<ArrayBuffer>, u8: (name: string) => Uint8Array<ArrayBuffer>, has: (name: string) => boolean, rows: number): void {
  const perps = engine.perps;
  for (const name of PERP_INSTRUMENT_ARRAYS) {
    const saved = f64(`perp.${name}`);
    perps[name] = saved.length >= perps[name].length ? saved : perps[name];
    if (saved !== perps[name]) perps[name].set(saved);
  }
  const basis = f64('perp.basis');
  if (basis.length >= perps.basis.length) perps.basis = basis;
  else perps.basis.set(basis);
  const brackets = perps.brackets;
  brackets.count = f64('perp.bracket.count');
  brackets.cap = f64('perp.bracket.cap');
  brackets.maxLeverage = f64('perp.bracket.maxLeverage');
  brackets.mmrPpm = f64('perp.bracket.mmrPpm');
  brackets.cum = f64('perp.bracket.cum');
  const perpRows = i32('perp.rowAccount');
  const rowMode = has('perp.rowMode') ? u8('perp.rowMode') : undefined;
  if (!perps.restoreRows(perpRows, rowMode, rows)) throw new SnapshotError('snapshot perpetual rows name an account twice');
  perps.restoreCells(f64('perp.cells'));
  perps.rebuildEngaged();
  if (has('perp.isolated.type')) perps.restoreIsolated(u8('perp.isolated.type'), f64('perp.isolated.wallet'), has('perp.isolated.last') ? f64('perp.isolated.last') : undefined);
  if (has('perp.mark.scalars')) restoreMarkTriggers(engine, f64, i32);
  if (!has('perp.stream.scalars')) {
    // An image from before the margin stream: nothing was written yet, so the next sweep looks at every account.
    perps.stream.all = 1;
  } else if (!perps.stream.restore(f64('perp.stream.scalars'), i32('perp.stream.accounts'), i32('perp.stream.instruments'), i32('perp.stream.assets'), i32('perp.stream.rowAccount'), f64('perp.stream.last'))) {
    throw new SnapshotError('snapshot margin stream is inconsistent');
  }
}

/** The canonical hash of everything that decides the engine's future behaviour. */
export function stateHash(engine: Engine): string {
  const h = new StateHasher();
  const pool = engine.pool;
  const book = engine.book;
  h.number(engine.nowUs).number(engine.lastSeq).number(engine.nextOrderId).number(engine.nextTradeId);
  h.number(engine.tradeCount).number(engine.filledQty).number(engine.notional);
  const ids = [...engine.instruments.ids].sort((a, b) => a - b);
  for (const instrumentId of ids) {
    const spec = engine.instruments.spec(instrumentId);
    h.number(instrumentId).string(spec.symbol).number(spec.tickSize).number(spec.lotSize);
    h.number(spec.minPrice).number(spec.maxPrice).number(spec.minQty).number(spec.maxQty);
    h.number(spec.status).number(engine.instruments.lastPrice[instrumentId]!);
    const first = instrumentId * BookSide.PER_INSTRUMENT;
    for (let s = first; s < first + BookSide.PER_INSTRUMENT; s++) {
      const levels = book.sideLevels[s]!;
      h.number(book.sideCount[s]!);
      for (let i = book.sideCount[s]! - 1; i >= 0; i--) {
        const level = levels[i]!;
        h.number(book.levelPrice[level]!).number(book.levelQty[level]!).number(book.levelOrders[level]!);
        for (let o = book.levelHead[level]!; o !== Link.NIL; o = pool.next(o)) hashOrder(engine, h, o);
      }
    }
  }
  for (let a = 0; a < engine.accountHead.length; a++) {
    const stp = a < engine.accountStp.length ? engine.accountStp[a]! : 0;
    const head = engine.accountHead[a]!;
    if (stp === 0 && head === Link.NIL) continue;
    h.number(a).number(stp);
    for (let o = head; o !== Link.NIL; o = pool.accNext(o)) h.number(pool.id(o));
  }
  hashBalances(engine, h);
  if (engine.perps.ids.length > 0) hashPerps(engine, h);
  if (engine.perps.ids.length > 0) hashMarginStream(engine, h);
  return h.digest();
}

/** An open order's fields: side, type, time in force, STP mode and flags as the record packs them, marks left out. */
function hashOrder(engine: Engine, h: StateHasher, o: number): void {
  const pool = engine.pool;
  const kinds = pool.i32[(o << Hot.I32_SHIFT) + Hot.I_KINDS]! & ~(Mark.ID_SPILLED | Mark.CLIENT_ID_SPILLED | Mark.CLIENT_ID_AWAY);
  h.number(pool.id(o)).number(pool.clientId(o)).u32(pool.account(o)).u32(kinds);
  h.number(pool.price(o)).number(pool.qtyLeft(o)).number(pool.qtyFilled(o));
  h.number(pool.triggerPrice(o)).number(pool.expireTimeUs(o));
}

/**
 * Perpetuals, only when there are any (so that an engine without them hashes as before):
 * each one's kind, margin asset and state, its brackets, and every (account, perpetual)
 * cell that is not all zeros, by account ascending.
 */
function hashPerps(engine: Engine, h: StateHasher): void {
  const p = engine.perps;
  for (const id of p.ids) {
    h.number(id).number(engine.instruments.contractKind[id]!).number(engine.instruments.marginAsset[id]!).number(engine.instruments.notionalMinor[id]!);
    for (const name of PERP_INSTRUMENT_ARRAYS) h.number(p[name][id]!);
    for (let k = 0; k < Basis.SAMPLES; k++) h.number(p.basis[id * Basis.SAMPLES + k]!);
    const n = p.brackets.countOf(id);
    h.number(n);
    for (let k = 0; k < n; k++) {
      const at = id * Bracket.MAX + k;
      h.number(p.brackets.cap[at]!).number(p.brackets.maxLeverage[at]!).number(p.brackets.mmrPpm[at]!).number(p.brackets.cum[at]!);
    }
    // Its mark-price orders waiting, each side best first and each level in time priority, as
    // the book's; nothing while none waits, so that a perpetual engine that never had one
    // hashes as it did before them (a journal replayed on this build ends in the same hash).
    const m = p.markTriggers;
    const rise = id * BookSide.PER_INSTRUMENT + BookSide.RISE;
    if (m.sideCount[rise] === 0 && m.sideCount[rise + 1] === 0) continue;
    h.string('mark-price triggers');
    for (let s = rise; s <= rise + 1; s++) {
      h.number(m.sideCount[s]!);
      for (let i = m.sideCount[s]! - 1; i >= 0; i--) {
        const level = m.sideLevels[s]![i]!;
        h.number(m.levelPrice[level]!).number(m.levelQty[level]!).number(m.levelOrders[level]!);
        for (let o = m.levelHead[level]!; o !== Link.NIL; o = engine.pool.next(o)) hashOrder(engine, h, o);
      }
    }
  }
  const rows = Array.from({ length: p.rows }, (_, row) => row).sort((x, y) => p.rowAccount[x]! - p.rowAccount[y]!);
  for (const row of rows) {
    for (let c = 0; c < p.ids.length; c++) {
      const words = p.cellState(row, c);
      if (words.every((x) => x === 0)) continue;
      h.number(p.rowAccount[row]!).number(p.ids[c]!).numbers(words);
      // Hedge mode: which position of the account (BOTH/LONG/SHORT), once any account has chosen it.
      if (p.hedgeRows !== 0) h.number(p.modeOf(row));
    }
  }
  if (p.hedgeRows !== 0) {
    h.string('hedge mode');
    for (const row of rows) if (p.modeOf(row) === 1) h.number(p.rowAccount[row]!);
  }
  // Isolated margin: each isolated cell's type and wallet, by account, perpetual and position
  // side; nothing until an account first chose it, so that other engines hash as before it.
  if (!p.isolatedUsed) return;
  h.string('isolated margin');
  for (const row of rows) {
    for (let c = 0; c < p.ids.length; c++) {
      const cell = row * p.stride + c;
      if (p.cellIsolated[cell] === 0) continue;
      h.number(p.rowAccount[row]!).number(p.ids[c]!).number(p.modeOf(row)).number(p.isolatedWallet[cell]!);
    }
  }
}

/**
 * The margin stream, once it has swept (so that an engine that never did hashes as before
 * it): the last threshold, and the figures last written (with their margin call flags) by
 * account and asset, then by account, perpetual and position side for isolated positions,
 * those not all zeros (a kept row of zeros says what no row says). Its cursor and marks too:
 * an unbounded sweep writes the same whatever was marked, but a budgeted one looks at the
 * next marked accounts after the cursor (perp/margin-stream.ts).
 */
function hashMarginStream(engine: Engine, h: StateHasher): void {
  const s = engine.perps.stream;
  if (s.swept === 0) return;
  h.string('margin stream').number(s.marginCallPpm).number(s.cursor);
  // The marks, as sets: a budgeted sweep looks at the next marked accounts after the cursor,
  // so which are marked decides what it writes (an unbounded one writes the same whatever they are).
  h.number(s.all).numbers(Array.from(s.accountList.subarray(0, s.accountCount)).sort((x, y) => x - y));
  h.numbers(Array.from(s.instrumentList.subarray(0, s.instrumentCount)).sort((x, y) => x - y));
  const slots = s.assets.map((asset, slot) => [asset, slot] as const).sort((x, y) => x[0] - y[0]);
  const rows = Array.from({ length: s.rows }, (_, row) => row).sort((x, y) => s.rowAccount[x]! - s.rowAccount[y]!);
  for (const row of rows) {
    for (const [asset, slot] of slots) {
      const at = (row * s.slotStride + slot) * Kept.WORDS;
      const words = Array.from(s.last.subarray(at, at + Kept.WORDS));
      if (words.every((x) => x === 0)) continue;
      h.number(s.rowAccount[row]!).number(asset).numbers(words);
    }
  }
  const p = engine.perps;
  if (!p.isolatedUsed) return;
  h.string('isolated margin stream');
  const perpRows = Array.from({ length: p.rows }, (_, row) => row).sort((x, y) => p.rowAccount[x]! - p.rowAccount[y]! || p.modeOf(x) - p.modeOf(y));
  for (const row of perpRows) {
    for (let c = 0; c < p.ids.length; c++) {
      const at = (row * p.stride + c) * Kept.WORDS;
      const words = Array.from(p.isolatedLast.subarray(at, at + Kept.WORDS));
      if (words.every((x) => x === 0)) continue;
      h.number(p.rowAccount[row]!).number(p.ids[c]!).number(p.modeOf(row)).numbers(words);
    }
  }
}

/**
 * Assets, their totals, every balance that is not zero (by account, then asset) and the
 * transfer ids, all ascending: what the balances are, not where their rows happen to sit.
 * An engine that never saw an asset adds nothing, so its hash is what it was before assets.
 */
function hashBalances(engine: Engine, h: StateHasher): void {
  const b = engine.balances;
  const assets = [...engine.assets.ids].sort((x, y) => x - y);
  for (const asset of assets) {
    const spec = engine.assets.spec(asset);
    h.number(asset).string(spec.symbol).number(spec.scale).number(b.deposited[asset]!).number(b.withdrawn[asset]!);
  }
  const rows = Array.from({ length: b.rows }, (_, row) => row).sort((x, y) => b.rowAccount[x]! - b.rowAccount[y]!);
  for (const row of rows) {
    for (const asset of assets) {
      const free = b.words[b.at(row, asset) + Bal.FREE]!;
      const locked = b.words[b.at(row, asset) + Bal.LOCKED]!;
      if (free !== 0 || locked !== 0) h.number(b.rowAccount[row]!).number(asset).number(free).number(locked);
    }
  }
  for (const id of b.transfers.sorted()) h.number(id);
  // Fees: the fee account, the default rates, each account's own; nothing while all are unset.
  const fees = engine.settlement;
  const own: number[] = [];
  for (let a = 1; a < fees.makerFeePpm.length; a++) if (fees.makerFeePpm[a] !== -0x80000000) own.push(a);
  if (fees.feeAccountId !== 0 || fees.defaultMakerFeePpm !== 0 || fees.defaultTakerFeePpm !== 0 || own.length > 0) {
    h.number(fees.feeAccountId).number(fees.defaultMakerFeePpm).number(fees.defaultTakerFeePpm);
    for (const a of own) h.number(a).number(fees.makerFeePpm[a]!).number(fees.takerFeePpm[a]!);
  }
  // Risk: each filtered instrument's filters, the kill switches on; nothing while none is.
  const risk = engine.risk;
  const filtered = [...engine.instruments.ids].filter((id) => risk.isFiltered(id)).sort((x, y) => x - y);
  const killedInstruments = [...risk.instrumentKilled.keys()].filter((i) => risk.instrumentKilled[i] !== 0);
  const killedAccounts = [...risk.accountKilled.keys()].filter((i) => risk.accountKilled[i] !== 0);
  if (filtered.length > 0 || risk.venueKilled !== 0 || killedInstruments.length > 0 || killedAccounts.length > 0) {
    for (const id of filtered) h.number(id).numbers(Object.values(risk.get(id)));
    h.number(risk.venueKilled).numbers(killedInstruments).numbers(killedAccounts);
  }
  // Account limits: the default and each account's own; nothing while none is set.
  const limited = [...risk.accountMaxOpen.keys()].filter((a) => risk.accountMaxOpen[a]! >= 0 || risk.accountMaxConditional[a]! >= 0);
  if (risk.defaultMaxOpen !== 0 || risk.defaultMaxConditional !== 0 || limited.length > 0) {
    h.number(risk.defaultMaxOpen).number(risk.defaultMaxConditional);
    for (const a of limited) h.number(a).number(risk.accountMaxOpen[a]!).number(risk.accountMaxConditional[a]!);
  }
  // Circuit breakers: each one's settings and where its window and cool-down stand.
  for (const id of [...engine.instruments.ids].sort((x, y) => x - y)) {
    if ((risk.breakerMovePpm[id] ?? 0) === 0 && (risk.breakerUntilUs[id] ?? 0) === 0) continue;
    h.number(id).number(risk.breakerMovePpm[id]!).number(risk.breakerWindowUs[id]!).number(risk.breakerCooldownUs[id]!).number(risk.breakerHaltStatus[id]!);
    h.number(risk.breakerWindowStartUs[id]!).number(risk.breakerReference[id]!).number(risk.breakerLastSeen[id]!).number(risk.breakerUntilUs[id]!);
  }
}
