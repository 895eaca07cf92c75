//! Reading request bodies without letting clients decide how much memory the sandbox uses.
//!
//! A body is read only after its headers were admitted (see `Service::admit`), up to the
//! route's cap, with a limit on how long it may stall, and against one byte budget that all
//! bodies in flight share. It knows nothing about routes or authentication.

use crate::http::ApiError;
use bytes::{Bytes, BytesMut};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The bytes all bodies in flight may hold together.
#[derive(Clone)]
pub struct BodyBudget {
    free: Arc<Semaphore>,
    total: usize,
}

/// A share of the budget, given back when the request is done.
pub struct Reserved(Option<OwnedSemaphorePermit>);

impl BodyBudget {
    /// A budget of `bytes`.
    pub fn new(bytes: usize) -> Self {
        let total = bytes.min(Semaphore::MAX_PERMITS);
        Self {
            free: Arc::new(Semaphore::new(total)),
            total,
        }
    }

    /// Bytes reserved by bodies in flight right now.
    pub fn held(&self) -> usize {
        self.total - self.free.available_permits()
    }

    /// Takes `n` more bytes into `reserved`, or refuses at once when the budget is spent.
    fn take(&self, reserved: &mut Reserved, n: usize) -> Result<(), ApiError> {
        if n == 0 {
            return Ok(());
        }
        let n = u32::try_from(n).map_err(|_| too_large())?;
        // NOTE: refuse rather than wait: a client waiting here would hold its connection and
        // the sender's memory, and 503 is what clients of Dataverse already retry.
        let permit = Arc::clone(&self.free)
            .try_acquire_many_owned(n)
            .map_err(|_| busy())?;
        match &mut reserved.0 {
            Some(held) => held.merge(permit),
            None => reserved.0 = Some(permit),
        }
        Ok(())
    }
}

/// 413 in Dataverse's shape.
pub fn too_large() -> ApiError {
    ApiError::new(
        413,
        "0x80040216",
        "The request body is too large or was cut short.",
    )
}

fn busy() -> ApiError {
    let mut e = ApiError::new(
        503,
        "0x80040216",
        "The sandbox is holding too many request bodies at once. Try again shortly.",
    );
    e.headers.push(("Retry-After".into(), "1".into()));
    e
}

/// Reads `body` (announced as `announced` bytes, if it said) up to `cap` bytes, giving up
/// when no data arrives for `stall`. The reservation must live as long as the bytes.
pub async fn read(
    mut body: Incoming,
    announced: Option<u64>,
    cap: usize,
    stall: Duration,
    budget: &BodyBudget,
) -> Result<(Bytes, Reserved), ApiError> {
    let mut reserved = Reserved(None);
    if let Some(n) = announced {
        let n = usize::try_from(n)
            .ok()
            .filter(|n| *n <= cap)
            .ok_or_else(too_large)?;
        budget.take(&mut reserved, n)?;
    }
    let mut reserved_bytes = announced.unwrap_or(0) as usize;
    let mut buf = BytesMut::new();
    loop {
        let frame = match tokio::time::timeout(stall, body.frame()).await {
            Err(_) => {
                return Err(ApiError::new(
                    408,
                    "0x80040216",
                    "The request body stopped arriving before it was complete.",
                ))
            }
            Ok(None) => break,
            Ok(Some(Err(_))) => return Err(too_large()),
            Ok(Some(Ok(frame))) => frame,
        };
        let Ok(data) = frame.into_data() else {
            continue;
        };
        let total = buf.len() + data.len();
        if total > cap {
            return Err(too_large());
        }
        if total > reserved_bytes {
            budget.take(&mut reserved, total - reserved_bytes)?;
            reserved_bytes = total;
        }
        buf.extend_from_slice(&data);
    }
    Ok((buf.freeze(), reserved))
}
