// The binary command record: what gateways produce, the journal stores and the engine
// thread reads (DESIGN.md section 2). Little-endian, fixed fields first, a versioned
// header (SBE's rule: new fields go at the end, decoders honour the record's length).
//
//    0      2      4             8                     16                    24
//    +------+------+-------------+---------------------+---------------------+
//    | kind | ver  | length      | seq (f64)           | timeUs (f64)        |
//    +------+------+-------------+---------------------+---------------------+
//   24  accountId (u32) | 28 instrumentId (u32)
//   32  orderId (f64)        40 clientOrderId (f64)   48 price (f64)    56 qty (f64)
//   64  triggerPrice (f64)   72 expireTimeUs (f64)
//   80  side u8 | 81 orderType u8 | 82 timeInForce u8 | 83 stpMode u8 | 84 flags u8
//   85  status u8 | 86 symbol length u8 | 87 reserved u8
//   88  end of the order record (ORDER_RECORD_BYTES)
//   A PlaceOrder given quoteOrderQty (not 0) goes on:
//   88  quoteOrderQty (f64)
//   96  end (QUOTE_ORDER_RECORD_BYTES)
//   AddInstrument goes on:
//   88  tickSize  96 lotSize  104 minPrice  112 maxPrice  120 minQty  128 maxQty (f64 each)
//  136  baseAssetId (u32) | 140 quoteAssetId (u32) | 144 qtyMinorUnits | 152 notionalMinorUnits (f64)
//  160  marginAssetId (u32) | 164 contractKind u8 | 165-167 reserved
//  168  symbol bytes (ASCII, `symbol length` of them), the record padded to 8 bytes
//   AddAsset goes on:
//   88  assetId (u32) | 92 scale u8 | 93-95 reserved
//   96  symbol bytes (ASCII, `symbol length` of them), the record padded to 8 bytes
//   Deposit and Withdraw go on:
//   88  assetId (u32) | 92 reserved (u32) | 96 amount (f64) | 104 transferId (f64)
//  112  end (TRANSFER_RECORD_BYTES)
//   SetAccountFees goes on:
//   88  makerFeePpm (f64, may be negative) | 96 takerFeePpm (f64)
//  104  end (FEES_RECORD_BYTES)
//   SetInstrumentFilters goes on (f64 each):
//   88  priceBandUpPpm | 96 priceBandDownPpm | 104 minNotional | 112 maxNotional
//  120  maxMarketQty | 128 maxOpenOrders | 136 maxOpenConditional
//  144  end (FILTERS_RECORD_BYTES)
//   SetAccountLimits goes on:
//   88  maxOpenOrders | 96 maxOpenConditional (f64 each)
//  104  end (ACCOUNT_LIMITS_RECORD_BYTES)
//   SetCircuitBreaker goes on (status, at 85, is where the breaker sends the instrument):
//   88  breakerMovePpm | 96 breakerWindowUs | 104 breakerCooldownUs (f64 each)
//  112  end (BREAKER_RECORD_BYTES)
//   SetKillSwitch goes on:
//   88  killScope u8 | 89 killOn u8 | 90-95 reserved | 96 operatorId (f64) | 104 reasonCode (f64)
//  112  end (KILL_RECORD_BYTES)
//   SetIndexPrice carries its price at 48, SamplePremium and SettleFunding only the
//   instrument: the order record. SetLeverageBracket goes on (f64 each):
//   88  bracket | 96 notionalCap | 104 leverage | 112 mmrPpm
//  120  end (BRACKET_RECORD_BYTES)
//   SetFundingParams goes on (f64 each):
//   88  fundingIntervalUs | 96 interestRate | 104 fundingCap | 112 fundingFloor | 120 fundingTimeUs
//  128  end (FUNDING_RECORD_BYTES)
//   SetLeverage goes on:
//   88  leverage (f64)
//   96  end (LEVERAGE_RECORD_BYTES)
//   SetPositionMode goes on:
//   88  dualSide (f64: 0 one-way, 1 hedge)
//   96  end (LEVERAGE_RECORD_BYTES)
//   SetMarginType goes on:
//   88  marginType (f64: 0 CROSSED, 1 ISOLATED)
//   96  end (LEVERAGE_RECORD_BYTES)
//   ModifyIsolatedMargin carries its positionSide in flags (84: LONG 64, SHORT 128) and goes on:
//   88  marginChange (f64: 1 add, 2 reduce) | 96 amount (f64)
//  104  end (POSITION_MARGIN_RECORD_BYTES)
//   MarginSweep goes on:
//   88  marginCallPpm (f64: the margin call ratio in ppm, 0 none)
//   96  end (LEVERAGE_RECORD_BYTES), when maxAccounts is 0; else goes on:
//   96  maxAccounts (f64: the most marked accounts the sweep looks at)
//  104  end (SWEEP_BUDGET_RECORD_BYTES)
//
// Integers travel as IEEE-754 doubles, exact for every safe integer (|x| < 2^53), which
// is every value the engine keeps (DESIGN.md section 4). A double is what JavaScript
// holds anyway: reading one is a single load, where an i64 took two 32-bit reads, a
// multiply, an add and a range check (a decode-only loop over workload-s1: 41 ns a
// command as i64, 19 ns as f64). The encoder writes only safe integers. A decoded value
// that is not one (NaN, a fraction, 2^60) reaches the engine, which refuses it with a
// reason, like any other bad value; only seq and time must be safe integers to decode.
// Version 1 had i64 fields, version 2 no spot fields in AddInstrument, version 3 no perpetual
// fields in AddInstrument (its symbol was at 160), version 4 no quoteOrderQty in PlaceOrder;
// no journal of any of them exists. New kinds (SetPositionMode, SetMarginType,
// ModifyIsolatedMargin, MarginSweep) left every existing record as it was, so the version
// stayed 5: a build before them refuses them as UnknownCommand. MarginSweep's maxAccounts
// went on the end of its record, written only when not 0 (as PlaceOrder's quoteOrderQty):
// an unbounded sweep's record is as it was; a build before it reads a bounded one as unbounded.

import { Command, CommandKind } from '../core/index.js';

export const COMMAND_VERSION = 5;
export const ORDER_RECORD_BYTES = 88;
export const QUOTE_ORDER_RECORD_BYTES = 96;
export const INSTRUMENT_RECORD_BYTES = 168;
export const ASSET_RECORD_BYTES = 96;
export const TRANSFER_RECORD_BYTES = 112;
export const FEES_RECORD_BYTES = 104;
export const FILTERS_RECORD_BYTES = 144;
export const ACCOUNT_LIMITS_RECORD_BYTES = 104;
export const KILL_RECORD_BYTES = 112;
export const BREAKER_RECORD_BYTES = 112;
export const BRACKET_RECORD_BYTES = 120;
export const FUNDING_RECORD_BYTES = 128;
export const LEVERAGE_RECORD_BYTES = 96;
export const POSITION_MARGIN_RECORD_BYTES = 104;
export const SWEEP_BUDGET_RECORD_BYTES = 104;
export const MAX_SYMBOL_BYTES = 32;
/** The largest record any command encodes to. */
export const MAX_COMMAND_BYTES = INSTRUMENT_RECORD_BYTES + MAX_SYMBOL_BYTES;

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
const O_FILTERS = 88;
const O_KILL_SCOPE = 88;
const O_KILL_ON = 89;
const O_OPERATOR = 96;
const O_REASON_CODE = 104;
const O_TAKER_FEE = 96;
const O_ASSET = 88;
const O_SCALE = 92;
const O_ASSET_SYMBOL = 96;
const O_AMOUNT = 96;
const O_TRANSFER_ID = 104;


export class CodecError extends Error {
  override name = 'CodecError';
}

function setF64(view: DataView, at: number, value: number): void {
  if (!Number.isSafeInteger(value)) throw new CodecError(`not a safe integer at byte ${at}: ${value}`);
  view.setFloat64(at, value + 0, true); // + 0: -0 is written as 0
}

function setU16(view: DataView, at: number, value: number): void {
  if (!(Number.isInteger(value) && value >= 0 && value <= 0xffff)) throw new CodecError(`not a u16 at byte ${at}: ${value}`);
  view.setUint16(at, value, true);
}

function setU32(view: DataView, at: number, value: number): void {
  if (!(Number.isInteger(value) && value >= 0 && value <= 0xffffffff)) throw new CodecError(`not a u32 at byte ${at}: ${value}`);
  view.setUint32(at, value, true);
}

function setU8(view: DataView, at: number, value: number): void {
  if (!(Number.isInteger(value) && value >= 0 && value <= 0xff)) throw new CodecError(`not a u8 at byte ${at}: ${value}`);
  view.setUint8(at, value);
}

/** The length `cmd` encodes to. */
export function encodedLength(cmd: Command): number {
  switch (cmd.kind) {
    case CommandKind.AddInstrument:
      return (INSTRUMENT_RECORD_BYTES + cmd.symbol.length + 7) & ~7;
    case CommandKind.AddAsset:
      return (ASSET_RECORD_BYTES + cmd.symbol.length + 7) & ~7;
    case CommandKind.Deposit:
    case CommandKind.Withdraw:
      return TRANSFER_RECORD_BYTES;
    case CommandKind.SetAccountFees:
      return FEES_RECORD_BYTES;
    case CommandKind.SetInstrumentFilters:
      return FILTERS_RECORD_BYTES;
    case CommandKind.SetAccountLimits:
      return ACCOUNT_LIMITS_RECORD_BYTES;
    case CommandKind.SetKillSwitch:
      return KILL_RECORD_BYTES;
    case CommandKind.SetCircuitBreaker:
      return BREAKER_RECORD_BYTES;
    case CommandKind.PlaceOrder:
      return cmd.quoteOrderQty !== 0 ? QUOTE_ORDER_RECORD_BYTES : ORDER_RECORD_BYTES;
    case CommandKind.SetLeverageBracket:
      return BRACKET_RECORD_BYTES;
    case CommandKind.SetFundingParams:
      return FUNDING_RECORD_BYTES;
    case CommandKind.SetLeverage:
    case CommandKind.SetPositionMode:
    case CommandKind.SetMarginType:
      return LEVERAGE_RECORD_BYTES;
    case CommandKind.MarginSweep:
      return cmd.maxAccounts !== 0 ? SWEEP_BUDGET_RECORD_BYTES : LEVERAGE_RECORD_BYTES;
    case CommandKind.ModifyIsolatedMargin:
      return POSITION_MARGIN_RECORD_BYTES;
    default:
      return ORDER_RECORD_BYTES;
  }
}

function checkSymbol(symbol: string): void {
  if (symbol.length > MAX_SYMBOL_BYTES || !/^[\x20-\x7e]*$/.test(symbol)) throw new CodecError('symbol must be at most 32 printable ASCII characters');
}

function writeSymbol(view: DataView, offset: number, at: number, symbol: string, length: number): void {
  view.setUint8(offset + O_SYMBOL_LENGTH, symbol.length);
  for (let i = 0; i < symbol.length; i++) view.setUint8(offset + at + i, symbol.charCodeAt(i));
  for (let i = at + symbol.length; i < length; i++) view.setUint8(offset + i, 0);
}

function readSymbol(view: DataView, offset: number, at: number, length: number): string {
  const symbolLength = view.getUint8(offset + O_SYMBOL_LENGTH);
  if (length < at + symbolLength) throw new CodecError('bad symbol length');
  let symbol = '';
  for (let i = 0; i < symbolLength; i++) symbol += String.fromCharCode(view.getUint8(offset + at + i));
  return symbol;
}

/** Writes `cmd` at `offset` and returns the bytes written. Throws CodecError on values no record can hold. */
export function encodeCommand(cmd: Command, view: DataView, offset: number): number {
  const length = encodedLength(cmd);
  if (offset + length > view.byteLength) throw new CodecError('buffer too small for the command');
  setU16(view, offset + O_KIND, cmd.kind);
  view.setUint16(offset + O_VERSION, COMMAND_VERSION, true);
  view.setUint32(offset + O_LENGTH, length, true);
  setF64(view, offset + O_SEQ, cmd.seq);
  setF64(view, offset + O_TIME, cmd.timeUs);
  setU32(view, offset + O_ACCOUNT, cmd.accountId);
  setU32(view, offset + O_INSTRUMENT, cmd.instrumentId);
  setF64(view, offset + O_ORDER_ID, cmd.orderId);
  setF64(view, offset + O_CLIENT_ORDER_ID, cmd.clientOrderId);
  setF64(view, offset + O_PRICE, cmd.price);
  setF64(view, offset + O_QTY, cmd.qty);
  setF64(view, offset + O_TRIGGER, cmd.triggerPrice);
  setF64(view, offset + O_EXPIRE, cmd.expireTimeUs);
  setU8(view, offset + O_SIDE, cmd.side);
  setU8(view, offset + O_TYPE, cmd.orderType);
  setU8(view, offset + O_TIF, cmd.timeInForce);
  setU8(view, offset + O_STP, cmd.stpMode);
  setU8(view, offset + O_FLAGS, cmd.flags);
  setU8(view, offset + O_STATUS, cmd.status);
  view.setUint8(offset + 87, 0);
  view.setUint8(offset + O_SYMBOL_LENGTH, 0);
  switch (cmd.kind) {
    case CommandKind.AddInstrument:
      break;
    case CommandKind.AddAsset:
      checkSymbol(cmd.symbol);
      setU32(view, offset + O_ASSET, cmd.assetId);
      setU8(view, offset + O_SCALE, cmd.scale);
      for (let i = O_SCALE + 1; i < O_ASSET_SYMBOL; i++) view.setUint8(offset + i, 0);
      writeSymbol(view, offset, O_ASSET_SYMBOL, cmd.symbol, length);
      return length;
    case CommandKind.Deposit:
    case CommandKind.Withdraw:
      setU32(view, offset + O_ASSET, cmd.assetId);
      view.setUint32(offset + O_ASSET + 4, 0, true);
      setF64(view, offset + O_AMOUNT, cmd.amount);
      setF64(view, offset + O_TRANSFER_ID, cmd.transferId);
      return length;
    case CommandKind.SetAccountFees:
      setF64(view, offset + O_MAKER_FEE, cmd.makerFeePpm);
      setF64(view, offset + O_TAKER_FEE, cmd.takerFeePpm);
      return length;
    case CommandKind.SetInstrumentFilters: {
      const values = [cmd.priceBandUpPpm, cmd.priceBandDownPpm, cmd.minNotional, cmd.maxNotional, cmd.maxMarketQty, cmd.maxOpenOrders, cmd.maxOpenConditional];
      values.forEach((value, k) => setF64(view, offset + O_FILTERS + 8 * k, value));
      return length;
    }
    case CommandKind.SetAccountLimits:
      setF64(view, offset + O_FILTERS, cmd.maxOpenOrders);
      setF64(view, offset + O_FILTERS + 8, cmd.maxOpenConditional);
      return length;
    case CommandKind.SetKillSwitch:
      setU8(view, offset + O_KILL_SCOPE, cmd.killScope);
      setU8(view, offset + O_KILL_ON, cmd.killOn);
      for (let i = O_KILL_ON + 1; i < O_OPERATOR; i++) view.setUint8(offset + i, 0);
      setF64(view, offset + O_OPERATOR, cmd.operatorId);
      setF64(view, offset + O_REASON_CODE, cmd.reasonCode);
      return length;
    case CommandKind.SetCircuitBreaker:
      setF64(view, offset + O_FILTERS, cmd.breakerMovePpm);
      setF64(view, offset + O_FILTERS + 8, cmd.breakerWindowUs);
      setF64(view, offset + O_FILTERS + 16, cmd.breakerCooldownUs);
      return length;
    case CommandKind.PlaceOrder:
      if (length === QUOTE_ORDER_RECORD_BYTES) setF64(view, offset + ORDER_RECORD_BYTES, cmd.quoteOrderQty);
      return length;
    case CommandKind.SetLeverageBracket:
      [cmd.bracket, cmd.notionalCap, cmd.leverage, cmd.mmrPpm].forEach((value, k) => setF64(view, offset + O_PERP + 8 * k, value));
      return length;
    case CommandKind.SetFundingParams:
      [cmd.fundingIntervalUs, cmd.interestRate, cmd.fundingCap, cmd.fundingFloor, cmd.fundingTimeUs].forEach((value, k) => setF64(view, offset + O_PERP + 8 * k, value));
      return length;
    case CommandKind.SetLeverage:
      setF64(view, offset + O_PERP, cmd.leverage);
      return length;
    case CommandKind.SetPositionMode:
      setF64(view, offset + O_PERP, cmd.dualSide);
      return length;
    case CommandKind.SetMarginType:
      setF64(view, offset + O_PERP, cmd.marginType);
      return length;
    case CommandKind.ModifyIsolatedMargin:
      setF64(view, offset + O_PERP, cmd.marginChange);
      setF64(view, offset + O_PERP + 8, cmd.amount);
      return length;
    case CommandKind.MarginSweep:
      setF64(view, offset + O_PERP, cmd.marginCallPpm);
      if (length >= SWEEP_BUDGET_RECORD_BYTES) setF64(view, offset + O_PERP + 8, cmd.maxAccounts);
      return length;
    default:
      return length;
  }
  const symbol = cmd.symbol;
  checkSymbol(symbol);
  setF64(view, offset + O_TICK, cmd.tickSize);
  setF64(view, offset + O_LOT, cmd.lotSize);
  setF64(view, offset + O_MIN_PRICE, cmd.minPrice);
  setF64(view, offset + O_MAX_PRICE, cmd.maxPrice);
  setF64(view, offset + O_MIN_QTY, cmd.minQty);
  setF64(view, offset + O_MAX_QTY, cmd.maxQty);
  setU32(view, offset + O_BASE_ASSET, cmd.baseAssetId);
  setU32(view, offset + O_QUOTE_ASSET, cmd.quoteAssetId);
  setF64(view, offset + O_QTY_MINOR, cmd.qtyMinorUnits);
  setF64(view, offset + O_NOTIONAL_MINOR, cmd.notionalMinorUnits);
  setU32(view, offset + O_MARGIN_ASSET, cmd.marginAssetId);
  setU8(view, offset + O_CONTRACT_KIND, cmd.contractKind);
  for (let i = O_CONTRACT_KIND + 1; i < O_SYMBOL; i++) view.setUint8(offset + i, 0);
  writeSymbol(view, offset, O_SYMBOL, symbol, length);
  return length;
}

/**
 * Reads the record at `offset` into `cmd` and returns its length: every field the record's
 * kind has is written, and every other field is zero after it (an order command zeroes the
 * others only when an earlier decode set them, Command.wideFields), so a reused command
 * carries nothing over. Throws CodecError on a malformed record. The hot path: no
 * allocation unless the record is an AddInstrument. `end` defaults to the view's length.
 */
export function decodeCommand(view: DataView, offset: number, cmd: Command, end = view.byteLength): number {
  // `end` may be passed by a caller that knows it: DataView's byteLength is a call in V8.
  if (offset + ORDER_RECORD_BYTES > end) throw new CodecError('truncated command record');
  const length = view.getUint32(offset + O_LENGTH, true);
  const version = view.getUint16(offset + O_VERSION, true);
  if (version !== COMMAND_VERSION) throw new CodecError(`command version ${version} is not supported`);
  if (length < ORDER_RECORD_BYTES || offset + length > end) throw new CodecError('bad command record length');
  const kind = view.getUint16(offset + O_KIND, true);
  cmd.kind = kind;
  // `+ 0` turns a -0 into 0, so that no field carries a sign that compares equal to 0 but
  // could reach events and hashes as another value.
  cmd.seq = view.getFloat64(offset + O_SEQ, true) + 0;
  cmd.timeUs = view.getFloat64(offset + O_TIME, true) + 0;
  cmd.accountId = view.getUint32(offset + O_ACCOUNT, true);
  cmd.instrumentId = view.getUint32(offset + O_INSTRUMENT, true);
  cmd.orderId = view.getFloat64(offset + O_ORDER_ID, true) + 0;
  cmd.clientOrderId = view.getFloat64(offset + O_CLIENT_ORDER_ID, true) + 0;
  cmd.price = view.getFloat64(offset + O_PRICE, true) + 0;
  cmd.qty = view.getFloat64(offset + O_QTY, true) + 0;
  cmd.triggerPrice = view.getFloat64(offset + O_TRIGGER, true) + 0;
  cmd.expireTimeUs = view.getFloat64(offset + O_EXPIRE, true) + 0;
  cmd.side = view.getUint8(offset + O_SIDE);
  cmd.orderType = view.getUint8(offset + O_TYPE);
  cmd.timeInForce = view.getUint8(offset + O_TIF);
  cmd.stpMode = view.getUint8(offset + O_STP);
  cmd.flags = view.getUint8(offset + O_FLAGS);
  cmd.status = view.getUint8(offset + O_STATUS);
  if (!Number.isSafeInteger(cmd.seq) || !Number.isSafeInteger(cmd.timeUs)) throw new CodecError('seq or time is not a safe integer');
  if (kind !== CommandKind.AddInstrument) {
    if (cmd.wideFields !== 0) clearWideFields(cmd);
    if (kind < CommandKind.AddAsset) {
      cmd.quoteOrderQty = length >= QUOTE_ORDER_RECORD_BYTES && kind === CommandKind.PlaceOrder ? view.getFloat64(offset + ORDER_RECORD_BYTES, true) + 0 : 0;
      return length;
    }
    cmd.quoteOrderQty = 0;
    cmd.wideFields = 1;
    return decodeOwnFields(view, offset, length, kind, cmd);
  }
  cmd.wideFields = 1;
  clearOwnFields(cmd);
  if (length < INSTRUMENT_RECORD_BYTES) throw new CodecError('bad instrument record length');
  const symbol = readSymbol(view, offset, O_SYMBOL, length);
  cmd.tickSize = view.getFloat64(offset + O_TICK, true) + 0;
  cmd.lotSize = view.getFloat64(offset + O_LOT, true) + 0;
  cmd.minPrice = view.getFloat64(offset + O_MIN_PRICE, true) + 0;
  cmd.maxPrice = view.getFloat64(offset + O_MAX_PRICE, true) + 0;
  cmd.minQty = view.getFloat64(offset + O_MIN_QTY, true) + 0;
  cmd.maxQty = view.getFloat64(offset + O_MAX_QTY, true) + 0;
  cmd.baseAssetId = view.getUint32(offset + O_BASE_ASSET, true);
  cmd.quoteAssetId = view.getUint32(offset + O_QUOTE_ASSET, true);
  cmd.qtyMinorUnits = view.getFloat64(offset + O_QTY_MINOR, true) + 0;
  cmd.notionalMinorUnits = view.getFloat64(offset + O_NOTIONAL_MINOR, true) + 0;
  cmd.marginAssetId = view.getUint32(offset + O_MARGIN_ASSET, true);
  cmd.contractKind = view.getUint8(offset + O_CONTRACT_KIND);
  cmd.symbol = symbol;
  return length;
}

/** Zeroes every field the order commands do not have (out of line: an order decode after another kind's). */
function clearWideFields(cmd: Command): void {
  cmd.symbol = '';
  cmd.tickSize = cmd.lotSize = cmd.minPrice = cmd.maxPrice = cmd.minQty = cmd.maxQty = 0;
  cmd.baseAssetId = cmd.quoteAssetId = cmd.qtyMinorUnits = cmd.notionalMinorUnits = 0;
  clearOwnFields(cmd);
  cmd.wideFields = 0;
}

/** Zeroes the fields only the kinds after the order commands have (AddAsset on). */
function clearOwnFields(cmd: Command): void {
  cmd.quoteOrderQty = 0;
  cmd.assetId = cmd.scale = cmd.amount = cmd.transferId = cmd.makerFeePpm = cmd.takerFeePpm = 0;
  cmd.priceBandUpPpm = cmd.priceBandDownPpm = cmd.minNotional = cmd.maxNotional = cmd.maxMarketQty = cmd.maxOpenOrders = cmd.maxOpenConditional = 0;
  cmd.killScope = cmd.killOn = cmd.operatorId = cmd.reasonCode = 0;
  cmd.breakerMovePpm = cmd.breakerWindowUs = cmd.breakerCooldownUs = 0;
  cmd.contractKind = cmd.marginAssetId = cmd.bracket = cmd.notionalCap = cmd.leverage = cmd.mmrPpm = cmd.dualSide = cmd.marginType = cmd.marginChange = cmd.marginCallPpm = cmd.maxAccounts = 0;
  cmd.fundingIntervalUs = cmd.interestRate = cmd.fundingCap = cmd.fundingFloor = cmd.fundingTimeUs = 0;
}

/** The own fields of the kinds from AddAsset on (off the order path); the caller cleared them. */
function decodeOwnFields(view: DataView, offset: number, length: number, kind: number, cmd: Command): number {
  cmd.symbol = '';
  switch (kind) {
    case CommandKind.AddAsset:
      if (length < ASSET_RECORD_BYTES) throw new CodecError('bad asset record length');
      cmd.assetId = view.getUint32(offset + O_ASSET, true);
      cmd.scale = view.getUint8(offset + O_SCALE);
      cmd.symbol = readSymbol(view, offset, O_ASSET_SYMBOL, length);
      return length;
    case CommandKind.Deposit:
    case CommandKind.Withdraw:
      if (length < TRANSFER_RECORD_BYTES) throw new CodecError('bad transfer record length');
      cmd.assetId = view.getUint32(offset + O_ASSET, true);
      cmd.amount = view.getFloat64(offset + O_AMOUNT, true) + 0;
      cmd.transferId = view.getFloat64(offset + O_TRANSFER_ID, true) + 0;
      return length;
    case CommandKind.SetAccountFees:
      if (length < FEES_RECORD_BYTES) throw new CodecError('bad fees record length');
      cmd.makerFeePpm = view.getFloat64(offset + O_MAKER_FEE, true) + 0;
      cmd.takerFeePpm = view.getFloat64(offset + O_TAKER_FEE, true) + 0;
      return length;
    case CommandKind.SetAccountLimits:
      if (length < ACCOUNT_LIMITS_RECORD_BYTES) throw new CodecError('bad account limits record length');
      cmd.maxOpenOrders = view.getFloat64(offset + O_FILTERS, true) + 0;
      cmd.maxOpenConditional = view.getFloat64(offset + O_FILTERS + 8, true) + 0;
      return length;
    case CommandKind.SetInstrumentFilters: {
      if (length < FILTERS_RECORD_BYTES) throw new CodecError('bad filters record length');
      const f = (k: number): number => view.getFloat64(offset + O_FILTERS + 8 * k, true) + 0;
      cmd.priceBandUpPpm = f(0);
      cmd.priceBandDownPpm = f(1);
      cmd.minNotional = f(2);
      cmd.maxNotional = f(3);
      cmd.maxMarketQty = f(4);
      cmd.maxOpenOrders = f(5);
      cmd.maxOpenConditional = f(6);
      return length;
    }
    case CommandKind.SetKillSwitch:
      if (length < KILL_RECORD_BYTES) throw new CodecError('bad kill switch record length');
      cmd.killScope = view.getUint8(offset + O_KILL_SCOPE);
      cmd.killOn = view.getUint8(offset + O_KILL_ON);
      cmd.operatorId = view.getFloat64(offset + O_OPERATOR, true) + 0;
      cmd.reasonCode = view.getFloat64(offset + O_REASON_CODE, true) + 0;
      return length;
    case CommandKind.SetCircuitBreaker:
      if (length < BREAKER_RECORD_BYTES) throw new CodecError('bad circuit breaker record length');
      cmd.breakerMovePpm = view.getFloat64(offset + O_FILTERS, true) + 0;
      cmd.breakerWindowUs = view.getFloat64(offset + O_FILTERS + 8, true) + 0;
      cmd.breakerCooldownUs = view.getFloat64(offset + O_FILTERS + 16, true) + 0;
      return length;
    case CommandKind.SetLeverageBracket: {
      if (length < BRACKET_RECORD_BYTES) throw new CodecError('bad leverage bracket record length');
      const f = (k: number): number => view.getFloat64(offset + O_PERP + 8 * k, true) + 0;
      cmd.bracket = f(0);
      cmd.notionalCap = f(1);
      cmd.leverage = f(2);
      cmd.mmrPpm = f(3);
      return length;
    }
    case CommandKind.SetFundingParams: {
      if (length < FUNDING_RECORD_BYTES) throw new CodecError('bad funding params record length');
      const f = (k: number): number => view.getFloat64(offset + O_PERP + 8 * k, true) + 0;
      cmd.fundingIntervalUs = f(0);
      cmd.interestRate = f(1);
      cmd.fundingCap = f(2);
      cmd.fundingFloor = f(3);
      cmd.fundingTimeUs = f(4);
      return length;
    }
    case CommandKind.SetLeverage:
      if (length < LEVERAGE_RECORD_BYTES) throw new CodecError('bad leverage record length');
      cmd.leverage = view.getFloat64(offset + O_PERP, true) + 0;
      return length;
    case CommandKind.SetPositionMode:
      if (length < LEVERAGE_RECORD_BYTES) throw new CodecError('bad position mode record length');
      cmd.dualSide = view.getFloat64(offset + O_PERP, true) + 0;
      return length;
    case CommandKind.SetMarginType:
      if (length < LEVERAGE_RECORD_BYTES) throw new CodecError('bad margin type record length');
      cmd.marginType = view.getFloat64(offset + O_PERP, true) + 0;
      return length;
    case CommandKind.ModifyIsolatedMargin:
      if (length < POSITION_MARGIN_RECORD_BYTES) throw new CodecError('bad position margin record length');
      cmd.marginChange = view.getFloat64(offset + O_PERP, true) + 0;
      cmd.amount = view.getFloat64(offset + O_PERP + 8, true) + 0;
      return length;
    case CommandKind.MarginSweep:
      if (length < LEVERAGE_RECORD_BYTES) throw new CodecError('bad margin sweep record length');
      cmd.marginCallPpm = view.getFloat64(offset + O_PERP, true) + 0;
      if (length >= SWEEP_BUDGET_RECORD_BYTES) cmd.maxAccounts = view.getFloat64(offset + O_PERP + 8, true) + 0;
      return length;
    default:
      // A kind this build does not know: the engine refuses it (UnknownCommand).
      return length;
  }
}

/**
 * The sequencer's stamp: writes seq and time into an encoded record in place (the journal
 * and the engine then see the same bytes). Both must be safe integers.
 */
export function stampCommand(view: DataView, offset: number, seq: number, timeUs: number): void {
  if (!Number.isSafeInteger(seq) || !Number.isSafeInteger(timeUs)) throw new CodecError('seq and time must be safe integers');
  view.setFloat64(offset + O_SEQ, seq, true);
  view.setFloat64(offset + O_TIME, timeUs, true);
}

/** The length in bytes of the encoded record at `offset` (its header's length field). */
export function commandRecordLength(view: DataView, offset: number): number {
  return view.getUint32(offset + O_LENGTH, true);
}
