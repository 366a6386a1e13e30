// What resting orders cost in memory: N non-crossing limit orders placed through the real
// entry point, then the bytes of the engine's typed arrays (exact), and the growth of the
// V8 heap and of array buffers after a full garbage collection (what the process pays).

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Command, CommandKind, Engine, InstrumentStatus, Side, TimeInForce } from '../core/index.js';

export interface MemoryResult {
  orders: number;
  resting: number;
  /** Bytes of every typed array the engine holds: exact, and the same on every run. */
  engineBytes: number;
  engineBytesPerOrder: number;
  heapBytes: number;
  arrayBufferBytes: number;
  totalBytes: number;
  bytesPerOrder: number;
}

/** The bytes of every typed array an engine holds. */
export function engineBytes(engine: Engine): number {
  const book = engine.book;
  const ins = engine.instruments;
  let bytes = engine.pool.hot.byteLength + engine.pool.cold.byteLength;
  bytes += engine.byId.direct.byteLength + engine.byId.overflow.table.byteLength + engine.byClientId.direct.byteLength + engine.byClientId.displaced.byteLength + engine.byClientId.overflow.table.byteLength;
  for (const a of [book.levelPrice, book.levelQty, book.levelHead, book.levelTail, book.levelOrders, book.levelSide, book.sideCount]) bytes += a.byteLength;
  for (const a of book.sideKeys) if (a !== undefined) bytes += a.byteLength;
  for (const a of book.sideLevels) if (a !== undefined) bytes += a.byteLength;
  for (const a of [ins.exists, ins.status, ins.tickSize, ins.lotSize, ins.minPrice, ins.maxPrice, ins.minQty, ins.maxQty, ins.lastPrice]) bytes += a.byteLength;
  bytes += engine.events.words.byteLength + engine.accountHead.byteLength + engine.accountStp.byteLength;
  bytes += engine.gtdTimeUs.byteLength + engine.gtdOrderId.byteLength;
  return bytes;
}

function collect(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

function used(): { heap: number; buffers: number } {
  const m = process.memoryUsage();
  return { heap: m.heapUsed, buffers: m.arrayBuffers };
}

export function measureRestingMemory(orders: number, levels = 10_000): MemoryResult {
  const gc = collect();
  gc();
  const before = used();
  const engine = new Engine();
  const cmd = new Command();
  cmd.kind = CommandKind.AddInstrument;
  cmd.instrumentId = 1;
  cmd.symbol = 'MEM';
  cmd.tickSize = 1;
  cmd.lotSize = 1;
  cmd.minPrice = 1;
  cmd.maxPrice = 1_000_000;
  cmd.minQty = 1;
  cmd.maxQty = 1_000_000;
  cmd.status = InstrumentStatus.Trading;
  engine.apply(cmd);
  for (let i = 0; i < orders; i++) {
    cmd.reset();
    cmd.kind = CommandKind.PlaceOrder;
    cmd.seq = i + 1;
    cmd.accountId = 1 + (i % 1000);
    cmd.instrumentId = 1;
    cmd.clientOrderId = i + 1;
    cmd.side = i & 1 ? Side.Sell : Side.Buy;
    cmd.timeInForce = TimeInForce.GTC;
    const away = 1 + ((i >> 1) % (levels >> 1));
    cmd.price = cmd.side === Side.Buy ? 500_000 - away : 500_000 + away;
    cmd.qty = 1 + (i % 100);
    engine.apply(cmd);
    engine.events.clear();
  }
  // Freed array buffers are released by a sweeper after a collection: collect twice.
  gc();
  gc();
  const after = used();
  const resting = engine.pool.live;
  const heapBytes = after.heap - before.heap;
  const arrayBufferBytes = after.buffers - before.buffers;
  const totalBytes = heapBytes + arrayBufferBytes;
  // Keep the engine alive until measured.
  if (engine.stateHash().length === 0) throw new Error('unreachable');
  const owned = engineBytes(engine);
  return {
    orders,
    resting,
    engineBytes: owned,
    engineBytesPerOrder: +(owned / resting).toFixed(1),
    heapBytes,
    arrayBufferBytes,
    totalBytes,
    bytesPerOrder: +(totalBytes / resting).toFixed(1),
  };
}
