// An independent, deliberately naive matcher for bench workloads: it implements the
// SEMANTICS and RESULTS sections of ../shared/bench/gen-workload.py's header and the
// bookHash of ../shared/bench/README.md, straight from the text, sharing no code with the
// engine. Each book side is an array kept best first (price, then time); ids map to their
// resting orders.

import { createHash } from 'node:crypto';

interface Resting {
  id: number;
  sym: number;
  side: 'B' | 'S';
  price: number;
  qty: number;
}

interface SymbolBook {
  /** Highest price first, then oldest first. */
  bids: Resting[];
  /** Lowest price first, then oldest first. */
  asks: Resting[];
}

export interface WorkloadResults {
  accepted: number;
  rejected: number;
  trades: number;
  filledQty: number;
  notional: number;
  resting: number;
  bestBid: Record<string, number>;
  bestAsk: Record<string, number>;
  bookHash: string;
}

export interface WorkloadRun {
  results: WorkloadResults;
  /** Per command line (comments and blank lines skipped): accepted or not. */
  acceptedByCommand: boolean[];
  /** The final book as hashed. */
  bookText: string;
}

export function runWorkloadText(text: string): WorkloadRun {
  const books = new Map<number, SymbolBook>();
  const resting = new Map<number, Resting>();
  let maxSym = 0;
  let trades = 0;
  let filledQty = 0;
  let notional = 0;
  const acceptedByCommand: boolean[] = [];

  const book = (sym: number): SymbolBook => {
    let b = books.get(sym);
    if (b === undefined) books.set(sym, (b = { bids: [], asks: [] }));
    return b;
  };
  /** Does a resting price lie within an incoming order's limit (null: market, no limit)? */
  const within = (side: 'B' | 'S', limit: number | null, price: number): boolean =>
    limit === null || (side === 'B' ? price <= limit : price >= limit);
  const opposite = (sym: number, side: 'B' | 'S'): Resting[] => (side === 'B' ? book(sym).asks : book(sym).bids);

  /** Fills an incoming order against the opposite side; returns the quantity left. */
  const match = (sym: number, side: 'B' | 'S', limit: number | null, qty: number): number => {
    const makers = opposite(sym, side);
    while (qty > 0 && makers.length > 0 && within(side, limit, makers[0]!.price)) {
      const maker = makers[0]!;
      const fill = Math.min(qty, maker.qty);
      trades++;
      filledQty += fill;
      notional += maker.price * fill;
      qty -= fill;
      maker.qty -= fill;
      if (maker.qty === 0) {
        makers.shift();
        resting.delete(maker.id);
      }
    }
    return qty;
  };

  /** Rests an order behind every order at a price as good or better. */
  const rest = (order: Resting): void => {
    const side = order.side === 'B' ? book(order.sym).bids : book(order.sym).asks;
    const better = (p: number): boolean => (order.side === 'B' ? p >= order.price : p <= order.price);
    let at = 0;
    while (at < side.length && better(side[at]!.price)) at++;
    side.splice(at, 0, order);
    resting.set(order.id, order);
  };

  const remove = (order: Resting): void => {
    const side = order.side === 'B' ? book(order.sym).bids : book(order.sym).asks;
    side.splice(side.indexOf(order), 1);
    resting.delete(order.id);
  };

  const available = (sym: number, side: 'B' | 'S', limit: number): number =>
    opposite(sym, side)
      .filter((m) => within(side, limit, m.price))
      .reduce((sum, m) => sum + m.qty, 0);

  const execute = (f: string[]): boolean => {
    const op = f[0];
    const id = Number(f[1]);
    const sym = Number(f[2]);
    if (sym > maxSym) maxSym = sym;
    if (op === 'C') {
      const order = resting.get(id);
      if (order === undefined || order.sym !== sym) return false;
      remove(order);
      return true;
    }
    if (op === 'R') {
      const price = Number(f[3]);
      const qty = Number(f[4]);
      const order = resting.get(id);
      if (order === undefined || order.sym !== sym || qty <= 0 || price <= 0) return false;
      if (price === order.price && qty <= order.qty) {
        order.qty = qty;
        return true;
      }
      remove(order);
      const left = match(sym, order.side, price, qty);
      if (left > 0) rest({ id, sym, side: order.side, price, qty: left });
      return true;
    }
    const side = f[3] as 'B' | 'S';
    if (op === 'M') {
      const qty = Number(f[4]);
      if (qty <= 0) return false;
      match(sym, side, null, qty);
      return true;
    }
    const price = Number(f[4]);
    const qty = Number(f[5]);
    if (qty <= 0 || price <= 0) return false;
    switch (op) {
      case 'A': {
        const left = match(sym, side, price, qty);
        if (left > 0) rest({ id, sym, side, price, qty: left });
        return true;
      }
      case 'I':
        match(sym, side, price, qty);
        return true;
      case 'F':
        if (available(sym, side, price) < qty) return false;
        match(sym, side, price, qty);
        return true;
      case 'P': {
        const best = opposite(sym, side)[0];
        if (best !== undefined && within(side, price, best.price)) return false;
        rest({ id, sym, side, price, qty });
        return true;
      }
      default:
        throw new Error(`not a workload command: ${f.join(',')}`);
    }
  };

  for (const line of text.split('\n')) {
    if (line.length === 0 || line.startsWith('#')) continue;
    acceptedByCommand.push(execute(line.split(',')));
  }

  let bookText = '';
  let count = 0;
  const bestBid: Record<string, number> = {};
  const bestAsk: Record<string, number> = {};
  for (let sym = 1; sym <= maxSym; sym++) {
    const b = book(sym);
    for (const o of b.bids) bookText += `${sym},B,${o.price},${o.id},${o.qty}\n`;
    for (const o of b.asks) bookText += `${sym},S,${o.price},${o.id},${o.qty}\n`;
    count += b.bids.length + b.asks.length;
    if (b.bids.length > 0) bestBid[String(sym)] = b.bids[0]!.price;
    if (b.asks.length > 0) bestAsk[String(sym)] = b.asks[0]!.price;
  }
  const accepted = acceptedByCommand.filter((a) => a).length;
  return {
    results: {
      accepted,
      rejected: acceptedByCommand.length - accepted,
      trades,
      filledQty,
      notional,
      resting: count,
      bestBid,
      bestAsk,
      bookHash: createHash('sha256').update(bookText).digest('hex'),
    },
    acceptedByCommand,
    bookText,
  };
}
