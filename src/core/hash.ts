// A 128-bit non-cryptographic hash of a stream of numbers and strings, for `stateHash()`:
// equal states give equal hashes on any machine (numbers are hashed by their IEEE-754
// bits, little-endian words), and a difference anywhere changes the result with
// overwhelming probability. Four murmur3-style 32-bit lanes with different seeds, taking
// the words in turn and mixed into each other every four, combined in a final avalanche. No imports: src/core has none outside itself.
// Also `mix32`, the home of a key in the engine's hash tables.

const scratch = new Float64Array(1);
const scratchWords = new Uint32Array(scratch.buffer);

function round(h: number, k: number): number {
  k = Math.imul(k, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

function avalanche(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

export class StateHasher {
  private a = 0x243f6a88;
  private b = 0x85a308d3;
  private c = 0x13198a2e;
  private d = 0x03707344;
  private words = 0;

  // Each word goes to one lane in turn, as xxHash's stripes do: a quarter of the rounds of
  // feeding every word to all four lanes (stateHash of 1M orders: 627 ms before).
  private word(w: number): void {
    switch (this.words & 3) {
      case 0:
        this.a = round(this.a, w);
        break;
      case 1:
        this.b = round(this.b, w);
        break;
      case 2:
        this.c = round(this.c, w);
        break;
      default:
        this.d = round(this.d, w);
        // Lanes feed each other so that they do not stay independent functions of the
        // input. By addition, not xor alone: a^=d, d^=c, c^=b, b^=a left the xor of the four
        // lanes 0 after every mix, so a quarter of all states hashed to two equal halves.
        this.a = (this.a + ((this.d << 11) | (this.d >>> 21))) | 0;
        this.b = (this.b + ((this.a << 7) | (this.a >>> 25))) | 0;
        this.c = (this.c + ((this.b << 13) | (this.b >>> 19))) | 0;
        this.d = (this.d + ((this.c << 17) | (this.c >>> 15))) | 0;
    }
    this.words++;
  }

  /** A value known to fit 32 bits (by where it is in the state, so no tag is needed). */
  u32(x: number): this {
    this.word(x | 0);
    return this;
  }

  number(x: number): this {
    scratch[0] = x;
    this.word(scratchWords[0]!);
    this.word(scratchWords[1]!);
    return this;
  }

  /** A list, its length first (so that two lists back to back cannot be read as others). */
  numbers(xs: readonly number[]): this {
    this.number(xs.length);
    for (const x of xs) this.number(x);
    return this;
  }

  string(s: string): this {
    this.number(s.length);
    for (let i = 0; i < s.length; i++) this.word(s.charCodeAt(i));
    return this;
  }

  /** 32 lowercase hex digits. */
  digest(): string {
    // murmur3 x86_128's finish: every output word depends on all four lanes.
    const n = this.words;
    let a = this.a ^ n;
    let b = this.b ^ n;
    let c = this.c ^ n;
    let d = this.d ^ n;
    a = (a + b + c + d) | 0;
    b = (b + a) | 0;
    c = (c + a) | 0;
    d = (d + a) | 0;
    a = avalanche(a);
    b = avalanche(b);
    c = avalanche(c);
    d = avalanche(d);
    a = (a + b + c + d) | 0;
    b = (b + a) | 0;
    c = (c + a) | 0;
    d = (d + a) | 0;
    let out = '';
    for (const h of [a, b, c, d]) out += (h >>> 0).toString(16).padStart(8, '0');
    return out;
  }
}

/** 2^-32: multiplying by a power of two is exact, and cheaper than dividing. */
const INV_TWO_32 = 1 / 4294967296;

/** Mixes a safe integer (and a second key) into 32 bits: the home of a key in a hash table. */
export function mix32(key: number, salt: number): number {
  const lo = key >>> 0;
  const hi = ((key - lo) * INV_TWO_32) | 0;
  let h = Math.imul(lo, 0x9e3779b1) ^ Math.imul(hi ^ salt, 0x85ebca77);
  h ^= h >>> 16;
  h = Math.imul(h, 0xc2b2ae3d);
  return h ^ (h >>> 13);
}
