// The index price feed of a live venue (issue 6: "a command carrying the price from outside";
// DESIGN.md section 1: the network stays out of the engine). Per perpetual, a set of
// configured sources (Binance's spot ticker `GET /api/v3/ticker/price?symbol=BTCUSDT`, whose
// body is `{"symbol":"BTCUSDT","price":"94057.03000000"}`, or any JSON endpoint with a path to
// the price) is polled every `intervalMs`, each request cut off after `timeoutMs`; their
// composite goes to the engine as a SetIndexPrice command through the live runtime, so it is
// sequenced and journaled like every other command and a replay needs no network.
//
// The composite follows Binance's price index (its "Price Index" FAQ for USDⓈ-M futures):
// a weighted average of the sources' last prices, with
// - a source not updated for `staleMs` (Binance: 10 s) weighted zero; a source that cannot
//   be reached keeps its last price until then (Binance uses the last result while the
//   exchange traded within 10 s);
// - a source more than `maxDeviationPpm` (Binance: 5%) from the median of all fresh sources
//   weighted zero; when more than one deviates so, the index is that median instead of the
//   weighted average. The median is of the prices, unweighted (Binance: "the median price
//   of all price sources"); of an even number, the mean of the middle two.
//
// Numbers are exact: decimal strings are parsed into integers (BigInt), the average and the
// median are kept as fractions, and the result is converted once to the instrument's price
// units (10^-priceDecimals) and rounded to the nearest multiple of its tick, a value exactly
// half way going up. A JSON number (not a string) is read through its shortest round-trip
// text, exact for the 15 significant digits a double holds; Binance's prices are strings.
//
// A price is sent when it differs from the last one sent, and at least every
// `maxSilenceMs` while the sources are fresh; with no fresh source nothing is sent, the
// perpetual's status says so and the logger is told (the engine keeps its last index). The
// status is the caller's to read (`status()`); events worth a person's attention go to the
// `log` callback, on changes only (a source failing or coming back, the feed losing or
// regaining every source), not at every poll.

import { Command, CommandKind } from '../core/index.js';

/** One source of a perpetual's index. */
export type IndexSource = IndexSourceCommon & ({ kind: 'binance'; symbol: string; baseUrl?: string } | { kind: 'json'; url: string; jsonPath: string });

interface IndexSourceCommon {
  /** A name for the status and the logs (default: the symbol or the URL's host). */
  name?: string;
  /** Its weight in the average: a positive safe integer or decimal string (default 1). Binance weighs its constituents by volume. */
  weight?: number | string;
}

export interface IndexFeedPerp {
  instrumentId: number;
  /** Decimal places of the instrument's price unit: 2 when a price unit is 0.01 USDT. */
  priceDecimals: number;
  /** Price units a tick (default 1): the index is rounded to a multiple of it. */
  tickSize?: number;
  sources: IndexSource[];
}

export type IndexFeedLevel = 'debug' | 'info' | 'warn' | 'error';
export type IndexFeedLog = (level: IndexFeedLevel, message: string, fields: Record<string, unknown>) => void;

export interface IndexFeedOptions {
  /** How often every source is polled. */
  intervalMs: number;
  /** Each request's time limit (default: intervalMs, at most 5,000). */
  timeoutMs?: number;
  /** A source not updated for this long is left out (default 10,000, Binance's). */
  staleMs?: number;
  /** A source farther than this from the median is left out (ppm; default 50,000: Binance's 5%). */
  maxDeviationPpm?: number;
  /** An unchanged index is sent again after this long (default 60,000). */
  maxSilenceMs?: number;
  perps: IndexFeedPerp[];
  log?: IndexFeedLog;
  /** Milliseconds of a monotonic clock (default performance.now): for tests. */
  now?: () => number;
}

/** What the feed knows of one source. */
export interface IndexSourceStatus {
  name: string;
  /** The last price read, as the source wrote it. */
  price: string | undefined;
  /** When it was read (the feed's clock), 0 never. */
  readAtMs: number;
  /** Why the last request failed, if it did. */
  error: string | undefined;
  /** Read within staleMs. */
  fresh: boolean;
  /** Farther than maxDeviationPpm from the median at the last composite. */
  deviated: boolean;
  /** Weighted in the last composite. */
  used: boolean;
}

export interface IndexPerpStatus {
  instrumentId: number;
  /** 'ok': an index from fresh sources; 'noSource': none fresh, nothing sent; 'invalid': a composite outside 1 to 2^53 - 1; 'starting': no poll yet. */
  state: 'starting' | 'ok' | 'noSource' | 'invalid';
  /** The last composite in price units (0: none). */
  indexPrice: number;
  /** How it was formed: the weighted average, or the median when several sources deviated. */
  rule: 'weightedAverage' | 'median' | 'none';
  lastSentPrice: number;
  lastSentAtMs: number;
  sent: number;
  /** The engine's answer to the last SetIndexPrice (a Reject code, 0 accepted; -1 none yet). */
  lastCode: number;
  sources: IndexSourceStatus[];
}

/** Submits a command the way LiveRuntime.submit does: resolves once it is journaled and applied. */
export type SubmitIndex = (cmd: Command) => Promise<{ code: number }>;

// ---------------------------------------------------------------- exact decimals

/** A decimal as an integer and a power of ten: value = units / 10^scale. */
export interface Decimal {
  units: bigint;
  scale: number;
}

/** A fraction of integers, den > 0. */
export interface Fraction {
  num: bigint;
  den: bigint;
}

const DECIMAL = /^(\d+)(?:\.(\d+))?$/;
const MAX_DECIMAL_CHARS = 64;

/** Parses a non-negative decimal string ("94057.03", "1", "0.50"), exactly; undefined for anything else (signs, exponents, spaces). */
export function parseDecimal(text: string): Decimal | undefined {
  if (text.length > MAX_DECIMAL_CHARS) return undefined;
  const m = DECIMAL.exec(text);
  if (m === null) return undefined;
  const fraction = m[2] ?? '';
  return { units: BigInt(m[1]! + fraction), scale: fraction.length };
}

const pow10 = (n: number): bigint => 10n ** BigInt(n);

/**
 * A value in the instrument's price units, rounded to the nearest multiple of `tickSize`
 * (half way goes up): round(value * 10^priceDecimals / tickSize) * tickSize. Undefined when
 * the result is not a safe integer.
 */
export function toPriceUnits(value: Fraction, priceDecimals: number, tickSize: number): number | undefined {
  const num = value.num * pow10(priceDecimals);
  const den = value.den * BigInt(tickSize);
  // floor(x + 1/2) = floor((2 num + den) / (2 den)), all positive.
  const ticks = (2n * num + den) / (2n * den);
  const units = ticks * BigInt(tickSize);
  return units <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(units) : undefined;
}

/** One fresh price and its weight, for the composite. */
export interface Quote {
  price: Decimal;
  weight: Decimal;
}

export interface Composite {
  value: Fraction;
  rule: 'weightedAverage' | 'median';
  /** Per quote: farther than the limit from the median. */
  deviated: boolean[];
}

/**
 * Binance's composite of fresh quotes (see the header): the median M of the prices; quotes
 * with |P - M| > maxDeviationPpm * M / 10^6 are out; with none or one out, the weighted
 * average of the rest; with more than one, M. Exact, in fractions.
 */
export function compositeIndex(quotes: Quote[], maxDeviationPpm: number): Composite {
  if (quotes.length === 0) throw new Error('a composite needs a quote');
  // Prices and weights each on one scale.
  const ps = Math.max(...quotes.map((q) => q.price.scale));
  const ws = Math.max(...quotes.map((q) => q.weight.scale));
  const prices = quotes.map((q) => q.price.units * pow10(ps - q.price.scale));
  const weights = quotes.map((q) => q.weight.units * pow10(ws - q.weight.scale));
  const sorted = [...prices].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const mid = sorted.length >> 1;
  // The median as M / D in units of 10^-ps: the middle price, or the sum of the middle two over 2.
  const medianNum = sorted.length % 2 === 1 ? sorted[mid]! : sorted[mid - 1]! + sorted[mid]!;
  const medianDen = sorted.length % 2 === 1 ? 1n : 2n;
  const ppm = BigInt(maxDeviationPpm);
  const deviated = prices.map((p) => {
    const diff = p * medianDen - medianNum;
    return (diff < 0n ? -diff : diff) * 1_000_000n > ppm * medianNum;
  });
  const scale = pow10(ps);
  if (deviated.filter(Boolean).length > 1) return { value: { num: medianNum, den: medianDen * scale }, rule: 'median', deviated };
  let num = 0n;
  let den = 0n;
  for (let i = 0; i < prices.length; i++) {
    if (deviated[i]) continue;
    num += weights[i]! * prices[i]!;
    den += weights[i]!;
  }
  return { value: { num, den: den * scale }, rule: 'weightedAverage', deviated };
}

// ---------------------------------------------------------------- sources

type PathStep = string | number;

/** A JSON path as the config writes it: `price`, `data.last`, `$.result.list[0].lastPrice`. */
export function parseJsonPath(path: string): PathStep[] | undefined {
  const text = path.startsWith('$') ? path.slice(1).replace(/^\./, '') : path;
  if (text === '') return undefined;
  const steps: PathStep[] = [];
  for (const part of text.split('.')) {
    const m = /^([^[\]]*)((?:\[\d+\])*)$/.exec(part);
    if (m === null || (m[1] === '' && m[2] === '')) return undefined;
    if (m[1] !== '') steps.push(m[1]!);
    for (const index of m[2]!.matchAll(/\[(\d+)\]/g)) steps.push(Number(index[1]));
  }
  return steps;
}

function follow(json: unknown, steps: PathStep[]): unknown {
  let at = json;
  for (const step of steps) {
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Record<string | number, unknown>)[step];
  }
  return at;
}

/** The price text of a JSON value: a string as it is, a number through its shortest round-trip text (see the header). */
function priceText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value) && value > 0) {
    const text = String(value);
    return /e/i.test(text) ? undefined : text;
  }
  return undefined;
}

/** The most of a response body read: a ticker is a few dozen bytes. */
const MAX_BODY_BYTES = 1 << 16;

class Source {
  readonly name: string;
  readonly url: string;
  readonly weight: Decimal;
  private readonly steps: PathStep[];
  private readonly symbol: string | undefined;
  price: Decimal | undefined;
  priceText: string | undefined;
  readAtMs = 0;
  error: string | undefined;
  deviated = false;
  used = false;

  constructor(config: IndexSource, where: string) {
    const weight = config.weight ?? 1;
    const parsed = typeof weight === 'number' ? (Number.isSafeInteger(weight) && weight > 0 ? { units: BigInt(weight), scale: 0 } : undefined) : parseDecimal(weight);
    if (parsed === undefined || parsed.units === 0n) throw new Error(`${where}.weight: a positive safe integer or decimal string, not ${JSON.stringify(weight)}`);
    this.weight = parsed;
    if (config.kind === 'binance') {
      if (typeof config.symbol !== 'string' || !/^[A-Z0-9]{2,20}$/.test(config.symbol)) throw new Error(`${where}.symbol: a Binance symbol such as BTCUSDT, not ${JSON.stringify(config.symbol)}`);
      const base = (config.baseUrl ?? 'https://api.binance.com').replace(/\/+$/, '');
      this.url = `${base}/api/v3/ticker/price?symbol=${config.symbol}`;
      this.steps = ['price'];
      this.symbol = config.symbol;
      this.name = config.name ?? `binance:${config.symbol}`;
    } else if (config.kind === 'json') {
      const steps = parseJsonPath(config.jsonPath);
      if (steps === undefined) throw new Error(`${where}.jsonPath: a path such as data.price or $.result[0].last, not ${JSON.stringify(config.jsonPath)}`);
      this.url = config.url;
      this.steps = steps;
      this.symbol = undefined;
      this.name = config.name ?? config.url;
    } else {
      throw new Error(`${where}.kind: 'binance' or 'json', not ${JSON.stringify((config as { kind: unknown }).kind)}`);
    }
    try {
      const url = new URL(this.url);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http');
    } catch {
      throw new Error(`${where}: ${JSON.stringify(this.url)} is not an http or https URL`);
    }
  }

  /** One request: the new price, or the error (the last price stays until it is stale). */
  async read(signal: AbortSignal, nowMs: () => number): Promise<void> {
    try {
      const response = await fetch(this.url, { signal, headers: { accept: 'application/json' } });
      const body = await response.text();
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      if (body.length > MAX_BODY_BYTES) throw new Error(`a body of ${body.length} bytes`);
      const json = JSON.parse(body) as unknown;
      if (this.symbol !== undefined && follow(json, ['symbol']) !== this.symbol) throw new Error(`the ticker is of ${JSON.stringify(follow(json, ['symbol']))}, not ${this.symbol}`);
      const text = priceText(follow(json, this.steps));
      const price = text === undefined ? undefined : parseDecimal(text);
      if (price === undefined || price.units === 0n) throw new Error(`no positive decimal price at the path (${JSON.stringify(follow(json, this.steps))})`);
      this.price = price;
      this.priceText = text;
      this.readAtMs = nowMs();
      this.error = undefined;
    } catch (error) {
      this.error = error instanceof Error ? (error.name === 'TimeoutError' ? 'timed out' : causeOf(error)) : String(error);
    }
  }
}

/** fetch's "fetch failed" says little: the cause (ECONNREFUSED ...) says what. */
function causeOf(error: Error): string {
  const cause = (error as { cause?: unknown }).cause;
  if (cause instanceof Error) return `${error.message}: ${(cause as { code?: string }).code ?? cause.message}`;
  return error.message;
}

class Perp {
  readonly instrumentId: number;
  readonly priceDecimals: number;
  readonly tickSize: number;
  readonly sources: Source[];
  state: IndexPerpStatus['state'] = 'starting';
  indexPrice = 0;
  rule: IndexPerpStatus['rule'] = 'none';
  lastSentPrice = 0;
  lastSentAtMs = 0;
  sent = 0;
  lastCode = -1;

  constructor(config: IndexFeedPerp, where: string) {
    if (!(Number.isSafeInteger(config.instrumentId) && config.instrumentId > 0)) throw new Error(`${where}.instrumentId: a positive integer`);
    if (!(Number.isInteger(config.priceDecimals) && config.priceDecimals >= 0 && config.priceDecimals <= 18)) throw new Error(`${where}.priceDecimals: an integer from 0 to 18`);
    const tick = config.tickSize ?? 1;
    if (!(Number.isSafeInteger(tick) && tick > 0)) throw new Error(`${where}.tickSize: a positive integer`);
    if (!Array.isArray(config.sources) || config.sources.length === 0) throw new Error(`${where}.sources: at least one source`);
    this.instrumentId = config.instrumentId;
    this.priceDecimals = config.priceDecimals;
    this.tickSize = tick;
    this.sources = config.sources.map((s, k) => new Source(s, `${where}.sources[${k}]`));
  }
}

// ---------------------------------------------------------------- the feed

export class IndexFeed {
  private readonly perps: Perp[];
  private readonly intervalMs: number;
  private readonly timeoutMs: number;
  private readonly staleMs: number;
  private readonly maxDeviationPpm: number;
  private readonly maxSilenceMs: number;
  private readonly log: IndexFeedLog;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private readonly stopping = new AbortController();
  private stopped = false;

  /** Checks the options (an error names the field) and waits for `start` or `pollOnce`. */
  constructor(
    options: IndexFeedOptions,
    private readonly submit: SubmitIndex,
  ) {
    const positive = (value: unknown, field: string): number => {
      if (!(typeof value === 'number' && Number.isSafeInteger(value) && value > 0)) throw new Error(`indexFeed.${field}: a positive integer, not ${JSON.stringify(value)}`);
      return value;
    };
    this.intervalMs = positive(options.intervalMs, 'intervalMs');
    this.timeoutMs = positive(options.timeoutMs ?? Math.min(options.intervalMs, 5_000), 'timeoutMs');
    this.staleMs = positive(options.staleMs ?? 10_000, 'staleMs');
    this.maxDeviationPpm = positive(options.maxDeviationPpm ?? 50_000, 'maxDeviationPpm');
    this.maxSilenceMs = positive(options.maxSilenceMs ?? 60_000, 'maxSilenceMs');
    if (!Array.isArray(options.perps) || options.perps.length === 0) throw new Error('indexFeed.perps: at least one perpetual');
    this.perps = options.perps.map((p, k) => new Perp(p, `indexFeed.perps[${k}]`));
    const ids = new Set(this.perps.map((p) => p.instrumentId));
    if (ids.size !== this.perps.length) throw new Error('indexFeed.perps: an instrument twice');
    this.log = options.log ?? (() => undefined);
    this.now = options.now ?? (() => performance.now());
  }

  /** Polls now and every intervalMs until `stop`; a poll still running when the next is due is not doubled. */
  start(): void {
    if (this.timer !== undefined || this.stopped) return;
    void this.pollOnce();
    this.timer = setInterval(() => void this.pollOnce(), this.intervalMs);
  }

  /** Stops polling, cuts the requests in flight, and waits for the poll under way. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    this.stopping.abort();
    await this.polling;
  }

  /** One poll of every source, then each perpetual's composite and, if due, its SetIndexPrice. */
  pollOnce(): Promise<void> {
    if (this.polling !== undefined) return this.polling;
    if (this.stopped) return Promise.resolve();
    this.polling = this.poll().finally(() => {
      this.polling = undefined;
    });
    return this.polling;
  }

  status(): IndexPerpStatus[] {
    const now = this.now();
    return this.perps.map((p) => ({
      instrumentId: p.instrumentId,
      state: p.state,
      indexPrice: p.indexPrice,
      rule: p.rule,
      lastSentPrice: p.lastSentPrice,
      lastSentAtMs: p.lastSentAtMs,
      sent: p.sent,
      lastCode: p.lastCode,
      sources: p.sources.map((s) => ({
        name: s.name,
        price: s.priceText,
        readAtMs: s.readAtMs,
        error: s.error,
        fresh: this.isFresh(s, now),
        deviated: s.deviated,
        used: s.used,
      })),
    }));
  }

  private isFresh(s: Source, now: number): boolean {
    return s.price !== undefined && now - s.readAtMs <= this.staleMs;
  }

  private async poll(): Promise<void> {
    const signal = AbortSignal.any([AbortSignal.timeout(this.timeoutMs), this.stopping.signal]);
    const all = this.perps.flatMap((p) => p.sources);
    const errorsBefore = all.map((s) => s.error);
    await Promise.all(all.map((s) => s.read(signal, this.now)));
    if (this.stopped) return;
    all.forEach((s, k) => {
      if (s.error !== undefined && errorsBefore[k] === undefined) this.log('warn', 'index source failed', { source: s.name, error: s.error });
      else if (s.error === undefined && errorsBefore[k] !== undefined) this.log('info', 'index source back', { source: s.name });
    });
    for (const p of this.perps) this.update(p);
  }

  /** A perpetual's composite from its fresh sources, and its SetIndexPrice when the value changed or has been silent for maxSilenceMs. */
  private update(p: Perp): void {
    const now = this.now();
    const fresh = p.sources.filter((s) => this.isFresh(s, now));
    for (const s of p.sources) {
      s.deviated = false;
      s.used = false;
    }
    if (fresh.length === 0) {
      if (p.state !== 'noSource') this.log('warn', 'no fresh index source: nothing sent', { instrumentId: p.instrumentId, sources: p.sources.map((s) => `${s.name}: ${s.error ?? 'stale'}`) });
      p.state = 'noSource';
      p.rule = 'none';
      return;
    }
    const composite = compositeIndex(
      fresh.map((s) => ({ price: s.price!, weight: s.weight })),
      this.maxDeviationPpm,
    );
    fresh.forEach((s, k) => {
      s.deviated = composite.deviated[k]!;
      s.used = composite.rule === 'weightedAverage' && !s.deviated;
    });
    const price = toPriceUnits(composite.value, p.priceDecimals, p.tickSize);
    if (price === undefined || price < 1) {
      if (p.state !== 'invalid') this.log('error', 'index composite outside the prices a command carries: nothing sent', { instrumentId: p.instrumentId, num: String(composite.value.num), den: String(composite.value.den) });
      p.state = 'invalid';
      return;
    }
    if (p.state !== 'ok' && p.state !== 'starting') this.log('info', 'index sources fresh again', { instrumentId: p.instrumentId });
    p.state = 'ok';
    p.rule = composite.rule;
    p.indexPrice = price;
    if (price === p.lastSentPrice && now - p.lastSentAtMs < this.maxSilenceMs) return;
    p.lastSentPrice = price;
    p.lastSentAtMs = now;
    p.sent++;
    const cmd = new Command();
    cmd.kind = CommandKind.SetIndexPrice;
    cmd.instrumentId = p.instrumentId;
    cmd.price = price;
    this.log('debug', 'index price sent', { instrumentId: p.instrumentId, price, rule: composite.rule });
    this.submit(cmd).then(
      (result) => {
        p.lastCode = result.code;
        if (result.code !== 0) this.log('warn', 'index price refused by the engine', { instrumentId: p.instrumentId, price, code: result.code });
      },
      (error: unknown) => this.log('error', 'index price not submitted', { instrumentId: p.instrumentId, price, error: String(error) }),
    );
  }
}
