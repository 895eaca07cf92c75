//! The demo dataset: synthetic customers and their orders, made from a seed, so a new user has
//! rows to query, segment and preview before importing their own. The same seed makes the
//! same rows on every machine; a few values are deliberately messy (no email, a blank one, a
//! name longer than forms allow, birthdates in 1900 or the future, non-Latin names,
//! apostrophes, a repeated email) because real customer lists have them and later previews
//! must catch them.

mod gen;
mod words;

use crate::db::DataStore;
use crate::error::{DataError, Result};
use crate::schema::{find_table, record_columns};
use crate::types::{ColumnMeta, ColumnType};
use rand::SeedableRng;
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use serde::Serialize;
use std::time::Instant;

/// The orders table's indexes. Joins and "has orders where …" look orders up by customer; the
/// second index covers the usual "orders in the last N days over an amount", so such a segment
/// reads only the recent orders instead of all of them (the query bench measures both).
pub const ORDER_INDEXES: &str = "CREATE INDEX orders_by_customer ON orders (customer_id);
     CREATE INDEX orders_by_date ON orders (order_date, total, customer_id);";

/// Customers made on first start.
pub const DEFAULT_ROWS: u64 = 10_000;
/// The seed of the first-start dataset.
pub const DEFAULT_SEED: u64 = 0xFE44_2025;
/// Most customers one demo may have (the orders add about 2.3 times as many rows).
pub const MAX_ROWS: u64 = 20_000_000;
/// The meta key that records that the first-start demo was made (or skipped).
pub const META_KEY: &str = "demo_dataset";

/// What [`DataStore::make_demo`] made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct DemoReport {
    pub customers: u64,
    pub orders: u64,
    pub elapsed_ms: u64,
}

/// The `customers` table: (column, Ferry type, PII).
const CUSTOMER_COLUMNS: &[(&str, ColumnType, bool)] = &[
    ("customer_id", ColumnType::Text, false),
    ("first_name", ColumnType::Text, true),
    ("last_name", ColumnType::Text, true),
    ("email", ColumnType::Text, true),
    ("phone", ColumnType::Text, true),
    ("street", ColumnType::Text, true),
    ("city", ColumnType::Text, true),
    ("postcode", ColumnType::Text, true),
    ("country", ColumnType::Text, false),
    ("birthdate", ColumnType::Date, true),
    ("loyalty_tier", ColumnType::Text, false),
    ("lifetime_value", ColumnType::Decimal, false),
    ("last_order_date", ColumnType::Date, false),
    ("opt_in_email", ColumnType::Boolean, false),
    ("opt_in_sms", ColumnType::Boolean, false),
    ("created_at", ColumnType::DateTime, false),
];

/// The `orders` table: (column, Ferry type, PII).
const ORDER_COLUMNS: &[(&str, ColumnType, bool)] = &[
    ("order_id", ColumnType::Text, false),
    ("customer_id", ColumnType::Text, false),
    ("order_date", ColumnType::Date, false),
    ("total", ColumnType::Decimal, false),
    ("status", ColumnType::Text, false),
    ("channel", ColumnType::Text, false),
];

impl DataStore {
    /// Makes `customers` demo customers (and their orders) from `seed`, replacing the tables
    /// `customers` and `orders` in one transaction. `progress` hears how many customers are
    /// made so far.
    pub fn make_demo(
        &self,
        customers: u64,
        seed: u64,
        progress: &mut dyn FnMut(u64),
    ) -> Result<DemoReport> {
        if customers > MAX_ROWS {
            return Err(DataError::field(
                "rows",
                format!("A demo dataset can have at most {MAX_ROWS} customers: ask for fewer."),
            ));
        }
        let mut conn = self.writer();
        build(&mut conn, customers, seed, progress, None).map_err(|e| self.fail(e))
    }

    /// Makes the demo dataset on first start: only when it was never made (nor skipped)
    /// before and there is no `customers` table of the user's own. Returns `None` when it
    /// did nothing. Either way it is not tried again.
    pub fn ensure_demo(&self) -> Result<Option<DemoReport>> {
        let mut conn = self.writer();
        let done: Option<String> = conn
            .query_row(
                "SELECT value FROM _ferry_meta WHERE key = ?1",
                [META_KEY],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.fail(e))?;
        if done.is_some() {
            return Ok(None);
        }
        if find_table(&conn, "customers")
            .map_err(|e| self.fail(e))?
            .is_some()
        {
            set_meta(&conn, "skipped: a customers table was already there")
                .map_err(|e| self.fail(e))?;
            return Ok(None);
        }
        build(
            &mut conn,
            DEFAULT_ROWS,
            DEFAULT_SEED,
            &mut |_| {},
            Some("made"),
        )
        .map(Some)
        .map_err(|e| self.fail(e))
    }
}

fn set_meta(conn: &Connection, value: &str) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO _ferry_meta (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [META_KEY, value],
    )
    .map(|_| ())
}

/// Creates both tables and fills them, inside one transaction that also records the
/// columns' types and PII marks and, when `meta` is given, the first-start key.
fn build(
    conn: &mut Connection,
    customers: u64,
    seed: u64,
    progress: &mut dyn FnMut(u64),
    meta: Option<&str>,
) -> rusqlite::Result<DemoReport> {
    let started = Instant::now();
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute_batch(
        "DROP TABLE IF EXISTS orders;
         DROP TABLE IF EXISTS customers;
         CREATE TABLE customers (
             customer_id TEXT PRIMARY KEY, first_name TEXT, last_name TEXT, email TEXT,
             phone TEXT, street TEXT, city TEXT, postcode TEXT, country TEXT, birthdate TEXT,
             loyalty_tier TEXT, lifetime_value REAL, last_order_date TEXT,
             opt_in_email INTEGER, opt_in_sms INTEGER, created_at TEXT);
         CREATE TABLE orders (
             order_id TEXT PRIMARY KEY, customer_id TEXT NOT NULL, order_date TEXT,
             total REAL, status TEXT, channel TEXT);",
    )?;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut orders_made = 0u64;
    let mut previous_email: Option<String> = None;
    {
        let mut add_customer = tx.prepare(
            "INSERT INTO customers VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
        )?;
        let mut add_order = tx.prepare("INSERT INTO orders VALUES (?1, ?2, ?3, ?4, ?5, ?6)")?;
        for n in 1..=customers {
            let (c, orders) =
                gen::customer(&mut rng, n, orders_made + 1, previous_email.as_deref());
            add_customer.execute(params![
                c.customer_id,
                c.first_name,
                c.last_name,
                c.email,
                c.phone,
                c.street,
                c.city,
                c.postcode,
                c.country,
                c.birthdate,
                c.loyalty_tier,
                c.lifetime_value,
                c.last_order_date,
                c.opt_in_email,
                c.opt_in_sms,
                c.created_at,
            ])?;
            for o in &orders {
                add_order.execute(params![
                    o.order_id,
                    c.customer_id,
                    o.order_date,
                    o.total,
                    o.status,
                    o.channel
                ])?;
            }
            orders_made += orders.len() as u64;
            previous_email = c.email;
            if n % 1000 == 0 {
                progress(n);
            }
        }
    }
    // NOTE: made after the rows, so each index is built in one sorted pass.
    tx.execute_batch(ORDER_INDEXES)?;
    record_columns(&tx, "customers", &metas(CUSTOMER_COLUMNS))?;
    record_columns(&tx, "orders", &metas(ORDER_COLUMNS))?;
    if let Some(value) = meta {
        set_meta(&tx, value)?;
    }
    tx.commit()?;
    progress(customers);
    Ok(DemoReport {
        customers,
        orders: orders_made,
        elapsed_ms: started.elapsed().as_millis() as u64,
    })
}

fn metas(cols: &[(&str, ColumnType, bool)]) -> Vec<ColumnMeta> {
    cols.iter()
        .map(|(name, column_type, pii)| ColumnMeta {
            name: name.to_string(),
            column_type: *column_type,
            pii: *pii,
        })
        .collect()
}

#[cfg(test)]
mod tests;
