// A seeded little market for demos and tests: market makers quoting around a random-walk
// mid, takers sending market and IOC orders, stop orders, cancels and amends, on two spot
// instruments with money: three assets, every account funded, maker and taker fees into a
// fee account, so each order locks what it may spend and each trade settles. It writes the
// command stream as binary records while driving an engine, so its agents can react to
// what happened; replaying the records gives the same state.

import { Command, CommandKind, Engine, InstrumentStatus, OrderType, Side, StpMode, TimeInForce } from '../core/index.js';
import { EventReader } from '../protocol/index.js';
import { RecordLog } from './records.js';
import { Rng } from './rng.js';

export interface DemoInstrument {
  instrumentId: number;
  symbol: string;
  /** Decimals of one price unit and one quantity unit, for display at the edge. */
  priceDecimals: number;
  qtyDecimals: number;
  tickSize: number;
  lotSize: number;
  minPrice: number;
  maxPrice: number;
  minQty: number;
  maxQty: number;
  /** Starting mid, in price units. */
  mid: number;
  /** Spot money: the base and quote assets, base minor units a quantity unit, quote minor units a price unit times a quantity unit. */
  baseAssetId: number;
  quoteAssetId: number;
  qtyMinorUnits: number;
  notionalMinorUnits: number;
}

export interface DemoAsset {
  assetId: number;
  symbol: string;
  /** Decimals of one minor unit. */
  scale: number;
  /** What each account is given at the start, in minor units. */
  fundsEach: number;
}

export const DEMO_ASSETS: readonly DemoAsset[] = [
  { assetId: 1, symbol: 'USDT', scale: 8, fundsEach: 500_000_000_000_000 }, // 5,000,000 USDT
  { assetId: 2, symbol: 'BTC', scale: 8, fundsEach: 5_000_000_000 }, // 50 BTC
  { assetId: 3, symbol: 'ETH', scale: 8, fundsEach: 100_000_000_000 }, // 1,000 ETH
];

/** Where the demo's fees go; maker and taker rates in parts per million. */
export const DEMO_FEE_ACCOUNT = 99;
const DEMO_MAKER_FEE_PPM = 200;
const DEMO_TAKER_FEE_PPM = 400;

export const DEMO_INSTRUMENTS: readonly DemoInstrument[] = [
  // BTC-USDT: price in cents, tick 0.10 USDT; quantity in 0.00001 BTC (1,000 satoshi), lot
  // 0.00001; a cent times 0.00001 BTC is 10^-7 USDT, 10 minor units of USDT.
  { instrumentId: 1, symbol: 'BTC-USDT', priceDecimals: 2, qtyDecimals: 5, tickSize: 10, lotSize: 1, minPrice: 10, maxPrice: 100_000_000, minQty: 1, maxQty: 1_000_000, mid: 9_500_000, baseAssetId: 2, quoteAssetId: 1, qtyMinorUnits: 1_000, notionalMinorUnits: 10 },
  // ETH-USDT: price in cents, tick 0.01; quantity in 0.0001 ETH, lot 0.001.
  { instrumentId: 2, symbol: 'ETH-USDT', priceDecimals: 2, qtyDecimals: 4, tickSize: 1, lotSize: 10, minPrice: 1, maxPrice: 10_000_000, minQty: 10, maxQty: 1_000_000, mid: 350_000, baseAssetId: 3, quoteAssetId: 1, qtyMinorUnits: 10_000, notionalMinorUnits: 100 },
];

export const DEMO_EPOCH_US = 1_767_225_600_000_000;
const MAKERS = [1, 2, 3];
const TAKERS = [4, 5, 6, 7, 8];
/** Every trading account. */
export const DEMO_ACCOUNTS: readonly number[] = [...MAKERS, ...TAKERS];

export interface MarketRun {
  engine: Engine;
  log: RecordLog;
  /** Records before this offset configure the market. */
  setupBytes: number;
  setupCount: number;
}

/**
 * Runs `commands` seeded commands after the setup; returns the engine and the record log.
 * Without `money`, the instruments match and move no money (as the bench's match mode).
 */
export function runMarket(seed: number, commands: number, onEvents?: (engine: Engine) => void, money = true): MarketRun {
  const rng = new Rng(seed);
  const engine = new Engine({ orderCapacity: 1 << 12 });
  const log = new RecordLog();
  const cmd = new Command();
  let seq = 0;
  let timeUs = DEMO_EPOCH_US;
  const submit = (): void => {
    cmd.seq = ++seq;
    cmd.timeUs = timeUs;
    log.append(cmd);
    engine.apply(cmd);
    engine.verifyIfEnabled();
    onEvents?.(engine);
  };

  for (const asset of money ? DEMO_ASSETS : []) {
    cmd.reset();
    Object.assign(cmd, { kind: CommandKind.AddAsset, assetId: asset.assetId, symbol: asset.symbol, scale: asset.scale });
    submit();
    engine.events.clear();
  }
  for (const ins of DEMO_INSTRUMENTS) {
    cmd.reset();
    cmd.kind = CommandKind.AddInstrument;
    Object.assign(cmd, {
      instrumentId: ins.instrumentId,
      symbol: ins.symbol,
      tickSize: ins.tickSize,
      lotSize: ins.lotSize,
      minPrice: ins.minPrice,
      maxPrice: ins.maxPrice,
      minQty: ins.minQty,
      maxQty: ins.maxQty,
      status: InstrumentStatus.Trading,
      ...(money ? { baseAssetId: ins.baseAssetId, quoteAssetId: ins.quoteAssetId, qtyMinorUnits: ins.qtyMinorUnits, notionalMinorUnits: ins.notionalMinorUnits } : {}),
    });
    submit();
    engine.events.clear();
  }
  // Money: a fee account, the default fee rates, and every account funded well beyond what it trades.
  if (money) {
    cmd.reset();
    Object.assign(cmd, { kind: CommandKind.SetFeeAccount, accountId: DEMO_FEE_ACCOUNT });
    submit();
    cmd.reset();
    Object.assign(cmd, { kind: CommandKind.SetAccountFees, accountId: 0, makerFeePpm: DEMO_MAKER_FEE_PPM, takerFeePpm: DEMO_TAKER_FEE_PPM });
    submit();
    let transferId = 0;
    for (const account of DEMO_ACCOUNTS) {
      for (const asset of DEMO_ASSETS) {
        cmd.reset();
        Object.assign(cmd, { kind: CommandKind.Deposit, accountId: account, assetId: asset.assetId, amount: asset.fundsEach, transferId: ++transferId });
        submit();
      }
    }
  }
  engine.events.clear();
  for (const account of MAKERS) {
    cmd.reset();
    cmd.kind = CommandKind.SetAccountStp;
    cmd.accountId = account;
    cmd.stpMode = StpMode.ExpireMaker;
    submit();
    engine.events.clear();
  }
  const setupBytes = log.length;
  const setupCount = log.count;

  const mids = DEMO_INSTRUMENTS.map((i) => i.mid);
  // Maker client ids believed open, by maker and instrument.
  const live: number[][] = MAKERS.flatMap(() => DEMO_INSTRUMENTS.map(() => []));
  let nextClientId = 1;
  // Keep only orders still open: drop ids the engine reported done. Done events carry the
  // order id; the reader knows its account, client id and instrument from Accepted.
  const reader = new EventReader();
  const forget = (): void => {
    const ev = engine.events;
    for (const e of reader.read(ev)) {
      if (e.event !== 'Done') continue;
      const m = MAKERS.indexOf(e.accountId as number);
      if (m < 0) continue;
      const list = live[m * DEMO_INSTRUMENTS.length + (e.instrumentId as number) - 1]!;
      const at = list.indexOf(e.clientOrderId as number);
      if (at >= 0) list.splice(at, 1);
    }
    ev.clear();
  };

  for (let n = 0; n < commands; n++) {
    timeUs += rng.int(1, 2000);
    const k = rng.int(0, DEMO_INSTRUMENTS.length - 1);
    const ins = DEMO_INSTRUMENTS[k]!;
    if (rng.chance(0.02)) mids[k] = Math.max(ins.tickSize * 100, mids[k]! + (rng.chance(0.5) ? 1 : -1) * ins.tickSize * rng.int(1, 20));
    const mid = mids[k]! - (mids[k]! % ins.tickSize);
    cmd.reset();
    cmd.instrumentId = ins.instrumentId;
    cmd.stpMode = StpMode.AccountDefault;
    const x = rng.next();
    const makerIndex = rng.int(0, MAKERS.length - 1);
    if (x < 0.5) {
      // A maker quotes near the mid.
      cmd.kind = CommandKind.PlaceOrder;
      cmd.accountId = MAKERS[makerIndex]!;
      cmd.clientOrderId = nextClientId++;
      cmd.side = rng.chance(0.5) ? Side.Buy : Side.Sell;
      const away = ins.tickSize * rng.int(1, 40);
      cmd.price = cmd.side === Side.Buy ? mid - away : mid + away;
      cmd.qty = ins.lotSize * rng.int(1, 200);
      cmd.timeInForce = rng.chance(0.1) ? TimeInForce.GTX : rng.chance(0.05) ? TimeInForce.GTD : TimeInForce.GTC;
      if (cmd.timeInForce === TimeInForce.GTD) cmd.expireTimeUs = timeUs + rng.int(10_000, 2_000_000);
      live[makerIndex * DEMO_INSTRUMENTS.length + k]!.push(cmd.clientOrderId);
    } else if (x < 0.75) {
      // A maker pulls or requotes one of its orders.
      const list = live[makerIndex * DEMO_INSTRUMENTS.length + k]!;
      if (list.length === 0) continue;
      cmd.accountId = MAKERS[makerIndex]!;
      cmd.clientOrderId = list[rng.int(0, list.length - 1)]!;
      if (rng.chance(0.7)) {
        cmd.kind = CommandKind.CancelOrder;
      } else {
        cmd.kind = CommandKind.AmendOrder;
        const side = rng.chance(0.5) ? -1 : 1;
        cmd.price = Math.max(ins.minPrice, mid + side * ins.tickSize * rng.int(1, 30));
        cmd.qty = ins.lotSize * rng.int(1, 150);
      }
      // The order may have filled meanwhile: then the engine rejects the command.
    } else if (x < 0.95) {
      // A taker crosses the spread.
      cmd.kind = CommandKind.PlaceOrder;
      cmd.accountId = rng.pick(TAKERS);
      cmd.side = rng.chance(0.5) ? Side.Buy : Side.Sell;
      cmd.qty = ins.lotSize * rng.int(1, 120);
      if (rng.chance(0.4)) {
        cmd.orderType = OrderType.Market;
      } else {
        cmd.timeInForce = rng.chance(0.8) ? TimeInForce.IOC : TimeInForce.FOK;
        const through = ins.tickSize * rng.int(0, 25);
        cmd.price = cmd.side === Side.Buy ? mid + through : mid - through;
      }
    } else {
      // A taker leaves a stop or take-profit order.
      cmd.kind = CommandKind.PlaceOrder;
      cmd.accountId = rng.pick(TAKERS);
      cmd.clientOrderId = nextClientId++;
      cmd.side = rng.chance(0.5) ? Side.Buy : Side.Sell;
      cmd.qty = ins.lotSize * rng.int(1, 60);
      const stop = rng.chance(0.5);
      const rises = stop === (cmd.side === Side.Buy);
      cmd.orderType = stop ? (rng.chance(0.5) ? OrderType.StopMarket : OrderType.StopLimit) : rng.chance(0.5) ? OrderType.TakeProfitMarket : OrderType.TakeProfitLimit;
      const away = ins.tickSize * rng.int(5, 60);
      cmd.triggerPrice = rises ? mid + away : mid - away;
      if (cmd.orderType === OrderType.StopLimit || cmd.orderType === OrderType.TakeProfitLimit) {
        cmd.price = cmd.side === Side.Buy ? cmd.triggerPrice + ins.tickSize * 5 : cmd.triggerPrice - ins.tickSize * 5;
      }
    }
    submit();
    forget();
  }
  return { engine, log, setupBytes, setupCount };
}
