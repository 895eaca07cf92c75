//! Making one demo customer and their orders from the seeded random stream.
//!
//! Everything is drawn from one ChaCha8 stream in a fixed order, and only through integer
//! ranges of fixed width (never `usize`, whose sampling differs between 32- and 64-bit
//! targets), so a seed gives the same rows on every platform.

use super::words::*;
use crate::import::suggest_identifier;
use chrono::{Days, NaiveDate};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// The demo's "today": fixed, so that the rows do not depend on when they are made.
pub(super) fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 6, 30).unwrap_or_default()
}

/// A messy value deliberately put into a customer, so previews have something to catch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mess {
    None,
    NoEmail,
    BlankEmail,
    SameEmailAsBefore,
    LongName,
    BornOn1900,
    BornInTheFuture,
    SpacesAroundName,
    ShoutedEmail,
}

/// How often each mess happens, out of 10,000 customers.
const MESS_RATES: &[(Mess, u32)] = &[
    (Mess::NoEmail, 100),
    (Mess::BlankEmail, 30),
    (Mess::SameEmailAsBefore, 20),
    (Mess::LongName, 10),
    (Mess::BornOn1900, 30),
    (Mess::BornInTheFuture, 10),
    (Mess::SpacesAroundName, 20),
    (Mess::ShoutedEmail, 50),
];

/// Customers (by number) that always carry a given mess or name, so even a small dataset
/// shows every kind.
const SHOWCASE_MESS: &[(u64, Mess)] = &[
    (3, Mess::NoEmail),
    (8, Mess::LongName),
    (15, Mess::BornOn1900),
    (21, Mess::BornInTheFuture),
    (34, Mess::SameEmailAsBefore),
    (55, Mess::BlankEmail),
    (60, Mess::SpacesAroundName),
    (70, Mess::ShoutedEmail),
];
const SHOWCASE_NAMES: &[(u64, &str, &str)] = &[
    (2, "Siobhán", "O'Brien"),
    (5, "Zoë", "Ångström"),
    (13, "Łukasz", "Wiśniewski"),
    (27, "花子", "山田"),
];

/// One customer row, in the `customers` table's column order.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Customer {
    pub customer_id: String,
    pub first_name: String,
    pub last_name: String,
    pub email: Option<String>,
    pub phone: String,
    pub street: String,
    pub city: &'static str,
    pub postcode: String,
    pub country: &'static str,
    pub birthdate: String,
    pub loyalty_tier: &'static str,
    pub lifetime_value: f64,
    pub last_order_date: Option<String>,
    pub opt_in_email: bool,
    pub opt_in_sms: bool,
    pub created_at: String,
}

/// One order row.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Order {
    pub order_id: String,
    pub order_date: String,
    pub total: f64,
    pub status: &'static str,
    pub channel: &'static str,
}

/// Makes customer number `n` (from 1) and their orders, numbering orders from `next_order`.
/// `previous_email` is the last customer's, for the duplicate-email mess.
pub(super) fn customer(
    rng: &mut ChaCha8Rng,
    n: u64,
    next_order: u64,
    previous_email: Option<&str>,
) -> (Customer, Vec<Order>) {
    let country = weighted_country(rng);
    let (mut first, mut last) = if country.name == "Japan" && rng.gen_ratio(2, 3) {
        (
            pick(rng, JAPANESE_FIRST).to_string(),
            pick(rng, JAPANESE_LAST).to_string(),
        )
    } else {
        (
            pick(rng, FIRST_NAMES).to_string(),
            pick(rng, LAST_NAMES).to_string(),
        )
    };
    if let Some((_, f, l)) = SHOWCASE_NAMES.iter().find(|(k, _, _)| *k == n) {
        (first, last) = (f.to_string(), l.to_string());
    }
    let roll = rng.gen_range(0..10_000u32);
    let mess = SHOWCASE_MESS
        .iter()
        .find(|(k, _)| *k == n)
        .map(|(_, m)| *m)
        .unwrap_or_else(|| rate_pick(roll, MESS_RATES));

    let email = make_email(rng, n, &first, &last);
    let email = match (mess, previous_email) {
        (Mess::NoEmail, _) => None,
        (Mess::BlankEmail, _) => Some(String::new()),
        (Mess::SameEmailAsBefore, Some(prev)) if !prev.is_empty() => Some(prev.to_string()),
        (Mess::ShoutedEmail, _) => Some(shout(&email)),
        _ => Some(email),
    };
    match mess {
        Mess::LongName => {
            let mut long = last.clone();
            while long.chars().count() <= 160 {
                long.push(' ');
                long.push_str(pick(rng, LONG_NAME_PARTS));
            }
            last = long;
        }
        Mess::SpacesAroundName => first = format!(" {first}  "),
        _ => {}
    }

    let phone = pattern(rng, country.phone);
    let street = format!("{} {}", rng.gen_range(1..240u32), pick(rng, STREETS));
    let city = pick(rng, country.cities);
    let postcode = pattern(rng, country.postcode);
    let adult_until = today() - Days::new(18 * 366);
    let birthdate = match mess {
        Mess::BornOn1900 => "1900-01-01".to_string(),
        Mess::BornInTheFuture => {
            day_between(rng, today() + Days::new(30), today() + Days::new(3000))
        }
        _ => day_between(rng, date(1940, 1, 1), adult_until),
    };
    let tier = weighted(rng, TIERS);
    let created = date(2015, 1, 1) + Days::new(rng.gen_range(0..3800u64));
    let created_at = format!(
        "{created}T{:02}:{:02}:{:02}Z",
        rng.gen_range(0..24u32),
        rng.gen_range(0..60u32),
        rng.gen_range(0..60u32)
    );
    let opt_in_email = rng.gen_ratio(6, 10);
    let opt_in_sms = rng.gen_ratio(3, 10);

    let count = weighted(
        rng,
        &[(0u64, 20), (1, 25), (2, 20), (3, 15), (4, 12), (5, 8)],
    );
    let span = (today() - created).num_days().max(1) as u64;
    let mut orders: Vec<Order> = (0..count)
        .map(|_| {
            let day = created + Days::new(rng.gen_range(0..span));
            let cents = if rng.gen_ratio(1, 20) {
                rng.gen_range(50_000..500_000u64)
            } else {
                rng.gen_range(499..25_000u64)
            };
            let recent = (today() - day).num_days() < 14;
            let status = match (recent, rng.gen_ratio(1, 2)) {
                (true, true) => "processing",
                (true, false) => "shipped",
                (false, _) => weighted(rng, STATUSES),
            };
            Order {
                order_id: String::new(),
                order_date: day.to_string(),
                total: cents as f64 / 100.0,
                status,
                channel: weighted(rng, CHANNELS),
            }
        })
        .collect();
    // Numbered in date order, as a shop's order numbers would be.
    orders.sort_by(|a, b| a.order_date.cmp(&b.order_date));
    for (k, o) in orders.iter_mut().enumerate() {
        o.order_id = format!("O{:08}", next_order + k as u64);
    }
    let kept_cents: u64 = orders
        .iter()
        .filter(|o| o.status != "cancelled" && o.status != "returned")
        .map(|o| (o.total * 100.0).round() as u64)
        .sum();
    let customer = Customer {
        customer_id: format!("C{n:06}"),
        first_name: first,
        last_name: last,
        email,
        phone,
        street,
        city,
        postcode,
        country: country.name,
        birthdate,
        loyalty_tier: tier,
        lifetime_value: kept_cents as f64 / 100.0,
        last_order_date: orders.last().map(|o| o.order_date.clone()),
        opt_in_email,
        opt_in_sms,
        created_at,
    };
    (customer, orders)
}

fn make_email(rng: &mut ChaCha8Rng, n: u64, first: &str, last: &str) -> String {
    let plain = |s: &str, fallback: &str| match suggest_identifier(s, "x").replace('_', "") {
        p if p.is_empty() => fallback.to_string(),
        p => p,
    };
    let (f, l) = (plain(first, "customer"), plain(last, "demo"));
    let domain = pick(rng, EMAIL_DOMAINS);
    match rng.gen_range(0..3u32) {
        0 => format!("{f}.{l}{n}@{domain}"),
        1 => format!("{}{l}{n}@{domain}", &f[..1]),
        _ => format!("{f}_{n}@{domain}"),
    }
}

/// An email as someone typing in capitals left it: the same address to a mail server, not
/// to a naive comparison.
fn shout(email: &str) -> String {
    let (local, domain) = email.split_once('@').unwrap_or((email, ""));
    let mut c = local.chars();
    let local: String = c
        .next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default();
    format!("{local}@{}", domain.to_uppercase())
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

fn day_between(rng: &mut ChaCha8Rng, from: NaiveDate, to: NaiveDate) -> String {
    let days = (to - from).num_days().max(1) as u64;
    (from + Days::new(rng.gen_range(0..days))).to_string()
}

/// `#` becomes a digit and `@` a capital letter.
fn pattern(rng: &mut ChaCha8Rng, pat: &str) -> String {
    pat.chars()
        .map(|c| match c {
            '#' => char::from(b'0' + rng.gen_range(0..10u8)),
            '@' => char::from(b'A' + rng.gen_range(0..26u8)),
            c => c,
        })
        .collect()
}

fn pick<T: Copy>(rng: &mut ChaCha8Rng, list: &[T]) -> T {
    list[rng.gen_range(0..list.len() as u32) as usize]
}

fn weighted<T: Copy>(rng: &mut ChaCha8Rng, list: &[(T, u32)]) -> T {
    let total: u32 = list.iter().map(|(_, w)| w).sum();
    let mut roll = rng.gen_range(0..total);
    for (item, w) in list {
        if roll < *w {
            return *item;
        }
        roll -= w;
    }
    list[list.len() - 1].0
}

fn weighted_country(rng: &mut ChaCha8Rng) -> &'static Country {
    let total: u32 = COUNTRIES.iter().map(|c| c.weight).sum();
    let mut roll = rng.gen_range(0..total);
    for c in COUNTRIES {
        if roll < c.weight {
            return c;
        }
        roll -= c.weight;
    }
    &COUNTRIES[0]
}

/// The mess whose slice of 10,000 `roll` falls in, or none.
fn rate_pick(roll: u32, rates: &[(Mess, u32)]) -> Mess {
    let mut edge = 0;
    for (m, r) in rates {
        edge += r;
        if roll < edge {
            return *m;
        }
    }
    Mess::None
}
