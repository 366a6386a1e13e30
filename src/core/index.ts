// The door of src/core: what the rest of Bourse may use of the engine.
export { assert, AssertionError, unreachable, verify } from './assert.js';
export { Command, CommandKind } from './command.js';
export { Engine, type EngineOptions } from './engine.js';
export * from './events.js';
export { Reject, REJECT_CODES, rejectMessage, rejectName } from './reject.js';
export { SnapshotError, planSnapshot, snapshotInto, type SnapshotPlan } from './snapshot.js';
export { BookSide } from './book.js';
export { Kinds, Link } from './orders.js';
export type { InstrumentSpec } from './instruments.js';
export type { AssetSpec } from './assets.js';
export type { AccountMargin } from './perp/perps.js';
export * from './types.js';
export { accountBalances, accountOrders, bestPrice, markTriggerOrders, openOrder, openOrderByClientId, openOrders, sideLevels, sideOrders, type BalanceView, type LevelView, type OrderView } from './queries.js';
