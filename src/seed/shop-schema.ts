// The demo shop's tables in MySQL/MariaDB, as an application would declare them.

export const SHOP_TABLES = [
  'categories',
  'products',
  'inventory',
  'customers',
  'addresses',
  'orders',
  'order_items',
  'payments',
  'reviews',
] as const;
export type ShopTable = (typeof SHOP_TABLES)[number];

/** ferry's marker of what it created: seed arguments and row counts. */
export const MARKER_TABLE = '_ferry_seed';

const TIMES = `created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  updated_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6)`;

export const SHOP_DDL: Record<ShopTable, string> = {
  categories: `CREATE TABLE categories (
  id SMALLINT UNSIGNED NOT NULL PRIMARY KEY,
  parent_id SMALLINT UNSIGNED NULL,
  name VARCHAR(100) NOT NULL,
  slug VARCHAR(120) NOT NULL,
  sort_order TINYINT NOT NULL DEFAULT 0,
  ${TIMES},
  UNIQUE KEY uq_categories_slug (slug),
  KEY idx_categories_parent (parent_id),
  CONSTRAINT fk_categories_parent FOREIGN KEY (parent_id) REFERENCES categories (id)
)`,
  products: `CREATE TABLE products (
  id INT UNSIGNED NOT NULL PRIMARY KEY,
  category_id SMALLINT UNSIGNED NOT NULL,
  sku CHAR(12) CHARACTER SET ascii NOT NULL,
  name VARCHAR(200) NOT NULL,
  description TEXT NULL,
  price DECIMAL(10,2) UNSIGNED NOT NULL,
  cost DECIMAL(10,2) UNSIGNED NOT NULL,
  weight_grams MEDIUMINT UNSIGNED NULL,
  attributes JSON NULL,
  is_active TINYINT(1) NOT NULL DEFAULT 1,
  thumbnail BLOB NULL,
  ${TIMES},
  UNIQUE KEY uq_products_sku (sku),
  KEY idx_products_category (category_id),
  KEY idx_products_updated (updated_at),
  CONSTRAINT fk_products_category FOREIGN KEY (category_id) REFERENCES categories (id)
)`,
  inventory: `CREATE TABLE inventory (
  product_id INT UNSIGNED NOT NULL,
  warehouse ENUM('AMS','NYC','SIN') NOT NULL,
  quantity INT NOT NULL,
  reorder_level SMALLINT UNSIGNED NOT NULL DEFAULT 10,
  updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  PRIMARY KEY (product_id, warehouse),
  CONSTRAINT fk_inventory_product FOREIGN KEY (product_id) REFERENCES products (id)
)`,
  customers: `CREATE TABLE customers (
  id INT UNSIGNED NOT NULL PRIMARY KEY,
  email VARCHAR(255) NOT NULL,
  first_name VARCHAR(100) NOT NULL,
  last_name VARCHAR(100) NOT NULL,
  birth_date DATE NULL,
  is_active TINYINT(1) NOT NULL DEFAULT 1,
  loyalty_tier ENUM('bronze','silver','gold','platinum') NOT NULL DEFAULT 'bronze',
  marketing_opt_in SET('email','sms','push') NOT NULL DEFAULT '',
  preferences JSON NULL,
  signup_ip VARBINARY(16) NULL,
  ${TIMES},
  UNIQUE KEY uq_customers_email (email),
  KEY idx_customers_name (last_name, first_name),
  KEY idx_customers_updated (updated_at)
)`,
  addresses: `CREATE TABLE addresses (
  id INT UNSIGNED NOT NULL PRIMARY KEY,
  customer_id INT UNSIGNED NOT NULL,
  kind ENUM('shipping','billing') NOT NULL,
  line1 VARCHAR(200) NOT NULL,
  line2 VARCHAR(200) NULL,
  city VARCHAR(100) NOT NULL,
  postal_code VARCHAR(20) NULL,
  country CHAR(2) CHARACTER SET ascii NOT NULL,
  is_default TINYINT(1) NOT NULL DEFAULT 0,
  ${TIMES},
  KEY idx_addresses_customer (customer_id),
  CONSTRAINT fk_addresses_customer FOREIGN KEY (customer_id) REFERENCES customers (id)
)`,
  orders: `CREATE TABLE orders (
  id BIGINT UNSIGNED NOT NULL PRIMARY KEY,
  customer_id INT UNSIGNED NOT NULL,
  shipping_address_id INT UNSIGNED NULL,
  status ENUM('pending','paid','shipped','delivered','cancelled','refunded') NOT NULL DEFAULT 'pending',
  currency CHAR(3) CHARACTER SET ascii NOT NULL DEFAULT 'EUR',
  subtotal DECIMAL(12,2) NOT NULL,
  shipping_fee DECIMAL(8,2) NOT NULL,
  tax DECIMAL(10,2) NOT NULL,
  total DECIMAL(12,2) NOT NULL,
  placed_at DATETIME(6) NOT NULL,
  paid_at DATETIME(6) NULL,
  shipped_at DATETIME(6) NULL,
  delivered_at DATETIME(6) NULL,
  notes TEXT NULL,
  ${TIMES},
  KEY idx_orders_customer (customer_id),
  KEY idx_orders_status (status),
  KEY idx_orders_placed (placed_at),
  KEY idx_orders_updated (updated_at),
  CONSTRAINT fk_orders_customer FOREIGN KEY (customer_id) REFERENCES customers (id),
  CONSTRAINT fk_orders_address FOREIGN KEY (shipping_address_id) REFERENCES addresses (id)
)`,
  order_items: `CREATE TABLE order_items (
  id BIGINT UNSIGNED NOT NULL PRIMARY KEY,
  order_id BIGINT UNSIGNED NOT NULL,
  product_id INT UNSIGNED NOT NULL,
  quantity SMALLINT UNSIGNED NOT NULL,
  unit_price DECIMAL(10,2) NOT NULL,
  discount DECIMAL(10,2) NOT NULL DEFAULT 0.00,
  line_total DECIMAL(12,2) NOT NULL,
  ${TIMES},
  KEY idx_items_order (order_id),
  KEY idx_items_product (product_id),
  KEY idx_items_updated (updated_at),
  CONSTRAINT fk_items_order FOREIGN KEY (order_id) REFERENCES orders (id),
  CONSTRAINT fk_items_product FOREIGN KEY (product_id) REFERENCES products (id)
)`,
  payments: `CREATE TABLE payments (
  id BIGINT UNSIGNED NOT NULL PRIMARY KEY,
  order_id BIGINT UNSIGNED NOT NULL,
  method ENUM('card','paypal','bank_transfer','gift_card') NOT NULL,
  status ENUM('authorized','captured','refunded','failed') NOT NULL,
  amount DECIMAL(12,2) NOT NULL,
  provider_ref VARBINARY(16) NOT NULL,
  processed_at DATETIME(6) NOT NULL,
  ${TIMES},
  KEY idx_payments_order (order_id),
  CONSTRAINT fk_payments_order FOREIGN KEY (order_id) REFERENCES orders (id)
)`,
  reviews: `CREATE TABLE reviews (
  id INT UNSIGNED NOT NULL PRIMARY KEY,
  product_id INT UNSIGNED NOT NULL,
  customer_id INT UNSIGNED NOT NULL,
  order_id BIGINT UNSIGNED NOT NULL,
  rating TINYINT UNSIGNED NOT NULL,
  title VARCHAR(200) NULL,
  body TEXT NOT NULL,
  helpful_votes INT UNSIGNED NOT NULL DEFAULT 0,
  ${TIMES},
  KEY idx_reviews_product (product_id),
  CONSTRAINT fk_reviews_product FOREIGN KEY (product_id) REFERENCES products (id),
  CONSTRAINT fk_reviews_customer FOREIGN KEY (customer_id) REFERENCES customers (id),
  CONSTRAINT fk_reviews_order FOREIGN KEY (order_id) REFERENCES orders (id)
)`,
};
