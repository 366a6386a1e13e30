// The binary command record (src/protocol/command-codec.ts): layout, round trips for every
// command kind, values that are not safe integers passing the codec and refused by the
// engine, and malformed records refused with CodecError. Then a journal replay: the same records give
// the same events and state hash.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Command, CommandKind, Engine, Limits, openOrders } from '../../src/core/index.js';
import {
  CodecError,
  COMMAND_VERSION,
  INSTRUMENT_RECORD_BYTES,
  MAX_COMMAND_BYTES,
  ORDER_RECORD_BYTES,
  decodeCommand,
  encodeCommand,
  encodedLength,
  EventReader,
} from '../../src/protocol/index.js';
import { BTC_SPEC, OrderType, Reject, Side, StpMode, T0, TimeInForce, Venue, expectOk, instrumentFields } from './helpers.js';

// The documented layout (a journal format: never moves).
const O_KIND = 0;
const O_VERSION = 2;
const O_LENGTH = 4;
const O_SEQ = 8;
const O_TIME = 16;
const O_ACCOUNT = 24;
const O_INSTRUMENT = 28;
const O_ORDER_ID = 32;
const O_CLIENT_ORDER_ID = 40;
const O_PRICE = 48;
const O_QTY = 56;
const O_TRIGGER = 64;
const O_EXPIRE = 72;
const O_SIDE = 80;
const O_TYPE = 81;
const O_TIF = 82;
const O_STP = 83;
const O_FLAGS = 84;
const O_STATUS = 85;
const O_SYMBOL_LENGTH = 86;
const O_TICK = 88;
const O_LOT = 96;
const O_MIN_PRICE = 104;
const O_MAX_PRICE = 112;
const O_MIN_QTY = 120;
const O_MAX_QTY = 128;
const O_BASE_ASSET = 136;
const O_QUOTE_ASSET = 140;
const O_QTY_MINOR = 144;
const O_NOTIONAL_MINOR = 152;
const O_MARGIN_ASSET = 160;
const O_CONTRACT_KIND = 164;
const O_SYMBOL = 168;
const O_PERP = 88;
const O_MAKER_FEE = 88;
const O_TAKER_FEE = 96;
const O_ASSET = 88;
const O_SCALE = 92;
const O_ASSET_SYMBOL = 96;
const O_AMOUNT = 96;
const O_TRANSFER_ID = 104;

const ALL_KINDS = Array.from({ length: Limits.COMMAND_KIND_MAX }, (_, i) => i + 1);

/** A command of `kind` with a distinct value in every field. */
function full(kind: number): Command {
  const c = new Command();
  c.kind = kind;
  c.seq = 123_456_789_012;
  c.timeUs = T0 + 17;
  c.accountId = 16_777_215;
  c.instrumentId = 65_535;
  c.orderId = Limits.MAX_SAFE;
  c.clientOrderId = 2 ** 40 + 3;
  c.side = 1;
  c.orderType = 5;
  c.timeInForce = 4;
  c.stpMode = 4;
  c.flags = 1;
  c.price = 987_654_321;
  c.qty = 2 ** 50 + 1;
  c.triggerPrice = 1_000_005;
  c.expireTimeUs = T0 + 1e9;
  c.status = 2;
  c.symbol = 'BTC-USD.PERP_2';
  c.tickSize = 5;
  c.lotSize = 10;
  c.minPrice = 5;
  c.maxPrice = 1_000_000;
  c.minQty = 10;
  c.maxQty = 2 ** 52;
  c.assetId = 4095;
  c.scale = 18;
  c.amount = 2 ** 52 + 7;
  c.transferId = Limits.MAX_SAFE - 1;
  c.baseAssetId = 11;
  c.quoteAssetId = 12;
  c.qtyMinorUnits = 1_000;
  c.notionalMinorUnits = 10;
  c.makerFeePpm = -250;
  c.takerFeePpm = 1_000;
  c.priceBandUpPpm = 1_100_000;
  c.priceBandDownPpm = 900_000;
  c.minNotional = 10;
  c.maxNotional = 2 ** 50;
  c.maxMarketQty = 77;
  c.maxOpenOrders = 200;
  c.maxOpenConditional = 5;
  c.killScope = 2;
  c.killOn = 1;
  c.operatorId = 4_242;
  c.reasonCode = 17;
  c.breakerMovePpm = 50_000;
  c.breakerWindowUs = 60_000_000;
  c.breakerCooldownUs = 300_000_000;
  c.quoteOrderQty = 2 ** 51 + 9;
  c.contractKind = 1;
  c.marginAssetId = 13;
  c.bracket = 3;
  c.notionalCap = 2 ** 50 + 9;
  c.leverage = 125;
  c.dualSide = 1;
  c.marginType = 1;
  c.marginChange = 2;
  c.marginCallPpm = 250_000;
  c.mmrPpm = 4_000;
  c.fundingIntervalUs = 28_800_000_000;
  c.interestRate = -10_000;
  c.fundingCap = 750_000;
  c.fundingFloor = -750_000;
  c.fundingTimeUs = T0 + 5e9;
  return c;
}

/** What decoding gives back: each kind's own fields past the order record, the others 0. */
function expectedDecode(c: Command): Command {
  const e = new Command().copyFrom(c);
  if (c.kind !== CommandKind.AddInstrument) {
    e.tickSize = e.lotSize = e.minPrice = e.maxPrice = e.minQty = e.maxQty = 0;
    e.baseAssetId = e.quoteAssetId = e.qtyMinorUnits = e.notionalMinorUnits = 0;
  }
  if (c.kind !== CommandKind.SetAccountFees) e.makerFeePpm = e.takerFeePpm = 0;
  if (c.kind !== CommandKind.SetInstrumentFilters) e.priceBandUpPpm = e.priceBandDownPpm = e.minNotional = e.maxNotional = e.maxMarketQty = 0;
  if (c.kind !== CommandKind.SetInstrumentFilters && c.kind !== CommandKind.SetAccountLimits) e.maxOpenOrders = e.maxOpenConditional = 0;
  if (c.kind !== CommandKind.SetKillSwitch) e.killScope = e.killOn = e.operatorId = e.reasonCode = 0;
  if (c.kind !== CommandKind.SetCircuitBreaker) e.breakerMovePpm = e.breakerWindowUs = e.breakerCooldownUs = 0;
  if (c.kind !== CommandKind.AddInstrument) e.contractKind = e.marginAssetId = 0;
  if (c.kind !== CommandKind.SetLeverageBracket) e.bracket = e.notionalCap = e.mmrPpm = 0;
  if (c.kind !== CommandKind.SetLeverageBracket && c.kind !== CommandKind.SetLeverage) e.leverage = 0;
  if (c.kind !== CommandKind.SetPositionMode) e.dualSide = 0;
  if (c.kind !== CommandKind.SetMarginType) e.marginType = 0;
  if (c.kind !== CommandKind.ModifyIsolatedMargin) e.marginChange = 0;
  if (c.kind !== CommandKind.MarginSweep) e.marginCallPpm = 0;
  if (c.kind !== CommandKind.SetFundingParams) e.fundingIntervalUs = e.interestRate = e.fundingCap = e.fundingFloor = e.fundingTimeUs = 0;
  if (c.kind !== CommandKind.AddInstrument && c.kind !== CommandKind.AddAsset) e.symbol = '';
  if (c.kind !== CommandKind.AddAsset && c.kind !== CommandKind.Deposit && c.kind !== CommandKind.Withdraw) e.assetId = 0;
  if (c.kind !== CommandKind.AddAsset) e.scale = 0;
  if (c.kind !== CommandKind.Deposit && c.kind !== CommandKind.Withdraw) e.transferId = 0;
  if (c.kind !== CommandKind.Deposit && c.kind !== CommandKind.Withdraw && c.kind !== CommandKind.ModifyIsolatedMargin) e.amount = 0;
  if (c.kind !== CommandKind.PlaceOrder) e.quoteOrderQty = 0;
  // Set by a decode that wrote fields past the order commands' (the next order decode zeroes them).
  e.wideFields = c.kind === CommandKind.AddInstrument || c.kind >= CommandKind.AddAsset ? 1 : 0;
  return e;
}

/** A command full of values decoding must overwrite. */
function dirty(): Command {
  const c = new Command();
  for (const key of Object.keys(c) as (keyof Command)[]) {
    if (typeof c[key] === 'number') (c as unknown as Record<string, number>)[key] = -7;
  }
  c.symbol = 'DIRTY';
  return c;
}

function encode(c: Command): DataView {
  const view = new DataView(new ArrayBuffer(encodedLength(c)));
  assert.equal(encodeCommand(c, view, 0), view.byteLength);
  return view;
}

function decode(view: DataView, offset = 0): Command {
  const c = dirty();
  decodeCommand(view, offset, c);
  return c;
}

void describe('command records', () => {
  void test('every kind round-trips, every field written on decode', () => {
    for (const kind of ALL_KINDS) {
      const c = full(kind);
      const view = encode(c);
      const out = dirty();
      assert.equal(decodeCommand(view, 0, out), view.byteLength);
      assert.deepEqual({ ...out }, { ...expectedDecode(c) }, `kind ${kind}`);
    }
  });

  void test('a reused command carries nothing over: each kind decoded after each other kind', () => {
    const out = new Command();
    for (const before of ALL_KINDS) {
      for (const kind of ALL_KINDS) {
        decodeCommand(encode(full(before)), 0, out);
        const c = full(kind);
        decodeCommand(encode(c), 0, out);
        assert.deepEqual({ ...out }, { ...expectedDecode(c) }, `kind ${kind} after ${before}`);
      }
    }
  });

  void test('record lengths: 88 bytes, AddInstrument 168 and AddAsset 96 plus the symbol padded to 8, Deposit and Withdraw 112, SetAccountFees 104', () => {
    assert.equal(ORDER_RECORD_BYTES, 88);
    assert.equal(INSTRUMENT_RECORD_BYTES, 168);
    assert.equal(MAX_COMMAND_BYTES, 200);
    const own: Record<number, number> = {
      [CommandKind.AddInstrument]: 168 + 16,
      [CommandKind.SetLeverageBracket]: 120,
      [CommandKind.SetFundingParams]: 128,
      [CommandKind.SetLeverage]: 96,
      [CommandKind.SetPositionMode]: 96,
      [CommandKind.SetMarginType]: 96,
      [CommandKind.ModifyIsolatedMargin]: 104,
      [CommandKind.MarginSweep]: 96,
      [CommandKind.AddAsset]: 96 + 16,
      [CommandKind.Deposit]: 112,
      [CommandKind.Withdraw]: 112,
      [CommandKind.SetAccountFees]: 104,
      [CommandKind.SetInstrumentFilters]: 144,
      [CommandKind.SetKillSwitch]: 112,
      [CommandKind.SetCircuitBreaker]: 112,
      [CommandKind.PlaceOrder]: 96,
      [CommandKind.SetAccountLimits]: 104,
    };
    for (const kind of ALL_KINDS) assert.equal(encodedLength(full(kind)), own[kind] ?? 88, `kind ${kind}`);
    const plain = full(CommandKind.PlaceOrder);
    plain.quoteOrderQty = 0;
    assert.equal(encodedLength(plain), 88, 'an order without quoteOrderQty keeps the 88-byte record');
    const asset = full(CommandKind.AddAsset);
    for (const [symbol, length] of [['', 96], ['U', 104], ['USDT', 104], ['ABCDEFGHI', 112]] as const) {
      asset.symbol = symbol;
      assert.equal(encodedLength(asset), length);
      assert.equal(decode(encode(asset)).symbol, symbol);
    }
    const c = full(CommandKind.AddInstrument);
    for (const [symbol, length] of [
      ['', 168],
      ['A', 176],
      ['ABCDEFGH', 176],
      ['ABCDEFGHI', 184],
      ['X'.repeat(32), 200],
    ] as const) {
      c.symbol = symbol;
      assert.equal(encodedLength(c), length);
      const view = encode(c);
      assert.equal(decode(view).symbol, symbol);
    }
  });

  void test('the layout is little-endian at the documented offsets', () => {
    const c = full(CommandKind.AddInstrument);
    c.symbol = 'SOL';
    const view = encode(c);
    assert.equal(view.getUint16(O_KIND, true), CommandKind.AddInstrument);
    assert.equal(view.getUint16(O_VERSION, true), COMMAND_VERSION);
    assert.equal(view.getUint32(O_LENGTH, true), 176);
    assert.deepEqual([view.getUint32(O_MARGIN_ASSET, true), view.getUint8(O_CONTRACT_KIND), view.getUint8(O_CONTRACT_KIND + 1)], [13, 1, 0]);
    const bracket = encode(full(CommandKind.SetLeverageBracket));
    assert.deepEqual([0, 1, 2, 3].map((k) => bracket.getFloat64(O_PERP + 8 * k, true)), [3, 2 ** 50 + 9, 125, 4_000]);
    const funding = encode(full(CommandKind.SetFundingParams));
    assert.deepEqual([0, 1, 2, 3, 4].map((k) => funding.getFloat64(O_PERP + 8 * k, true)), [28_800_000_000, -10_000, 750_000, -750_000, T0 + 5e9]);
    assert.equal(encode(full(CommandKind.SetLeverage)).getFloat64(O_PERP, true), 125);
    assert.equal(encode(full(CommandKind.SetMarginType)).getFloat64(O_PERP, true), 1);
    assert.equal(encode(full(CommandKind.MarginSweep)).getFloat64(O_PERP, true), 250_000);
    const margin = encode(full(CommandKind.ModifyIsolatedMargin));
    assert.deepEqual([margin.getFloat64(O_PERP, true), margin.getFloat64(O_PERP + 8, true), margin.getUint8(O_FLAGS)], [2, 2 ** 52 + 7, 1]);
    const f64 = (at: number) => view.getFloat64(at, true);
    assert.equal(f64(O_SEQ), c.seq);
    assert.equal(f64(O_TIME), c.timeUs);
    assert.equal(view.getUint32(O_ACCOUNT, true), c.accountId);
    assert.equal(view.getUint32(O_INSTRUMENT, true), c.instrumentId);
    assert.equal(f64(O_ORDER_ID), c.orderId);
    assert.equal(f64(O_CLIENT_ORDER_ID), c.clientOrderId);
    assert.equal(f64(O_PRICE), c.price);
    assert.equal(f64(O_QTY), c.qty);
    assert.equal(f64(O_TRIGGER), c.triggerPrice);
    assert.equal(f64(O_EXPIRE), c.expireTimeUs);
    assert.deepEqual(
      [O_SIDE, O_TYPE, O_TIF, O_STP, O_FLAGS, O_STATUS, O_SYMBOL_LENGTH, 87].map((at) => view.getUint8(at)),
      [1, 5, 4, 4, 1, 2, 3, 0],
    );
    assert.deepEqual(
      [O_TICK, O_LOT, O_MIN_PRICE, O_MAX_PRICE, O_MIN_QTY, O_MAX_QTY].map(f64),
      [5, 10, 5, 1_000_000, 10, 2 ** 52],
    );
    assert.deepEqual([view.getUint32(O_BASE_ASSET, true), view.getUint32(O_QUOTE_ASSET, true), f64(O_QTY_MINOR), f64(O_NOTIONAL_MINOR)], [11, 12, 1_000, 10]);
    assert.deepEqual([0, 1, 2, 3, 4].map((i) => view.getUint8(O_SYMBOL + i)), [83, 79, 76, 0, 0]);

    const asset = full(CommandKind.AddAsset);
    asset.symbol = 'USDT';
    const a = encode(asset);
    assert.equal(a.getUint32(O_LENGTH, true), 104);
    assert.equal(a.getUint32(O_ASSET, true), 4095);
    assert.equal(a.getUint8(O_SCALE), 18);
    assert.equal(a.getUint8(O_SYMBOL_LENGTH), 4);
    assert.deepEqual([0, 1, 2, 3, 4].map((i) => a.getUint8(O_ASSET_SYMBOL + i)), [85, 83, 68, 84, 0]);

    const fees = encode(full(CommandKind.SetAccountFees));
    assert.equal(fees.getUint32(O_LENGTH, true), 104);
    assert.deepEqual([fees.getFloat64(O_MAKER_FEE, true), fees.getFloat64(O_TAKER_FEE, true)], [-250, 1_000]);

    const transfer = encode(full(CommandKind.Withdraw));
    assert.equal(transfer.getUint32(O_LENGTH, true), 112);
    assert.equal(transfer.getUint32(O_ASSET, true), 4095);
    assert.equal(transfer.getFloat64(O_AMOUNT, true), 2 ** 52 + 7);
    assert.equal(transfer.getFloat64(O_TRANSFER_ID, true), Limits.MAX_SAFE - 1);
  });

  void test('records follow each other in one buffer, at any offset of any view', () => {
    const commands = ALL_KINDS.map(full);
    commands[0]!.symbol = 'AB';
    const total = commands.reduce((n, c) => n + encodedLength(c), 0);
    const buffer = new ArrayBuffer(total + 24);
    const view = new DataView(buffer, 8, total + 8);
    let at = 3;
    for (const c of commands) at += encodeCommand(c, view, at);
    assert.equal(at, 3 + total);
    at = 3;
    for (const c of commands) {
      const out = dirty();
      at += decodeCommand(view, at, out);
      assert.deepEqual({ ...out }, { ...expectedDecode(c) });
    }
  });

  void test('negative and extreme safe integers round-trip', () => {
    const c = full(CommandKind.PlaceOrder);
    for (const value of [-1, -5, -(2 ** 32), -(2 ** 32) - 1, 2 ** 32, 2 ** 32 - 1, Limits.MAX_SAFE, -Limits.MAX_SAFE, 0, -0]) {
      c.price = value;
      c.qty = -value;
      c.orderId = value;
      c.seq = value;
      const out = decode(encode(c));
      assert.equal(out.price, value === 0 ? 0 : value);
      assert.equal(out.qty, value === 0 ? 0 : -value);
      assert.equal(out.orderId, value === 0 ? 0 : value);
      assert.equal(out.seq, value === 0 ? 0 : value);
    }
  });

  void test('encoding refuses what no record can hold with CodecError', () => {
    const cases: [string, (c: Command) => void][] = [
      ['price 2^53', (c) => (c.price = 2 ** 53)],
      ['price NaN', (c) => (c.price = NaN)],
      ['qty 1.5', (c) => (c.qty = 1.5)],
      ['trigger Infinity', (c) => (c.triggerPrice = Infinity)],
      ['seq NaN', (c) => (c.seq = NaN)],
      ['time -2^53', (c) => (c.timeUs = -(2 ** 53))],
      ['account -1', (c) => (c.accountId = -1)],
      ['account 2^32', (c) => (c.accountId = 2 ** 32)],
      ['instrument 1.5', (c) => (c.instrumentId = 1.5)],
      ['side 256', (c) => (c.side = 256)],
      ['type -1', (c) => (c.orderType = -1)],
      ['flags NaN', (c) => (c.flags = NaN)],
      ['symbol of 33', (c) => ((c.kind = CommandKind.AddInstrument), (c.symbol = 'A'.repeat(33)))],
      ['symbol not ASCII', (c) => ((c.kind = CommandKind.AddInstrument), (c.symbol = 'É'))],
      ['symbol with a newline', (c) => ((c.kind = CommandKind.AddInstrument), (c.symbol = 'A\n'))],
      ['tick 1.5', (c) => ((c.kind = CommandKind.AddInstrument), (c.tickSize = 1.5))],
    ];
    for (const [name, spoil] of cases) {
      const c = full(CommandKind.PlaceOrder);
      spoil(c);
      const view = new DataView(new ArrayBuffer(MAX_COMMAND_BYTES));
      assert.throws(() => encodeCommand(c, view, 0), CodecError, name);
    }
    // A buffer too small for the record.
    assert.throws(() => encodeCommand(full(CommandKind.CancelOrder), new DataView(new ArrayBuffer(87)), 0), CodecError);
    assert.throws(() => encodeCommand(full(CommandKind.CancelOrder), new DataView(new ArrayBuffer(100)), 13), CodecError);
  });

  void test('encoding refuses a kind that does not fit the u16 kind field', () => {
    const view = new DataView(new ArrayBuffer(MAX_COMMAND_BYTES));
    for (const kind of [65_536 + CommandKind.CancelOrder, -1, 1.5, NaN]) {
      const c = full(CommandKind.CancelOrder);
      c.kind = kind;
      assert.throws(() => encodeCommand(c, view, 0), CodecError, `kind ${kind}`);
    }
  });

  void test('decoding refuses malformed records with CodecError', () => {
    const good = encode(full(CommandKind.PlaceOrder));
    const copy = (): DataView => new DataView(good.buffer.slice(0));
    // Truncated: fewer bytes than a record.
    assert.throws(() => decode(new DataView(good.buffer, 0, 87)), CodecError);
    assert.throws(() => decode(good, 8), CodecError);
    assert.throws(() => decode(new DataView(new ArrayBuffer(0))), CodecError);
    // Versions other than the current one, 5 (1 had i64 fields, 2 no spot fields, 3 no perpetual fields, 4 no quoteOrderQty).
    for (const version of [0, 1, 2, 3, 4, 6, 0xffff]) {
      const v = copy();
      v.setUint16(O_VERSION, version, true);
      assert.throws(() => decode(v), CodecError, `version ${version}`);
    }
    // A length shorter than a record, or longer than the bytes there are.
    for (const length of [0, 87, 97, 1 << 20]) {
      const v = copy();
      v.setUint32(O_LENGTH, length, true);
      assert.throws(() => decode(v), CodecError, `length ${length}`);
    }
    // An AddInstrument shorter than its symbol.
    const add = full(CommandKind.AddInstrument);
    add.symbol = 'ABCDEFGH';
    const a = encode(add);
    a.setUint8(O_SYMBOL_LENGTH, 9);
    assert.throws(() => decode(a), CodecError);
    const b = encode(add);
    b.setUint32(O_LENGTH, 168, true);
    assert.throws(() => decode(b), CodecError);
    // seq and time must be safe integers: no NaN reaches the engine's clock.
    for (const at of [O_SEQ, O_TIME]) {
      for (const bad of [2 ** 53, -(2 ** 53), 2 ** 63, NaN, Infinity, -Infinity, 1.5]) {
        const v = copy();
        v.setFloat64(at, bad, true);
        assert.throws(() => decode(v), CodecError, `${bad} at ${at}`);
      }
    }
  });

  void test('a longer record of a known version decodes, its extra bytes skipped (new fields go at the end)', () => {
    const c = full(CommandKind.CancelOrder);
    const view = new DataView(new ArrayBuffer(96 + 88));
    encodeCommand(c, view, 0);
    view.setUint32(O_LENGTH, 96, true);
    encodeCommand(full(CommandKind.MassCancel), view, 96);
    const out = dirty();
    assert.equal(decodeCommand(view, 0, out), 96);
    assert.equal(out.kind, CommandKind.CancelOrder);
    assert.equal(decodeCommand(view, 96, out), 88);
    assert.equal(out.kind, CommandKind.MassCancel);
  });

  void test('fields other than seq and time decode as whatever double they hold; -0 decodes as 0', () => {
    const view = encode(full(CommandKind.PlaceOrder));
    const at = (value: number): number => {
      view.setFloat64(O_PRICE, value, true);
      return decode(view).price;
    };
    for (const value of [Limits.MAX_SAFE, -Limits.MAX_SAFE, 2 ** 53, 2 ** 60, 1.5, Infinity]) assert.equal(at(value), value);
    assert.ok(Number.isNaN(at(NaN)));
    assert.ok(Object.is(at(-0), 0));
  });

  void test('fields that are not safe integers are refused by the engine with a reason, changing nothing', () => {
    const v = new Venue();
    v.rest(Side.Buy, 100, 10, { clientId: 4 });
    const through = (fields: Partial<Command>, spoil: (view: DataView) => void, code: number): void => {
      const c = new Command();
      Object.assign(c, fields);
      c.seq = v.engine.lastSeq;
      c.timeUs = v.engine.nowUs;
      const view = new DataView(new ArrayBuffer(MAX_COMMAND_BYTES));
      encodeCommand(c, view, 0);
      spoil(view);
      const out = new Command();
      decodeCommand(view, 0, out);
      v.rejects({ ...out }, code);
    };
    const huge = (offset: number) => (view: DataView) => view.setFloat64(offset, 2 ** 60, true);
    const nan = (offset: number) => (view: DataView) => view.setFloat64(offset, NaN, true);
    const half = (offset: number) => (view: DataView) => view.setFloat64(offset, 10.5, true);
    const place = { ...v.placeFields({ side: Side.Sell, price: 200, qty: 10 }), timeUs: 0 } as Partial<Command>;
    const gtd = { ...place, timeInForce: TimeInForce.GTD, expireTimeUs: T0 + 9 };
    const stop = { ...place, orderType: OrderType.StopMarket, price: 0, triggerPrice: 50 };
    through(place, huge(O_PRICE), Reject.PriceOutOfRange);
    through(place, nan(O_PRICE), Reject.PriceNotInteger);
    through(place, half(O_PRICE), Reject.PriceNotInteger);
    through(place, huge(O_QTY), Reject.QtyOutOfRange);
    through(place, nan(O_QTY), Reject.QtyNotInteger);
    through(place, half(O_QTY), Reject.QtyNotInteger);
    through(place, half(O_CLIENT_ORDER_ID), Reject.ClientOrderIdInvalid);
    through(place, nan(O_TRIGGER), Reject.TriggerPriceInvalid);
    through(place, huge(O_CLIENT_ORDER_ID), Reject.ClientOrderIdInvalid);
    through(place, huge(O_TRIGGER), Reject.TriggerPriceInvalid);
    through(stop, huge(O_TRIGGER), Reject.TriggerPriceInvalid);
    through(gtd, huge(O_EXPIRE), Reject.ExpireTimeInvalid);
    through(place, (view) => view.setUint32(O_ACCOUNT, 0xffffffff, true), Reject.InvalidAccount);
    through(place, (view) => view.setUint32(O_INSTRUMENT, 0xffffffff, true), Reject.UnknownInstrument);
    through(place, (view) => view.setUint8(O_FLAGS, 0x80), Reject.InvalidFlags);
    through(place, (view) => view.setUint8(O_STP, 0xff), Reject.InvalidStpMode);
    through(place, (view) => view.setUint16(O_KIND, 77, true), Reject.UnknownCommand);
    const cancel = { kind: CommandKind.CancelOrder, accountId: 1, instrumentId: 1, orderId: 1 };
    through(cancel, huge(O_ORDER_ID), Reject.OrderIdInvalid);
    through({ ...cancel, orderId: 0, clientOrderId: 4 }, huge(O_CLIENT_ORDER_ID), Reject.ClientOrderIdInvalid);
    through(cancel, nan(O_ORDER_ID), Reject.OrderIdInvalid);
    through({ ...cancel, kind: CommandKind.AmendOrder, price: 100, qty: 10 }, huge(O_QTY), Reject.QtyOutOfRange);
    through({ ...cancel, kind: CommandKind.AmendOrder, price: 100, qty: 10 }, half(O_QTY), Reject.QtyNotInteger);
    const add = { ...instrumentFields({ ...BTC_SPEC, instrumentId: 3, symbol: 'SOL' }) } as Partial<Command>;
    through(add, huge(O_TICK), Reject.InvalidTickSize);
    through(add, huge(O_LOT), Reject.InvalidLotSize);
    through(add, huge(O_MAX_PRICE), Reject.InvalidPriceLimits);
    through(add, huge(O_MIN_QTY), Reject.InvalidQtyLimits);
    through(add, (view) => view.setUint8(O_STATUS, 9), Reject.InvalidStatus);
    through(add, (view) => view.setUint8(O_SYMBOL, 'a'.charCodeAt(0)), Reject.InvalidSymbol);
  });
});

void describe('journal replay', () => {
  /** A session touching every command kind, as a sequencer would stamp it. */
  function session(): Command[] {
    const out: Command[] = [];
    let seq = 0;
    const push = (fields: Partial<Command>, dtUs = 1): void => {
      const c = new Command();
      Object.assign(c, fields);
      c.seq = ++seq;
      c.timeUs = T0 + seq * dtUs;
      out.push(c);
    };
    push(instrumentFields(BTC_SPEC) as Partial<Command>);
    push({ kind: CommandKind.SetAccountStp, accountId: 3, stpMode: StpMode.ExpireMaker });
    const place = (accountId: number, side: number, price: number, qty: number, extra: Partial<Command> = {}) =>
      push({ kind: CommandKind.PlaceOrder, instrumentId: 1, accountId, side, price, qty, ...extra });
    for (let i = 0; i < 30; i++) {
      place(1 + (i % 4), i % 2, 100 + 5 * ((i * 7) % 11) - (i % 2 ? 0 : 30), 10 * (1 + (i % 5)), { clientOrderId: i + 1, stpMode: StpMode.AccountDefault });
    }
    place(2, Side.Buy, 0, 30, { orderType: OrderType.Market });
    place(4, Side.Buy, 0, 10, { orderType: OrderType.StopMarket, triggerPrice: 200 });
    place(4, Side.Sell, 200, 10, { timeInForce: TimeInForce.GTD, expireTimeUs: T0 + 1_000 });
    push({ kind: CommandKind.AmendOrder, instrumentId: 1, accountId: 1, clientOrderId: 1, price: 150, qty: 10 });
    push({ kind: CommandKind.CancelOrder, instrumentId: 1, accountId: 2, clientOrderId: 2 });
    push({ kind: CommandKind.SetInstrumentStatus, instrumentId: 1, status: 1 });
    push({ kind: CommandKind.SetInstrumentStatus, instrumentId: 1, status: 0 });
    push({ kind: CommandKind.AdvanceTime }, 30);
    push({ kind: CommandKind.PlaceOrder, instrumentId: 1, accountId: 1, side: Side.Buy, price: 101, qty: 10 }, 30);
    push({ kind: CommandKind.CancelAll, accountId: 3 }, 30);
    push({ kind: CommandKind.MassCancel, instrumentId: 1 }, 30);
    return out;
  }

  function run(engine: Engine, commands: Iterable<Command>, reader = new EventReader()): { codes: number[]; events: unknown[] } {
    const codes: number[] = [];
    const events: unknown[] = [];
    for (const c of commands) {
      engine.events.clear();
      codes.push(engine.apply(c));
      events.push(reader.read(engine.events));
    }
    return { codes, events };
  }

  void test('commands replayed from their records give the same events and state hash', () => {
    const commands = session();
    const direct = new Engine();
    const a = run(direct, commands);
    // The session does something: trades, a refusal, and the expiry all happen.
    const flat = a.events.flat() as { event: string; reason?: string }[];
    assert.ok(flat.some((e) => e.event === 'Trade'));
    assert.ok(flat.some((e) => e.event === 'Rejected'));
    assert.ok(flat.some((e) => e.event === 'Done' && e.reason === 'EXPIRED'));
    assert.ok(flat.some((e) => e.event === 'MassCancelled'));
    assert.ok(a.codes.includes(Reject.None));

    const bytes = new Uint8Array(commands.length * MAX_COMMAND_BYTES);
    const view = new DataView(bytes.buffer);
    let at = 0;
    for (const c of commands) at += encodeCommand(c, view, at);
    const replayed = new Engine();
    const cmd = new Command();
    const decoded: Command[] = [];
    for (let offset = 0; offset < at; ) {
      offset += decodeCommand(view, offset, cmd);
      decoded.push(new Command().copyFrom(cmd));
    }
    const b = run(replayed, decoded);
    assert.deepEqual(b, a);
    assert.equal(replayed.stateHash(), direct.stateHash());
  });

  void test('an engine restored from a snapshot mid-session goes on exactly like the original', () => {
    const commands = session();
    const half = commands.length >> 1;
    const original = new Engine();
    const reader = new EventReader();
    run(original, commands.slice(0, half), reader);
    const restored = Engine.restore(original.snapshot());
    assert.equal(restored.stateHash(), original.stateHash());
    // A reader that starts at the snapshot learns its open orders from the restored state.
    const seeded = new EventReader();
    seeded.seed(openOrders(restored));
    assert.equal(seeded.openOrderCount, reader.openOrderCount);
    const a = run(original, commands.slice(half), reader);
    const b = run(restored, commands.slice(half), seeded);
    assert.deepEqual(b, a);
    assert.equal(restored.stateHash(), original.stateHash());
    restored.checkInvariants();
  });

  void test('the state hash tells states apart', () => {
    const v = new Venue();
    const h0 = v.hash();
    expectOk(v.buy(100, 10));
    const h1 = v.hash();
    assert.notEqual(h1, h0);
    const w = new Venue();
    expectOk(w.buy(100, 20));
    assert.notEqual(w.hash(), h1);
    const x = new Venue();
    expectOk(x.buy(100, 10));
    assert.equal(x.hash(), h1);
  });
});
