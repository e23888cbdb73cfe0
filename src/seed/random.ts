// A seeded pseudo-random generator (sfc32) and the samplers the shop data needs. Same seed, same stream.

export class Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number, stream = 0) {
    // splitmix32 spreads the seed and the stream number over the four words of state (a loop, not a
    // closure: a Random is made per order and per customer, hundreds of thousands of times)
    let s = (seed ^ Math.imul(stream + 1, 0x9e3779b9)) >>> 0;
    const words = [0, 0, 0, 0];
    for (let k = 0; k < 4; k++) {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      words[k] = (z ^ (z >>> 16)) >>> 0;
    }
    this.a = words[0]!;
    this.b = words[1]!;
    this.c = words[2]!;
    this.d = words[3]!;
    for (let i = 0; i < 12; i++) this.next();
  }

  /** A float in [0, 1). */
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return (t >>> 0) / 4294967296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** Picks by weight: weights need not sum to 1. */
  weighted<T>(items: readonly T[], weights: readonly number[]): T {
    let total = 0;
    for (const w of weights) total += w;
    let x = this.next() * total;
    for (let i = 0; i < items.length; i++) {
      x -= weights[i]!;
      if (x < 0) return items[i]!;
    }
    return items[items.length - 1]!;
  }

  /** n random bytes as lower-case hex. */
  hex(n: number): string {
    let out = '';
    for (let i = 0; i < n; i++) out += HEX[Math.floor(this.next() * 256)]!;
    return out;
  }

  bytes(n: number): Buffer {
    const out = Buffer.alloc(n);
    for (let i = 0; i < n; i++) out[i] = Math.floor(this.next() * 256);
    return out;
  }
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** A weighted choice prepared once: one draw and a short scan per pick, no arrays made per call. */
export class Weighted<T> {
  private readonly cumulative: Float64Array;
  private readonly total: number;

  constructor(
    private readonly items: readonly T[],
    weights: readonly number[],
  ) {
    this.cumulative = new Float64Array(weights.length);
    let sum = 0;
    weights.forEach((w, i) => (this.cumulative[i] = sum += w));
    this.total = sum;
  }

  pick(random: Random): T {
    const x = random.next() * this.total;
    const last = this.items.length - 1;
    for (let i = 0; i < last; i++) if (x < this.cumulative[i]!) return this.items[i]!;
    return this.items[last]!;
  }
}

/** Zipf-like popularity over n items (rank 1 most popular): a few items get most picks. */
export class ZipfSampler {
  private readonly cdf: Float64Array;

  constructor(n: number, exponent = 1.1) {
    this.cdf = new Float64Array(n);
    let sum = 0;
    for (let i = 0; i < n; i++) {
      sum += 1 / Math.pow(i + 1, exponent);
      this.cdf[i] = sum;
    }
    for (let i = 0; i < n; i++) this.cdf[i]! /= sum;
  }

  /** A 0-based rank. */
  sample(random: Random): number {
    const x = random.next();
    let lo = 0;
    let hi = this.cdf.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.cdf[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

const DAY = 86_400_000;
const WEEKDAY_WEIGHT = [1.25, 0.85, 0.9, 0.95, 1.0, 1.1, 1.3]; // Sunday first: shoppers buy on weekends
const MONTH_WEIGHT = [0.8, 0.75, 0.85, 0.85, 0.9, 0.9, 0.85, 0.9, 0.95, 1.0, 1.45, 1.7]; // November, December peaks

const HOUR = new Weighted([0, 3, 6, 9, 12, 15, 18, 21], [0.3, 0.1, 0.4, 1.0, 1.2, 1.0, 1.5, 1.3]);

/**
 * Instants between `from` and `to` (ms) with weekly and seasonal rhythms, a growing trend and a daily
 * curve. The day weights are worked out once, so a draw needs no Date.
 */
export class OrderTimeSampler {
  private readonly firstDay: number;
  private readonly weights: Float64Array;

  constructor(from: number, to: number) {
    this.firstDay = Math.floor(from / DAY);
    this.weights = new Float64Array(Math.floor((to - from) / DAY));
    for (let k = 0; k < this.weights.length; k++) {
      const day = this.firstDay + k;
      const date = new Date(day * DAY);
      const trend = 0.6 + 0.4 * ((day * DAY - from) / (to - from));
      this.weights[k] = WEEKDAY_WEIGHT[date.getUTCDay()]! * MONTH_WEIGHT[date.getUTCMonth()]! * trend;
    }
  }

  sample(random: Random): number {
    for (;;) {
      // rejection sampling: a uniform day, kept with probability weight / (largest weight bound)
      const k = random.int(0, this.weights.length - 1);
      if (random.next() * 1.7 * 1.3 > this.weights[k]!) continue;
      // more orders in the evening than at night
      const hour = HOUR.pick(random) + random.int(0, 2);
      return (this.firstDay + k) * DAY + Math.min(hour, 23) * 3_600_000 + random.int(0, 3_599_999);
    }
  }
}
