//! Integration tests: a real sandbox on loopback, driven over HTTP with reqwest (no mocks).
//!
//! Modules mirror the sandbox's surfaces. Nothing here measures time; speed belongs to the
//! bench.

mod app_users;
mod auth;
mod batch;
mod bulk;
mod common;
mod fetch;
mod files;
mod fixtures;
mod hardening;
mod lifecycle;
mod lists;
mod metadata;
mod protection;
mod query;
mod records;
mod relate;
mod server_time;
mod strict;
mod wire;
