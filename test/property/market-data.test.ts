// The events are enough to build market data and user order state from them alone
// (issue 3): an L3 book (order by order, in time priority), L2 levels and L1 best prices,
// and each order's remaining and filled quantity, all built here from events only and
// compared with the engine's own state after every command of random streams.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Command, Engine, BookSide, accountOrders, bestPrice, sideLevels, sideOrders } from '../../src/core/index.js';
import { EventReader, type EventJson } from '../../src/protocol/event-json.js';
import { StreamBuilder, absCommandArb, assertProperty, densify, engineOpenOrders, fcParams, setupCommands, toCommand } from './streams.js';

const SEED = 20_261_125;
const NUM_RUNS = 60;

interface BookOrder {
  orderId: number;
  side: 'BUY' | 'SELL';
  price: number;
  qty: number;
}

/** Market data and user order state, built from events alone. */
class EventView {
  /** Per instrument, the resting orders in arrival order (time priority within a price). */
  books = new Map<number, BookOrder[]>();
  /** Open orders' filled quantity, by order id, from Accepted, Trade and Done. */
  filled = new Map<number, number>();

  apply(e: EventJson): void {
    const book = (id: number): BookOrder[] => {
      let b = this.books.get(id);
      if (b === undefined) this.books.set(id, (b = []));
      return b;
    };
    const remove = (instrumentId: number, orderId: number): void => {
      const b = book(instrumentId);
      const at = b.findIndex((o) => o.orderId === orderId);
      assert.ok(at >= 0, `event removes order ${orderId}, which is not in the book built from events`);
      b.splice(at, 1);
    };
    switch (e.event) {
      case 'InstrumentAdded':
        book(e.instrumentId as number);
        break;
      case 'Accepted':
        this.filled.set(e.orderId as number, 0);
        break;
      case 'Rested':
        book(e.instrumentId as number).push({ orderId: e.orderId as number, side: e.side as 'BUY' | 'SELL', price: e.price as number, qty: e.qty as number });
        break;
      case 'Trade': {
        const maker = book(e.instrumentId as number).find((o) => o.orderId === e.makerOrderId);
        assert.ok(maker, `trade with maker ${String(e.makerOrderId)}, which is not in the book built from events`);
        assert.equal(maker.qty - (e.qty as number), e.makerQtyLeft, 'maker quantity left');
        maker.qty = e.makerQtyLeft as number;
        for (const id of [e.makerOrderId as number, e.takerOrderId as number]) this.filled.set(id, (this.filled.get(id) ?? 0) + (e.qty as number));
        break;
      }
      case 'Done':
        if (e.wasResting === true) remove(e.instrumentId as number, e.orderId as number);
        assert.equal(this.filled.get(e.orderId as number) ?? 0, e.qtyFilled, 'filled quantity summed from trades');
        this.filled.delete(e.orderId as number);
        break;
      case 'Amended':
        if (e.priorityKept === true) {
          const o = book(e.instrumentId as number).find((x) => x.orderId === e.orderId);
          assert.ok(o, 'amended in place, but not in the book built from events');
          o.qty = e.qty as number;
        } else {
          remove(e.instrumentId as number, e.orderId as number);
        }
        break;
      default:
        break;
    }
  }

  /** One side, best price first and arrival order within a price: the L3 view. */
  side(instrumentId: number, side: 'BUY' | 'SELL'): BookOrder[] {
    const orders = (this.books.get(instrumentId) ?? []).filter((o) => o.side === side);
    // A stable sort keeps arrival order within a price.
    return orders.sort((a, b) => (side === 'BUY' ? b.price - a.price : a.price - b.price));
  }
}

function check(engine: Engine, view: EventView, where: string): void {
  for (const instrumentId of engine.instruments.ids) {
    for (const [sideKind, name] of [
      [BookSide.BIDS, 'BUY'],
      [BookSide.ASKS, 'SELL'],
    ] as const) {
      const fromEvents = view.side(instrumentId, name);
      const fromEngine = sideOrders(engine, instrumentId, sideKind).map((o) => ({ orderId: o.orderId, side: name, price: o.price, qty: o.qtyLeft }));
      assert.deepEqual(fromEvents, fromEngine, `L3 ${name} side of instrument ${instrumentId} ${where}`);
      // L2: levels with their total quantity and order count.
      const levels = new Map<number, { qty: number; orders: number }>();
      for (const o of fromEvents) {
        const l = levels.get(o.price) ?? { qty: 0, orders: 0 };
        l.qty += o.qty;
        l.orders++;
        levels.set(o.price, l);
      }
      const l2 = [...levels].map(([price, l]) => ({ price, qty: l.qty, orders: l.orders }));
      assert.deepEqual(l2, sideLevels(engine, instrumentId, sideKind), `L2 ${name} side of instrument ${instrumentId} ${where}`);
      // L1.
      assert.equal(fromEvents[0]?.price ?? 0, bestPrice(engine, instrumentId, sideKind), `L1 ${name} of instrument ${instrumentId} ${where}`);
    }
  }
  // User order state: every open order's filled quantity.
  for (let a = 0; a < engine.accountHead.length; a++) {
    for (const o of accountOrders(engine, a)) assert.equal(view.filled.get(o.orderId) ?? -1, o.qtyFilled, `filled quantity of open order ${o.orderId} ${where}`);
  }
}

void test('L3, L2, L1 and order fills built from events alone equal the engine after every command', () => {
  assertProperty(
    fc.property(fc.array(fc.oneof(absCommandArb, absCommandArb.map(densify)), { minLength: 1, maxLength: 200, size: 'max' }), (stream) => {
      const engine = new Engine({ orderCapacity: 8, levelCapacity: 4, eventCapacity: 2 });
      const view = new EventView();
      const reader = new EventReader();
      const builder = new StreamBuilder(false);
      const cmd = new Command();
      let n = 0;
      const run = (rec: Parameters<typeof toCommand>[0]): void => {
        engine.events.clear();
        engine.apply(toCommand(rec, cmd));
        for (const e of reader.read(engine.events)) view.apply(e);
        check(engine, view, `after command #${n++}`);
      };
      for (const rec of setupCommands()) run(rec);
      for (const abs of stream) run(builder.build(abs, engineOpenOrders(engine), (id) => engine.instruments.lastPrice[id] ?? 0));
    }),
    fcParams(SEED, NUM_RUNS),
  );
});
