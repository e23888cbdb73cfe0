import { describe, expect, it } from 'vitest';
import { OrderTimeSampler, Random, ZipfSampler } from '../../../src/seed/random.js';
import { formatDateTime, sizeOf } from '../../../src/seed/shop-data.js';

describe('the seeded random generator', () => {
  it('repeats the same sequence for the same seed and stream, and differs otherwise', () => {
    const draw = (seed: number, stream: number) =>
      Array.from(
        { length: 5 },
        (
          (r) => () =>
            r.next()
        )(new Random(seed, stream)),
      );
    expect(draw(1, 0)).toEqual(draw(1, 0));
    expect(draw(1, 0)).not.toEqual(draw(2, 0));
    expect(draw(1, 0)).not.toEqual(draw(1, 1));
  });

  it('draws integers within the bounds, covering both ends', () => {
    const r = new Random(3);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) seen.add(r.int(1, 6));
    expect([...seen].sort()).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('gives the first ranks of a Zipf sampler most picks', () => {
    const zipf = new ZipfSampler(1000, 1.0);
    const r = new Random(5);
    let top10 = 0;
    for (let i = 0; i < 20_000; i++) if (zipf.sample(r) < 10) top10++;
    expect(top10 / 20_000).toBeGreaterThan(0.3); // 1% of the items, about 39% of the picks
  });

  it('places more orders on Sundays than on Tuesdays and more in December than in February', () => {
    const r = new Random(9);
    const from = Date.UTC(2024, 0, 1);
    const to = Date.UTC(2026, 0, 1);
    const days = new Array<number>(7).fill(0);
    const months = new Array<number>(12).fill(0);
    const sampler = new OrderTimeSampler(from, to);
    for (let i = 0; i < 20_000; i++) {
      const t = new Date(sampler.sample(r));
      days[t.getUTCDay()]!++;
      months[t.getUTCMonth()]!++;
      expect(t.getTime()).toBeGreaterThanOrEqual(from);
      expect(t.getTime()).toBeLessThan(to);
    }
    expect(days[0]!).toBeGreaterThan(days[2]! * 1.2);
    expect(months[11]!).toBeGreaterThan(months[1]! * 1.8);
  });
});

describe('shop sizes and formats', () => {
  it('defines scale 1 as 100,000 orders', () => {
    expect(sizeOf(1)).toMatchObject({ orders: 100_000, customers: 25_000, products: 5_000 });
  });

  it('prints DATETIME(6) values with microseconds', () => {
    expect(formatDateTime(Date.UTC(2025, 11, 24, 18, 5, 9, 123), 456)).toBe('2025-12-24 18:05:09.123456');
  });
});
