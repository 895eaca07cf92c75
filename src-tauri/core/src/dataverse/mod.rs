//! Talking to Dataverse's Web API: sign-in, requests, retries, writes and metadata.
//!
//! Split the way a data sink is: [`config`] (validated settings) → [`records`] / [`batch`] /
//! [`bulk`] (request bodies) → [`client`] (token + send, typed response) → [`retry`] (pure
//! classification) → row outcomes. [`auth`] issues tokens behind a trait so tests can fake it.
//! Nothing here knows about the local database or the UI; [`crate::ops::connection`] joins this
//! to the stored destinations.

pub mod auth;
pub mod batch;
pub mod bulk;
pub mod client;
pub mod config;
pub mod dns;
pub mod error;
pub mod keys;
pub mod metadata;
pub mod pace;
pub mod records;
pub mod retry;
pub mod rows;
pub mod tls;
pub mod transport;

pub use client::{DataverseClient, Request, Response, WhoAmI};
pub use config::{ClientConfig, WriteOptions};
pub use error::{ApiError, AuthFailure, DataverseError, NetworkFailure};
pub use keys::{KeyValue, RowRef};
pub use records::WriteKind;
