// Instruments: AddInstrument and its ordered validation, SetInstrumentStatus, and what each
// status lets through (Trading: everything; CancelOnly: cancels; Halted: nothing).

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CommandKind, type InstrumentSpec, InstrumentStatus, Limits, bestPrice } from '../../src/core/index.js';
import {
  BTC,
  ETH,
  type CommandFields,
  OrderType,
  Reject,
  Side,
  TimeInForce,
  Venue,
  expectEvents,
  expectOk,
  instrumentFields,
  ofKind,
} from './helpers.js';

const SOL: InstrumentSpec = {
  instrumentId: 3,
  symbol: 'SOL-USD',
  tickSize: 5,
  lotSize: 10,
  minPrice: 10,
  maxPrice: 100_000,
  minQty: 20,
  maxQty: 500_000,
  status: InstrumentStatus.Trading,
};

function add(spec: Partial<InstrumentSpec>): CommandFields {
  return instrumentFields({ ...SOL, ...spec });
}

void describe('AddInstrument', () => {
  void test('adds an instrument and reports its whole definition', () => {
    const v = new Venue({ instruments: [] });
    const r = v.addInstrument(SOL);
    expectOk(r);
    assert.deepEqual(r.events, [
      {
        event: 'InstrumentAdded',
        seq: v.seq,
        timeUs: v.timeUs,
        instrumentId: 3,
        tickSize: 5,
        lotSize: 10,
        minPrice: 10,
        maxPrice: 100_000,
        minQty: 20,
        maxQty: 500_000,
        status: 'TRADING',
      },
    ]);
    assert.deepEqual(v.engine.instruments.spec(3), SOL);
    assert.ok(v.engine.instruments.has(3));
    assert.equal(v.engine.instruments.bySymbol.get('SOL-USD'), 3);
    // Its limits apply to orders.
    v.rejects(v.placeFields({ instrument: 3, side: Side.Buy, price: 5, qty: 20 }), Reject.PriceOutOfRange);
    v.rejects(v.placeFields({ instrument: 3, side: Side.Buy, price: 10, qty: 10 }), Reject.QtyOutOfRange);
    v.rejects(v.placeFields({ instrument: 3, side: Side.Buy, price: 100_005, qty: 20 }), Reject.PriceOutOfRange);
    v.rejects(v.placeFields({ instrument: 3, side: Side.Buy, price: 10, qty: 500_010 }), Reject.QtyOutOfRange);
    expectOk(v.buy(10, 20, { instrument: 3 }));
    expectOk(v.sell(100_000, 500_000, { instrument: 3 }));
  });

  void test('validation runs in order: id, exists, symbol, tick, lot, price limits, qty limits, notional, status', () => {
    const v = new Venue();
    const faults: [number, Partial<InstrumentSpec>][] = [
      [Reject.InvalidInstrumentId, { instrumentId: 0 }],
      [Reject.InstrumentExists, { symbol: 'BTC-USD' }],
      [Reject.InvalidSymbol, { symbol: 'sol usd' }],
      [Reject.InvalidTickSize, { tickSize: 0 }],
      [Reject.InvalidLotSize, { lotSize: 0 }],
      [Reject.InvalidPriceLimits, { minPrice: 3 }],
      [Reject.InvalidQtyLimits, { minQty: 0 }],
      [Reject.NotionalOverflow, { maxPrice: 10_000_000_000, maxQty: 10_000_000 }],
      [Reject.InvalidStatus, { status: 4 }],
    ];
    for (let i = 0; i < faults.length; i++) {
      let spec: Partial<InstrumentSpec> = {};
      for (let j = faults.length - 1; j >= i; j--) spec = { ...spec, ...faults[j]![1] };
      v.rejects(add(spec), faults[i]![0]);
    }
    // An existing id wins over a bad symbol.
    v.rejects(add({ instrumentId: BTC, symbol: '' }), Reject.InstrumentExists);
  });

  void test('instrument ids are integers from 1 to 65535', () => {
    const v = new Venue();
    for (const instrumentId of [0, -1, 1.5, 65_536, 2 ** 32, NaN, Infinity, -Infinity]) {
      v.rejects(add({ instrumentId }), Reject.InvalidInstrumentId);
    }
    expectOk(v.addInstrument({ ...SOL, instrumentId: 65_535 }));
    const o = v.rest(Side.Buy, 10, 20, { instrument: 65_535 });
    assert.deepEqual(v.bidIds(65_535), [o]);
    assert.equal(bestPrice(v.engine, 65_535, Side.Buy), 10);
    assert.deepEqual(v.bidIds(BTC), []);
  });

  void test('ids and symbols are unique', () => {
    const v = new Venue();
    v.rejects(add({ instrumentId: BTC }), Reject.InstrumentExists);
    v.rejects(add({ symbol: 'ETH-USD' }), Reject.InstrumentExists);
    expectOk(v.addInstrument(SOL));
    v.rejects(add({}), Reject.InstrumentExists);
    v.rejects(add({ instrumentId: 4 }), Reject.InstrumentExists);
  });

  void test('symbols are 1 to 32 characters of A-Z, 0-9, -, _ or .', () => {
    const v = new Venue();
    for (const symbol of ['', 'sol', 'SOL USD', 'SOL/USD', 'A'.repeat(33), 'SOLÉ', 'SOL\n', '+']) {
      v.rejects(add({ symbol }), Reject.InvalidSymbol);
    }
    let id = 10;
    for (const symbol of ['A', 'Z'.repeat(32), 'A.B_C-9', '0', '-', '.']) {
      expectOk(v.addInstrument({ ...SOL, instrumentId: id++, symbol }));
    }
  });

  void test('tick and lot sizes are positive safe integers', () => {
    const v = new Venue();
    for (const bad of [0, -5, 1.5, NaN, Infinity, 2 ** 53]) {
      v.rejects(add({ tickSize: bad }), Reject.InvalidTickSize);
      v.rejects(add({ lotSize: bad }), Reject.InvalidLotSize);
    }
  });

  void test('price limits are positive multiples of the tick with min <= max', () => {
    const v = new Venue();
    const bad: Partial<InstrumentSpec>[] = [
      { minPrice: 0 },
      { minPrice: 3 }, // below the tick
      { minPrice: 12 }, // off the tick
      { maxPrice: 100_001 }, // off the tick
      { minPrice: 200, maxPrice: 100 },
      { minPrice: NaN },
      { maxPrice: NaN },
      { minPrice: 10.5 },
      { maxPrice: 2 ** 53 },
      { maxPrice: Infinity },
      { minPrice: -10 },
    ];
    for (const spec of bad) v.rejects(add(spec), Reject.InvalidPriceLimits);
    expectOk(v.addInstrument({ ...SOL, minPrice: 5, maxPrice: 5 }));
  });

  void test('quantity limits are positive multiples of the lot with min <= max', () => {
    const v = new Venue();
    const bad: Partial<InstrumentSpec>[] = [
      { minQty: 0 },
      { minQty: 5 }, // below the lot
      { minQty: 25 }, // off the lot
      { maxQty: 500_005 }, // off the lot
      { minQty: 200, maxQty: 100 },
      { minQty: NaN },
      { maxQty: NaN },
      { minQty: 20.5 },
      { maxQty: 2 ** 53 },
      { maxQty: Infinity },
      { minQty: -10 },
    ];
    for (const spec of bad) v.rejects(add(spec), Reject.InvalidQtyLimits);
    expectOk(v.addInstrument({ ...SOL, minQty: 10, maxQty: 10 }));
  });

  void test('max price times max quantity must stay a safe integer', () => {
    const v = new Venue();
    const one = { tickSize: 1, lotSize: 1, minPrice: 1, minQty: 1, maxQty: 1_000_000 };
    const limit = Math.floor(Limits.MAX_SAFE / 1_000_000);
    v.rejects(add({ ...one, maxPrice: limit + 1 }), Reject.NotionalOverflow);
    expectOk(v.addInstrument({ ...SOL, ...one, maxPrice: limit }));
    // At the limit, the largest order's notional is still exact.
    v.rest(Side.Sell, limit, 1_000_000, { instrument: 3 });
    v.buy(limit, 1_000_000, { instrument: 3, account: 2 });
    assert.equal(v.engine.notional, limit * 1_000_000);
    assert.ok(Number.isSafeInteger(v.engine.notional));
  });

  void test('status is TRADING, CANCEL_ONLY, HALTED or POST_ONLY', () => {
    const v = new Venue();
    for (const status of [4, -1, 1.5, NaN, 255]) v.rejects(add({ status }), Reject.InvalidStatus);
    const r = v.addInstrument({ ...SOL, status: InstrumentStatus.Halted });
    expectEvents(r.events, [{ event: 'InstrumentAdded', status: 'HALTED' }]);
    v.rejects(v.placeFields({ instrument: 3, side: Side.Buy, price: 10, qty: 20 }), Reject.InstrumentHalted);
    expectEvents(v.addInstrument({ ...SOL, instrumentId: 4, symbol: 'X', status: InstrumentStatus.CancelOnly }).events, [{ status: 'CANCEL_ONLY' }]);
    v.rejects(v.placeFields({ instrument: 4, side: Side.Buy, price: 10, qty: 20 }), Reject.InstrumentNotTrading);
  });

  void test('a refused definition leaves its id and symbol free', () => {
    const v = new Venue();
    v.rejects(add({ tickSize: 0 }), Reject.InvalidTickSize);
    assert.equal(v.engine.instruments.has(3), false);
    assert.equal(v.engine.instruments.bySymbol.has('SOL-USD'), false);
    expectOk(v.addInstrument(SOL));
  });

  void test('many instruments, added in any order, each keep their own book', () => {
    const v = new Venue({ instruments: [] });
    const ids = [500, 3, 77, 1, 65_000, 200, 64, 65, 128, 1_000];
    for (const id of ids) expectOk(v.addInstrument({ ...SOL, instrumentId: id, symbol: `I${id}` }));
    for (const id of ids) v.rest(Side.Buy, 10 + 5 * (id % 7), 20, { instrument: id, account: 1 + (id % 4) });
    for (const id of ids) {
      assert.equal(bestPrice(v.engine, id, Side.Buy), 10 + 5 * (id % 7));
      assert.equal(v.bidIds(id).length, 1);
    }
    assert.deepEqual(v.engine.instruments.ids, ids);
    // A mass cancel touches one of them only.
    expectEvents(v.massCancel(77).events, [{ event: 'Done' }, { event: 'MassCancelled', instrumentId: 77, count: 1 }]);
    assert.equal(v.engine.pool.live, ids.length - 1);
  });
});

void describe('instrument status', () => {
  void test('SetInstrumentStatus reports the change; it refuses unknown instruments and statuses', () => {
    const v = new Venue();
    const r = v.setStatus(BTC, InstrumentStatus.CancelOnly);
    expectEvents(r.events, [{ event: 'InstrumentStatus', instrumentId: BTC, status: 'CANCEL_ONLY' }]);
    assert.equal(v.engine.instruments.status[BTC], InstrumentStatus.CancelOnly);
    expectEvents(v.setStatus(BTC, InstrumentStatus.CancelOnly).events, [{ status: 'CANCEL_ONLY' }]);
    expectEvents(v.setStatus(BTC, InstrumentStatus.Halted).events, [{ status: 'HALTED' }]);
    expectEvents(v.setStatus(BTC, InstrumentStatus.PostOnly).events, [{ status: 'POST_ONLY' }]);
    expectEvents(v.setStatus(BTC, InstrumentStatus.Trading).events, [{ status: 'TRADING' }]);
    for (const status of [4, -1, 1.5, NaN]) {
      v.rejects({ kind: CommandKind.SetInstrumentStatus, instrumentId: BTC, status }, Reject.InvalidStatus);
    }
    v.rejects({ kind: CommandKind.SetInstrumentStatus, instrumentId: 9, status: 3 }, Reject.UnknownInstrument);
  });

  void test('CANCEL_ONLY: new orders and amends are refused; cancels are accepted; the book stays', () => {
    const v = new Venue();
    const bid = v.rest(Side.Buy, 100, 10);
    const ask = v.rest(Side.Sell, 110, 10, { account: 2 });
    const stop = v.place({ side: Side.Buy, type: OrderType.StopMarket, qty: 10, trigger: 200 }).orderId;
    v.setStatus(BTC, InstrumentStatus.CancelOnly);
    for (const type of [OrderType.Limit, OrderType.Market, OrderType.StopMarket]) {
      const price = type === OrderType.Limit ? 110 : 0;
      v.rejects(v.placeFields({ side: Side.Buy, type, price, qty: 10, trigger: type === OrderType.StopMarket ? 300 : 0 }), Reject.InstrumentNotTrading);
    }
    v.rejects({ ...v.targetFields(CommandKind.AmendOrder, { orderId: bid }), price: 100, qty: 10 }, Reject.InstrumentNotTrading);
    assert.deepEqual(v.bidIds(), [bid]);
    assert.deepEqual(v.askIds(), [ask]);
    // Other instruments trade on.
    expectOk(v.buy(100, 10, { instrument: ETH }));
    expectEvents(v.cancel({ orderId: stop }).events, [{ event: 'Done', orderId: stop, reason: 'CANCELED' }]);
    expectEvents(v.cancel({ orderId: ask, account: 2 }).events, [{ event: 'Done', orderId: ask }]);
    // Back to trading.
    v.setStatus(BTC, InstrumentStatus.Trading);
    const r = v.sell(100, 10, { account: 3 });
    expectEvents(ofKind(r.events, 'Trade'), [{ makerOrderId: bid }]);
  });

  void test('HALTED: places, amends, cancels and cancel-alls in it are refused; orders stay and trade on after', () => {
    const v = new Venue();
    const bid = v.rest(Side.Buy, 100, 10);
    const stop = v.place({ side: Side.Sell, type: OrderType.StopMarket, qty: 10, trigger: 50 }).orderId;
    const eth = v.rest(Side.Buy, 100, 10, { instrument: ETH });
    v.setStatus(BTC, InstrumentStatus.Halted);
    const hash = v.hash();
    v.rejects(v.placeFields({ side: Side.Sell, price: 100, qty: 10, account: 2 }), Reject.InstrumentHalted);
    v.rejects(v.placeFields({ side: Side.Sell, type: OrderType.Market, qty: 10, account: 2, tif: TimeInForce.IOC }), Reject.InstrumentHalted);
    v.rejects({ ...v.targetFields(CommandKind.AmendOrder, { orderId: bid }), price: 100, qty: 10 }, Reject.InstrumentHalted);
    v.rejects(v.targetFields(CommandKind.CancelOrder, { orderId: bid }), Reject.InstrumentHalted);
    v.rejects(v.targetFields(CommandKind.CancelOrder, { orderId: stop }), Reject.InstrumentHalted);
    v.rejects({ kind: CommandKind.CancelAll, accountId: 1, instrumentId: BTC }, Reject.InstrumentHalted);
    assert.equal(v.hash(), hash);
    // A cancel-all over every instrument skips the halted one.
    expectEvents(v.cancelAll(1).events, [{ event: 'Done', orderId: eth }, { event: 'MassCancelled', count: 1 }]);
    assert.deepEqual(v.bidIds(), [bid]);
    assert.deepEqual(v.fallIds(), [stop]);
    v.setStatus(BTC, InstrumentStatus.Trading);
    const r = v.sell(100, 10, { account: 2 });
    expectEvents(ofKind(r.events, 'Trade'), [{ makerOrderId: bid }]);
  });

  void test('HALTED: a mass cancel is refused too, and the resting orders stay', () => {
    const v = new Venue();
    const bid = v.rest(Side.Buy, 100, 10);
    v.setStatus(BTC, InstrumentStatus.Halted);
    v.rejects({ kind: CommandKind.MassCancel, instrumentId: BTC }, Reject.InstrumentHalted);
    assert.deepEqual(v.bidIds(), [bid]);
  });
});
