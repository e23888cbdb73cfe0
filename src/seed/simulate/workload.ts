// The operations an application performs on the shop, chosen by weight from a seeded PRNG. Each
// operation reports which table rows it touched, so a test can check that replication saw them all.
import type { MysqlConnection } from '../../connectors/mysql/connect.js';
import { REVIEW_PHRASES, EMOJI } from '../phrases.js';
import type { Random } from '../random.js';

export type Operation =
  | 'new_customer'
  | 'new_order'
  | 'advance_order'
  | 'cancel_order'
  | 'price_change'
  | 'stock_change'
  | 'address_edit'
  | 'review_delete'
  | 'order_hard_delete'
  | 'silent_update';

/** Relative frequency of each operation. */
export const OPERATION_WEIGHTS: Record<Operation, number> = {
  new_order: 30,
  advance_order: 25,
  new_customer: 8,
  stock_change: 12,
  price_change: 6,
  address_edit: 6,
  cancel_order: 4,
  review_delete: 3,
  order_hard_delete: 2,
  silent_update: 4,
};

export interface Touch {
  table: string;
  action: 'insert' | 'update' | 'delete' | 'silent_update';
  key: string;
}

type Row = Record<string, unknown>;

const NEXT_STATUS: Record<string, string> = { pending: 'paid', paid: 'shipped', shipped: 'delivered' };
const STATUS_TIME: Record<string, string> = {
  paid: 'paid_at',
  shipped: 'shipped_at',
  delivered: 'delivered_at',
};

async function rows(connection: MysqlConnection, sql: string, params: unknown[] = []): Promise<Row[]> {
  const [result] = await connection.query(sql, params);
  return result as Row[];
}

async function maxId(connection: MysqlConnection, table: string): Promise<number> {
  const [r] = await rows(connection, `SELECT COALESCE(MAX(id), 0) AS m FROM \`${table}\``);
  return Number(r!.m);
}

/** Finds a row near a random id (ids have gaps after deletes). */
async function pickId(
  connection: MysqlConnection,
  random: Random,
  table: string,
  where = '1=1',
): Promise<number | undefined> {
  const max = await maxId(connection, table);
  if (max === 0) return undefined;
  const target = random.int(1, max);
  const [r] = await rows(
    connection,
    `SELECT id FROM \`${table}\` WHERE id >= ? AND ${where} ORDER BY id LIMIT 1`,
    [target],
  );
  const found =
    r ?? (await rows(connection, `SELECT id FROM \`${table}\` WHERE ${where} ORDER BY id DESC LIMIT 1`))[0];
  return found ? Number(found.id) : undefined;
}

const money = (cents: number) => (cents / 100).toFixed(2);

export async function perform(
  connection: MysqlConnection,
  random: Random,
  operation: Operation,
): Promise<Touch[]> {
  switch (operation) {
    case 'new_customer': {
      const id = (await maxId(connection, 'customers')) + 1;
      const first = random.pick(['Zoë', 'Mateo', 'Aiko', 'Łukasz', 'Chloé', '王芳', 'Søren', 'Amara']);
      const last = random.pick(['Müller', 'García', 'Tanaka', 'Nowak', 'Dubois', 'Smith', 'Okafor']);
      await connection.query(
        `INSERT INTO customers (id, email, first_name, last_name, loyalty_tier, marketing_opt_in, preferences) VALUES (?, ?, ?, ?, 'bronze', 'email', ?)`,
        [id, `sim.${id}@example.com`, first, last, JSON.stringify({ language: 'en', newsletter: true })],
      );
      await connection.query(
        `INSERT INTO addresses (id, customer_id, kind, line1, city, postal_code, country, is_default) VALUES (?, ?, 'shipping', ?, ?, ?, 'DE', 1)`,
        [2 * id - 1, id, `${random.int(1, 200)} Hauptstraße`, 'Köln', String(random.int(10000, 99999))],
      );
      return [
        { table: 'customers', action: 'insert', key: String(id) },
        { table: 'addresses', action: 'insert', key: String(2 * id - 1) },
      ];
    }
    case 'new_order': {
      const customer = await pickId(connection, random, 'customers');
      if (customer === undefined) return [];
      const [address] = await rows(
        connection,
        'SELECT id FROM addresses WHERE customer_id = ? ORDER BY id LIMIT 1',
        [customer],
      );
      const id = (await maxId(connection, 'orders')) + 1;
      const count = random.int(1, 4);
      const items: { product: number; quantity: number; unit: number }[] = [];
      for (let k = 0; k < count; k++) {
        const product = await pickId(connection, random, 'products');
        if (product === undefined) continue;
        const [p] = await rows(connection, 'SELECT price FROM products WHERE id = ?', [product]);
        items.push({ product, quantity: random.int(1, 3), unit: Math.round(Number(p!.price) * 100) });
      }
      const subtotal = items.reduce((s, it) => s + it.unit * it.quantity, 0);
      const shipping = subtotal >= 5000 ? 0 : 495;
      const tax = Math.round(subtotal * 0.2);
      await connection.beginTransaction();
      try {
        await connection.query(
          `INSERT INTO orders (id, customer_id, shipping_address_id, status, subtotal, shipping_fee, tax, total, placed_at) VALUES (?, ?, ?, 'pending', ?, ?, ?, ?, NOW(6))`,
          [
            id,
            customer,
            address?.id ?? null,
            money(subtotal),
            money(shipping),
            money(tax),
            money(subtotal + shipping + tax),
          ],
        );
        const touches: Touch[] = [{ table: 'orders', action: 'insert', key: String(id) }];
        for (let k = 0; k < items.length; k++) {
          const it = items[k]!;
          const itemId = (id - 1) * 8 + k + 1;
          await connection.query(
            `INSERT INTO order_items (id, order_id, product_id, quantity, unit_price, discount, line_total) VALUES (?, ?, ?, ?, ?, 0.00, ?)`,
            [itemId, id, it.product, it.quantity, money(it.unit), money(it.unit * it.quantity)],
          );
          touches.push({ table: 'order_items', action: 'insert', key: String(itemId) });
        }
        await connection.commit();
        return touches;
      } catch (error) {
        await connection.rollback();
        throw error;
      }
    }
    case 'advance_order': {
      const id = await pickId(connection, random, 'orders', "status IN ('pending', 'paid', 'shipped')");
      if (id === undefined) return [];
      const [o] = await rows(connection, 'SELECT status, total FROM orders WHERE id = ?', [id]);
      const next = NEXT_STATUS[String(o!.status)]!;
      await connection.query(`UPDATE orders SET status = ?, \`${STATUS_TIME[next]}\` = NOW(6) WHERE id = ?`, [
        next,
        id,
      ]);
      const touches: Touch[] = [{ table: 'orders', action: 'update', key: String(id) }];
      if (next === 'paid') {
        const [result] = await connection.query(
          `INSERT INTO payments (id, order_id, method, status, amount, provider_ref, processed_at) VALUES (?, ?, 'card', 'captured', ?, ?, NOW(6))
           ON DUPLICATE KEY UPDATE status = 'captured', processed_at = NOW(6)`,
          [id, id, o!.total, random.bytes(16)],
        );
        // affectedRows is 1 for a new row and 2 when an authorized payment was captured
        const inserted = (result as { affectedRows: number }).affectedRows === 1;
        touches.push({ table: 'payments', action: inserted ? 'insert' : 'update', key: String(id) });
      }
      if (next === 'delivered' && random.chance(0.3)) {
        const [item] = await rows(
          connection,
          'SELECT o.customer_id, i.product_id FROM orders o JOIN order_items i ON i.order_id = o.id WHERE o.id = ? ORDER BY i.id LIMIT 1',
          [id],
        );
        const [exists] = await rows(connection, 'SELECT id FROM reviews WHERE id = ?', [id]);
        if (item && !exists) {
          await connection.query(
            `INSERT INTO reviews (id, product_id, customer_id, order_id, rating, body) VALUES (?, ?, ?, ?, ?, ?)`,
            [
              id,
              item.product_id,
              item.customer_id,
              id,
              random.int(1, 5),
              `${random.pick(REVIEW_PHRASES)} ${random.pick(EMOJI)}`,
            ],
          );
          touches.push({ table: 'reviews', action: 'insert', key: String(id) });
        }
      }
      return touches;
    }
    case 'cancel_order': {
      const id = await pickId(connection, random, 'orders', "status IN ('pending', 'paid')");
      if (id === undefined) return [];
      await connection.query("UPDATE orders SET status = 'cancelled' WHERE id = ?", [id]);
      return [{ table: 'orders', action: 'update', key: String(id) }];
    }
    case 'price_change': {
      const id = await pickId(connection, random, 'products');
      if (id === undefined) return [];
      await connection.query('UPDATE products SET price = GREATEST(0.99, ROUND(price * ?, 2)) WHERE id = ?', [
        random.pick([0.9, 0.95, 1.05, 1.1]),
        id,
      ]);
      return [{ table: 'products', action: 'update', key: String(id) }];
    }
    case 'stock_change': {
      const product = await pickId(connection, random, 'products');
      if (product === undefined) return [];
      const warehouse = random.pick(['AMS', 'NYC', 'SIN']);
      await connection.query(
        'UPDATE inventory SET quantity = quantity + ? WHERE product_id = ? AND warehouse = ?',
        [random.int(-5, 40), product, warehouse],
      );
      return [{ table: 'inventory', action: 'update', key: `${product},${warehouse}` }];
    }
    case 'address_edit': {
      const id = await pickId(connection, random, 'addresses');
      if (id === undefined) return [];
      await connection.query('UPDATE addresses SET line1 = ?, city = ? WHERE id = ?', [
        `${random.int(1, 300)} Rue de la Paix`,
        random.pick(['Paris', 'Zürich', 'Kraków', '東京']),
        id,
      ]);
      return [{ table: 'addresses', action: 'update', key: String(id) }];
    }
    case 'review_delete': {
      const id = await pickId(connection, random, 'reviews');
      if (id === undefined) return [];
      await connection.query('DELETE FROM reviews WHERE id = ?', [id]);
      return [{ table: 'reviews', action: 'delete', key: String(id) }];
    }
    case 'order_hard_delete': {
      const id = await pickId(connection, random, 'orders', "status IN ('cancelled')");
      if (id === undefined) return [];
      const items = await rows(connection, 'SELECT id FROM order_items WHERE order_id = ?', [id]);
      const reviews = await rows(connection, 'SELECT id FROM reviews WHERE order_id = ?', [id]);
      const payments = await rows(connection, 'SELECT id FROM payments WHERE order_id = ?', [id]);
      await connection.beginTransaction();
      try {
        await connection.query('DELETE FROM reviews WHERE order_id = ?', [id]);
        await connection.query('DELETE FROM payments WHERE order_id = ?', [id]);
        await connection.query('DELETE FROM order_items WHERE order_id = ?', [id]);
        await connection.query('DELETE FROM orders WHERE id = ?', [id]);
        await connection.commit();
      } catch (error) {
        await connection.rollback();
        throw error;
      }
      return [
        { table: 'orders', action: 'delete', key: String(id) },
        ...items.map((r) => ({ table: 'order_items', action: 'delete' as const, key: String(r.id) })),
        ...reviews.map((r) => ({ table: 'reviews', action: 'delete' as const, key: String(r.id) })),
        ...payments.map((r) => ({ table: 'payments', action: 'delete' as const, key: String(r.id) })),
      ];
    }
    case 'silent_update': {
      // Like a real bug: the row changes but updated_at does not, so a cursor cannot see it.
      const id = await pickId(connection, random, 'orders');
      if (id === undefined) return [];
      await connection.query('UPDATE orders SET notes = ?, updated_at = updated_at WHERE id = ?', [
        `edited by support ${random.int(1, 9999)}`,
        id,
      ]);
      return [{ table: 'orders', action: 'silent_update', key: String(id) }];
    }
  }
}
