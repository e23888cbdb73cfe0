// Generates the demo shop's rows, table by table, as LOAD DATA lines. Everything derives from the
// seed and the scale: no wall clock, no Math.random, so the same arguments give byte-identical tables.
//
// Rows that belong together (an order, its items, its payment, its review) are generated from one
// PRNG stream per order, so each table can be produced in its own pass and still agree.
import { formatDate, formatDateTime, formatMoney as money, formatSeconds } from './format.js';
import { field, type LoadColumn } from './load-data.js';
import type { Pools } from './pools.js';
import { EMOJI, REVIEW_PHRASES } from './phrases.js';
import { OrderTimeSampler, Random, Weighted, ZipfSampler } from './random.js';
import type { ShopTable } from './shop-schema.js';

/** The data spans the two years before this instant (UTC). */
export const ANCHOR = Date.UTC(2026, 0, 1);
const SPAN = 730 * 86_400_000;
const FROM = ANCHOR - SPAN;
const DAY = 86_400_000;

export const WAREHOUSES = ['AMS', 'NYC', 'SIN'] as const;
const ORDER_STATUSES = ['pending', 'paid', 'shipped', 'delivered', 'cancelled', 'refunded'] as const;
type Status = (typeof ORDER_STATUSES)[number];

export interface ShopSize {
  categories: number;
  products: number;
  customers: number;
  orders: number;
}

/** Scale 1: 5,000 products, 25,000 customers, 100,000 orders (about 540,000 rows in all). */
export function sizeOf(scale: number): ShopSize {
  return {
    categories: 8 + 8 * 7,
    products: Math.max(20, Math.round(5_000 * scale)),
    customers: Math.max(10, Math.round(25_000 * scale)),
    orders: Math.max(20, Math.round(100_000 * scale)),
  };
}

export { formatDateTime };
function slugify(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

/** Per-entity facts every table agrees on, drawn once from the seed: plain arrays a thread can copy. */
export interface ShopFacts {
  /** Customer i (0-based) signed up at customerSince[i]; ids are i + 1, increasing with time. */
  customerSince: Float64Array;
  productPrice: Int32Array;
  productCategory: Int32Array;
  productCreated: Float64Array;
  /** Popularity rank -> product index. */
  productByRank: Int32Array;
  orderPlaced: Float64Array;
  orderCustomer: Int32Array;
}

// Facts live in shared memory: the generator threads read the same arrays instead of each a copy.
const sharedFloats = (n: number) => new Float64Array(new SharedArrayBuffer(n * 8));
const sharedInts = (n: number) => new Int32Array(new SharedArrayBuffer(n * 4));

export function shopFacts(seed: number, scale: number): ShopFacts {
  const size = sizeOf(scale);
  const r = new Random(seed, 1);
  const { customers, products, orders } = size;

  const customerSince = sharedFloats(customers);
  // sign-ups accelerate over time: t = span * sqrt(u) puts more of them late
  for (let i = 0; i < customers; i++)
    customerSince[i] = FROM - 90 * DAY + Math.floor((SPAN + 60 * DAY) * Math.sqrt(r.next()));
  customerSince.sort();

  const productPrice = sharedInts(products);
  const productCategory = sharedInts(products);
  const productCreated = sharedFloats(products);
  const leafCategories = size.categories - 8;
  for (let i = 0; i < products; i++) {
    productPrice[i] = Math.round(Math.exp(r.next() * 6.2 + 5.5)); // about 2.45 to 1,200.00
    productCategory[i] = 9 + r.int(0, leafCategories - 1);
    productCreated[i] = FROM - 180 * DAY + Math.floor(r.next() * (SPAN * 0.9));
  }
  const productByRank = sharedInts(products);
  for (let i = 0; i < products; i++) productByRank[i] = i;
  for (let i = products - 1; i > 0; i--) {
    const j = r.int(0, i);
    [productByRank[i], productByRank[j]] = [productByRank[j]!, productByRank[i]!];
  }

  const orderPlaced = sharedFloats(orders);
  const orderTime = new OrderTimeSampler(FROM, ANCHOR);
  for (let i = 0; i < orders; i++) orderPlaced[i] = orderTime.sample(r);
  orderPlaced.sort();
  const orderCustomer = sharedInts(orders);
  for (let i = 0; i < orders; i++) {
    // any customer who had signed up by then; repeat buyers come from the Zipf-free uniform pick
    const bound = upperBound(customerSince, orderPlaced[i]!);
    orderCustomer[i] = bound === 0 ? 0 : r.int(0, bound - 1);
  }
  return {
    customerSince,
    productPrice,
    productCategory,
    productCreated,
    productByRank,
    orderPlaced,
    orderCustomer,
  };
}

/** Everything the passes share: sizes, pools, and per-entity facts computed once. */
export class ShopModel implements ShopFacts {
  readonly size: ShopSize;
  readonly customerSince: Float64Array;
  readonly productPrice: Int32Array;
  readonly productCategory: Int32Array;
  readonly productCreated: Float64Array;
  readonly productByRank: Int32Array;
  readonly orderPlaced: Float64Array;
  readonly orderCustomer: Int32Array;
  /** The pools' names folded to ASCII for e-mail addresses, once rather than per customer. */
  readonly foldedFirstNames: string[];
  readonly foldedLastNames: string[];
  private readonly zipf: ZipfSampler;

  constructor(
    readonly seed: number,
    readonly scale: number,
    readonly pools: Pools,
    facts: ShopFacts = shopFacts(seed, scale),
  ) {
    this.size = sizeOf(scale);
    this.customerSince = facts.customerSince;
    this.productPrice = facts.productPrice;
    this.productCategory = facts.productCategory;
    this.productCreated = facts.productCreated;
    this.productByRank = facts.productByRank;
    this.orderPlaced = facts.orderPlaced;
    this.orderCustomer = facts.orderCustomer;
    this.zipf = new ZipfSampler(this.size.products, 0.95);
    this.foldedFirstNames = pools.firstNames.map(asciiFold);
    this.foldedLastNames = pools.lastNames.map(asciiFold);
  }

  /** A product index, popular ones most often. */
  popularProduct(random: Random): number {
    return this.productByRank[this.zipf.sample(random)]!;
  }

  /** The order's own PRNG stream: every pass over order i sees the same draws. */
  orderRandom(i: number): Random {
    return new Random(this.seed, 10_000_000 + i);
  }

  order(i: number): OrderFacts {
    return orderFacts(this, i);
  }
}

function upperBound(sorted: Float64Array, value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export interface OrderItemFacts {
  product: number;
  quantity: number;
  unitCents: number;
  discountCents: number;
  lineCents: number;
}

export interface OrderFacts {
  id: number;
  customer: number;
  status: Status;
  placed: number;
  paid: number | null;
  shipped: number | null;
  delivered: number | null;
  closed: number | null;
  items: OrderItemFacts[];
  subtotal: number;
  shipping: number;
  tax: number;
  total: number;
  random: Random;
}

const ITEM_COUNT = new Weighted([1, 2, 3, 4, 5, 6], [30, 28, 20, 12, 6, 4]);
const QUANTITY = new Weighted([1, 2, 3, 4], [70, 20, 7, 3]);
const OUTCOME = new Weighted(['delivered', 'cancelled', 'refunded'] as const, [88, 6, 6]);
/** How far along the lifecycle a status is: 1 paid, 2 shipped, 3 delivered (refunds came after delivery). */
const STAGE: Record<Status, number> = {
  pending: 0,
  cancelled: 0,
  paid: 1,
  shipped: 2,
  delivered: 3,
  refunded: 3,
};

function orderFacts(model: ShopModel, i: number): OrderFacts {
  const random = model.orderRandom(i);
  const placed = model.orderPlaced[i]!;
  const count = ITEM_COUNT.pick(random);
  const items: OrderItemFacts[] = [];
  for (let k = 0; k < count; k++) {
    const product = model.popularProduct(random);
    const quantity = QUANTITY.pick(random);
    const unitCents = model.productPrice[product]!;
    const discountCents = random.chance(0.1)
      ? Math.round((unitCents * quantity * random.int(5, 20)) / 100)
      : 0;
    items.push({
      product,
      quantity,
      unitCents,
      discountCents,
      lineCents: unitCents * quantity - discountCents,
    });
  }
  const subtotal = items.reduce((sum, it) => sum + it.lineCents, 0);
  const shipping = subtotal >= 5000 ? 0 : 495;
  const tax = Math.round(subtotal * 0.2);

  // The lifecycle: pending -> paid -> shipped -> delivered, with cancellations and refunds.
  const outcome = OUTCOME.pick(random);
  const paid = placed + random.int(1, 180) * 60_000;
  const shipped = paid + random.int(6, 72) * 3_600_000;
  const delivered = shipped + random.int(1, 6) * DAY;
  let status: Status;
  let closed: number | null = null;
  if (outcome === 'cancelled') {
    closed = placed + random.int(10, 600) * 60_000;
    status = closed <= ANCHOR ? 'cancelled' : 'pending';
  } else if (delivered > ANCHOR) status = shipped <= ANCHOR ? 'shipped' : paid <= ANCHOR ? 'paid' : 'pending';
  else if (outcome === 'refunded') {
    closed = delivered + random.int(2, 20) * DAY;
    status = closed <= ANCHOR ? 'refunded' : 'delivered';
  } else status = 'delivered';
  const stage = STAGE[status];
  return {
    id: i + 1,
    customer: model.orderCustomer[i]!,
    status,
    placed,
    paid: stage >= 1 ? paid : null,
    shipped: stage >= 2 ? shipped : null,
    delivered: stage >= 3 ? delivered : null,
    closed: status === 'cancelled' || status === 'refunded' ? closed : null,
    items,
    subtotal,
    shipping,
    tax,
    total: subtotal + shipping + tax,
    random,
  };
}

function lastEvent(o: OrderFacts): number {
  return Math.max(o.placed, o.paid ?? 0, o.shipped ?? 0, o.delivered ?? 0, o.closed ?? 0);
}

const line = (values: (string | number | null)[]) => values.map(field).join('\t') + '\n';

/** The columns each table's LOAD DATA names, in file order. */
export const COLUMNS: Record<ShopTable, LoadColumn[]> = {
  categories: ['id', 'parent_id', 'name', 'slug', 'sort_order', 'created_at', 'updated_at'].map((name) => ({
    name,
  })),
  products: [
    ...[
      'id',
      'category_id',
      'sku',
      'name',
      'description',
      'price',
      'cost',
      'weight_grams',
      'attributes',
      'is_active',
    ].map((name) => ({ name })),
    { name: 'thumbnail', hex: true },
    { name: 'created_at' },
    { name: 'updated_at' },
  ],
  inventory: ['product_id', 'warehouse', 'quantity', 'reorder_level', 'updated_at'].map((name) => ({ name })),
  customers: [
    ...[
      'id',
      'email',
      'first_name',
      'last_name',
      'birth_date',
      'is_active',
      'loyalty_tier',
      'marketing_opt_in',
      'preferences',
    ].map((name) => ({ name })),
    { name: 'signup_ip', hex: true },
    { name: 'created_at' },
    { name: 'updated_at' },
  ],
  addresses: [
    'id',
    'customer_id',
    'kind',
    'line1',
    'line2',
    'city',
    'postal_code',
    'country',
    'is_default',
    'created_at',
    'updated_at',
  ].map((name) => ({ name })),
  orders: [
    'id',
    'customer_id',
    'shipping_address_id',
    'status',
    'currency',
    'subtotal',
    'shipping_fee',
    'tax',
    'total',
    'placed_at',
    'paid_at',
    'shipped_at',
    'delivered_at',
    'notes',
    'created_at',
    'updated_at',
  ].map((name) => ({ name })),
  order_items: [
    'id',
    'order_id',
    'product_id',
    'quantity',
    'unit_price',
    'discount',
    'line_total',
    'created_at',
    'updated_at',
  ].map((name) => ({ name })),
  payments: [
    ...['id', 'order_id', 'method', 'status', 'amount'].map((name) => ({ name })),
    { name: 'provider_ref', hex: true },
    { name: 'processed_at' },
    { name: 'created_at' },
    { name: 'updated_at' },
  ],
  reviews: [
    'id',
    'product_id',
    'customer_id',
    'order_id',
    'rating',
    'title',
    'body',
    'helpful_votes',
    'created_at',
    'updated_at',
  ].map((name) => ({ name })),
};

/** Lines of a LOAD DATA stream, grouped, with how many lines the text holds. */
export interface Chunk {
  text: string;
  lines: number;
}

/** Groups lines into chunks of about 128 KiB for the LOAD DATA stream. */
function* chunked(lines: Iterable<string>): Generator<Chunk> {
  let buffer = '';
  let count = 0;
  for (const l of lines) {
    buffer += l;
    count++;
    if (buffer.length >= 131_072) {
      yield { text: buffer, lines: count };
      buffer = '';
      count = 0;
    }
  }
  if (buffer) yield { text: buffer, lines: count };
}

export interface TableData {
  columns: LoadColumn[];
  rows: () => Generator<Chunk>;
}

export function categories(model: ShopModel): TableData {
  const r = new Random(model.seed, 2);
  const { departments, adjectives } = model.pools;
  const roots = departments.slice(0, 8);
  while (roots.length < 8) roots.push(`Department ${roots.length + 1}`);
  const rows: string[] = [];
  const created = formatDateTime(FROM - 365 * DAY);
  roots.forEach((name, i) =>
    rows.push(line([i + 1, null, name, slugify(name) || `d${i + 1}`, i, created, created])),
  );
  for (let i = 0; i < 8 * 7; i++) {
    const parent = Math.floor(i / 7) + 1;
    const name = `${adjectives[(i * 7 + r.int(0, 6)) % adjectives.length]} ${roots[parent - 1]}`;
    rows.push(line([9 + i, parent, name, `${slugify(name)}-${9 + i}`, i % 7, created, created]));
  }
  return {
    columns: COLUMNS.categories,
    rows: () => chunked(rows),
  };
}

export function products(model: ShopModel): TableData {
  const { pools } = model;
  return {
    columns: COLUMNS.products,
    rows: () =>
      chunked(
        (function* () {
          const r = new Random(model.seed, 3);
          for (let i = 0; i < model.size.products; i++) {
            const price = model.productPrice[i]!;
            const name = `${r.pick(pools.adjectives)} ${r.pick(pools.materials)} ${r.pick(pools.productNames)}`;
            const attributes = r.chance(0.85)
              ? JSON.stringify({
                  color: r.pick(pools.colors),
                  material: r.pick(pools.materials).toLowerCase(),
                  tags: [
                    r.pick(pools.adjectives).toLowerCase(),
                    r.pick(['new', 'sale', 'eco', 'bestseller']),
                  ],
                })
              : null;
            const thumbnail = r.chance(0.2) ? '89504E470D0A1A0A' + r.hex(r.int(24, 64)).toUpperCase() : null;
            const created = model.productCreated[i]!;
            const updated = created + r.int(0, 200) * DAY;
            yield line([
              i + 1,
              model.productCategory[i]!,
              `SKU-${String(i + 1).padStart(8, '0')}`,
              name,
              r.chance(0.9) ? r.pick(pools.sentences) : null,
              money(price),
              money(Math.round(price * (0.35 + r.next() * 0.4))),
              r.chance(0.95) ? r.int(20, 25_000) : null,
              attributes,
              r.chance(0.93) ? 1 : 0,
              thumbnail,
              formatDateTime(created, r.int(0, 999)),
              formatDateTime(Math.min(updated, ANCHOR - DAY), r.int(0, 999)),
            ]);
          }
        })(),
      ),
  };
}

const REORDER_LEVELS = [5, 10, 20, 50];

export function inventory(model: ShopModel): TableData {
  return {
    columns: COLUMNS.inventory,
    rows: () =>
      chunked(
        (function* () {
          const r = new Random(model.seed, 4);
          for (let i = 0; i < model.size.products; i++) {
            for (const warehouse of WAREHOUSES) {
              const quantity = r.chance(0.03) ? -r.int(1, 20) : r.int(0, 500); // a few backorders
              const level = r.pick(REORDER_LEVELS);
              const updated = formatSeconds(ANCHOR - r.int(1, 90) * DAY - r.int(0, 86_399) * 1000);
              yield `${i + 1}\t${warehouse}\t${quantity}\t${level}\t${updated}\n`;
            }
          }
        })(),
      ),
  };
}

export function asciiFold(text: string): string {
  const folded = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '');
  return folded || 'user';
}

const MAIL_DOMAINS = ['example.com', 'example.org', 'example.net', 'mail.example'];
const LOYALTY_TIER = new Weighted(['bronze', 'silver', 'gold', 'platinum'], [60, 25, 12, 3]);
const OPT_INS = ['email', 'sms', 'push'];
const OPT_IN_CHANCE = [0.6, 0.15, 0.3];
const SIZES = ['S', 'M', 'L', 'XL'];

export function customers(model: ShopModel): TableData {
  const { pools } = model;
  return {
    columns: COLUMNS.customers,
    rows: () =>
      chunked(
        (function* () {
          for (let i = 0; i < model.size.customers; i++) {
            const r = new Random(model.seed, 20_000_000 + i);
            const locale = r.int(0, pools.firstNames.length - 1);
            const first = pools.firstNames[locale]!;
            const lastIndex = r.int(0, pools.lastNames.length - 1);
            const last = pools.lastNames[lastIndex]!;
            const since = model.customerSince[i]!;
            const optIn = OPT_INS.filter((_, k) => r.chance(OPT_IN_CHANCE[k]!)).join(',');
            const preferences = r.chance(0.6)
              ? JSON.stringify({
                  language: pools.countries[locale]!.toLowerCase(),
                  newsletter: optIn.includes('email'),
                  sizes: r.chance(0.5) ? [r.pick(SIZES)] : [],
                })
              : null;
            const ip = r.chance(0.8) ? r.hex(4) : r.chance(0.5) ? r.hex(16) : null;
            yield line([
              i + 1,
              `${model.foldedFirstNames[locale]!}.${model.foldedLastNames[lastIndex]!}.${i + 1}@${r.pick(MAIL_DOMAINS)}`,
              first,
              last,
              r.chance(0.7) ? formatDate(Date.UTC(1950, 0, 1) + r.int(0, 55 * 365) * DAY) : null,
              r.chance(0.96) ? 1 : 0,
              LOYALTY_TIER.pick(r),
              optIn,
              preferences,
              ip,
              formatDateTime(since, r.int(0, 999)),
              formatDateTime(Math.min(since + r.int(0, 400) * DAY, ANCHOR - 1000), r.int(0, 999)),
            ]);
          }
        })(),
      ),
  };
}

/** Customer i has a shipping address 2i+1 and, for about half of them, a billing address 2i+2. */
export function addresses(model: ShopModel): TableData {
  const { pools } = model;
  return {
    columns: COLUMNS.addresses,
    rows: () =>
      chunked(
        (function* () {
          for (let i = 0; i < model.size.customers; i++) {
            const r = new Random(model.seed, 30_000_000 + i);
            const since = formatDateTime(model.customerSince[i]!, r.int(0, 999));
            const place = r.int(0, pools.cities.length - 1);
            yield line([
              2 * i + 1,
              i + 1,
              'shipping',
              pools.streets[place]!,
              r.chance(0.15) ? `Apt ${r.int(1, 400)}` : null,
              pools.cities[place]!,
              r.chance(0.97) ? pools.postcodes[place]! : null,
              pools.countries[place]!,
              1,
              since,
              since,
            ]);
            if (r.chance(0.5)) {
              const other = r.int(0, pools.cities.length - 1);
              yield line([
                2 * i + 2,
                i + 1,
                'billing',
                pools.streets[other]!,
                null,
                pools.cities[other]!,
                pools.postcodes[other]!,
                pools.countries[other]!,
                0,
                since,
                since,
              ]);
            }
          }
        })(),
      ),
  };
}

/** LOAD DATA's NULL. */
const NULL = '\\N';
const text = (value: string | null) => (value === null ? NULL : field(value));

const NOTES = [
  'Leave at the door 🚪',
  'Gift wrap please 🎁',
  'Call before delivery',
  'Bitte beim Nachbarn abgeben',
  'Livrer après 18h',
  '置き配希望',
].map(field);

export function orders(model: ShopModel): TableData {
  return {
    columns: COLUMNS.orders,
    rows: () =>
      chunked(
        (function* () {
          for (let i = 0; i < model.size.orders; i++) {
            const o = model.order(i);
            const micros = o.random.int(0, 999);
            const placed = formatDateTime(o.placed, micros);
            const ts = (ms: number | null) => (ms === null ? NULL : formatDateTime(ms, micros));
            const notes = o.random.chance(0.05) ? o.random.pick(NOTES) : NULL;
            yield `${o.id}\t${o.customer + 1}\t${2 * o.customer + 1}\t${o.status}\tEUR\t${money(o.subtotal)}\t${money(o.shipping)}\t${money(o.tax)}\t${money(o.total)}\t${placed}\t${ts(o.paid)}\t${ts(o.shipped)}\t${ts(o.delivered)}\t${notes}\t${placed}\t${ts(lastEvent(o))}\n`;
          }
        })(),
      ),
  };
}

/** Item ids: order i's k-th item is i * 8 + k + 1 (orders have at most 6 items). */
export function orderItems(model: ShopModel): TableData {
  return {
    columns: COLUMNS.order_items,
    rows: () =>
      chunked(
        (function* () {
          for (let i = 0; i < model.size.orders; i++) {
            const o = model.order(i);
            const created = formatDateTime(o.placed);
            for (let k = 0; k < o.items.length; k++) {
              const it = o.items[k]!;
              yield `${i * 8 + k + 1}\t${o.id}\t${it.product + 1}\t${it.quantity}\t${money(it.unitCents)}\t${money(it.discountCents)}\t${money(it.lineCents)}\t${created}\t${created}\n`;
            }
          }
        })(),
      ),
  };
}

const PAYMENT_METHOD = new Weighted(['card', 'paypal', 'bank_transfer', 'gift_card'], [65, 22, 9, 4]);

/** Payment ids equal their order's id; orders without a payment leave gaps. */
export function payments(model: ShopModel): TableData {
  return {
    columns: COLUMNS.payments,
    rows: () =>
      chunked(
        (function* () {
          for (let i = 0; i < model.size.orders; i++) {
            const o = model.order(i);
            const r = new Random(model.seed, 40_000_000 + i);
            let status: string | null = null;
            if (o.status === 'paid' || o.status === 'shipped' || o.status === 'delivered')
              status = 'captured';
            else if (o.status === 'refunded') status = 'refunded';
            else if (o.status === 'cancelled') status = r.chance(0.5) ? 'failed' : null;
            else if (o.status === 'pending') status = r.chance(0.3) ? 'authorized' : null;
            if (status === null) continue;
            const processed = o.paid ?? o.placed + 60_000;
            const updated = status === 'refunded' ? (o.closed ?? processed) : processed;
            const method = PAYMENT_METHOD.pick(r);
            const processedText = formatDateTime(processed);
            yield `${o.id}\t${o.id}\t${method}\t${status}\t${money(o.total)}\t${r.hex(16)}\t${processedText}\t${processedText}\t${formatDateTime(updated)}\n`;
          }
        })(),
      ),
  };
}

const REFUNDED_RATING = new Weighted([1, 2, 3], [50, 35, 15]);
const RATING = new Weighted([1, 2, 3, 4, 5], [4, 5, 11, 30, 50]);

/** About a quarter of delivered orders get a review of their first item; ids equal the order id. */
export function reviews(model: ShopModel): TableData {
  return {
    columns: COLUMNS.reviews,
    rows: () =>
      chunked(
        (function* () {
          for (let i = 0; i < model.size.orders; i++) {
            const o = model.order(i);
            const r = new Random(model.seed, 50_000_000 + i);
            if (
              (o.status !== 'delivered' && o.status !== 'refunded') ||
              o.delivered === null ||
              !r.chance(0.25)
            )
              continue;
            const rating = (o.status === 'refunded' ? REFUNDED_RATING : RATING).pick(r);
            const written = formatDateTime(Math.min(o.delivered + r.int(1, 30) * DAY, ANCHOR - 1000));
            const body = `${r.pick(REVIEW_PHRASES)} ${r.chance(0.5) ? r.pick(REVIEW_PHRASES) + ' ' : ''}${r.pick(EMOJI)}`;
            const title = r.chance(0.7) ? '★'.repeat(rating) + ' ' + r.pick(model.pools.adjectives) : null;
            const votes = r.chance(0.3) ? r.int(1, 250) : 0;
            yield `${o.id}\t${o.items[0]!.product + 1}\t${o.customer + 1}\t${o.id}\t${rating}\t${text(title)}\t${field(body)}\t${votes}\t${written}\t${written}\n`;
          }
        })(),
      ),
  };
}

export const GENERATORS = {
  categories,
  products,
  inventory,
  customers,
  addresses,
  orders,
  order_items: orderItems,
  payments,
  reviews,
} as const;
export { ORDER_STATUSES };
