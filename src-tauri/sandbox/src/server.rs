//! The wire: accepts loopback connections (plain or TLS), speaks HTTP/1.1 through hyper, and
//! turns each request into an [`ApiRequest`] for [`Service`].
//!
//! It owns no Dataverse behaviour. Its decisions are transport ones that keep one client from
//! starving the others: a cap on open connections, timeouts for the TLS handshake and the
//! request head (which also closes idle keep-alive connections), backing off when accepting
//! fails, asking [`Service::admit`] about the headers before any body is read, reading bodies
//! within their caps and a shared budget (`wire_body`), dropping a connection when the fault
//! plan says "reset", and stopping on shutdown.

use crate::config::WireLimits;
use crate::http::{ApiError, ApiRequest, ApiResponse};
use crate::service::{Outcome, Service};
use crate::wire_body::{self, BodyBudget};
use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{watch, Semaphore};
use tokio_rustls::TlsAcceptor;

/// Why a connection was dropped on purpose.
#[derive(Debug, thiserror::Error)]
#[error("connection reset by the sandbox's fault plan")]
pub struct InjectedReset;

/// The wait after a failed accept: doubles from 5 ms up to 1 s, and resets on success.
#[derive(Debug, Default)]
pub struct Backoff(Option<Duration>);

impl Backoff {
    const FIRST: Duration = Duration::from_millis(5);
    const MAX: Duration = Duration::from_secs(1);

    /// The next wait.
    pub fn next(&mut self) -> Duration {
        let d = self.0.map_or(Self::FIRST, |d| (d * 2).min(Self::MAX));
        self.0 = Some(d);
        d
    }

    /// Called after a successful accept.
    pub fn reset(&mut self) {
        self.0 = None;
    }
}

/// Serves until `shutdown` turns true.
pub async fn serve(
    listener: TcpListener,
    svc: Arc<Service>,
    tls: Option<TlsAcceptor>,
    mut shutdown: watch::Receiver<bool>,
) {
    let limits = svc.config.wire.clone();
    // NOTE: over the cap new connections wait in the kernel's listen queue instead of being
    // closed: idle ones are closed by the head timeout, so a real client waiting there is
    // served within that time, while closing it would turn a burst into failures for clients
    // that do not retry a refused connection.
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let budget = svc.body_budget.clone();
    let mut backoff = Backoff::default();
    loop {
        let slot = tokio::select! {
            s = Arc::clone(&slots).acquire_owned() => s,
            _ = shutdown.changed() => return,
        };
        let Ok(slot) = slot else { return };
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = shutdown.changed() => return,
        };
        let stream = match accepted {
            Ok((stream, _)) => {
                backoff.reset();
                stream
            }
            Err(_) => {
                // NOTE: out of descriptors (EMFILE) accept fails at once, every time; without
                // a pause the loop would spin a core until a connection closes.
                let wait = backoff.next();
                tokio::select! {
                    _ = tokio::time::sleep(wait) => continue,
                    _ = shutdown.changed() => return,
                }
            }
        };
        let _ = stream.set_nodelay(true);
        let svc = Arc::clone(&svc);
        let tls = tls.clone();
        let budget = budget.clone();
        let limits = limits.clone();
        tokio::spawn(async move {
            match tls {
                Some(acceptor) => {
                    let handshake = acceptor.accept(stream);
                    if let Ok(Ok(stream)) =
                        tokio::time::timeout(limits.tls_handshake_timeout, handshake).await
                    {
                        connection(TokioIo::new(stream), svc, budget, &limits).await;
                    }
                }
                None => connection(TokioIo::new(stream), svc, budget, &limits).await,
            }
            drop(slot);
        });
    }
}

async fn connection<I>(io: I, svc: Arc<Service>, budget: BodyBudget, limits: &WireLimits)
where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let stall = limits.body_stall_timeout;
    let service = hyper::service::service_fn(move |req| {
        let svc = Arc::clone(&svc);
        let budget = budget.clone();
        async move { respond(svc, req, budget, stall).await }
    });
    // NOTE: hyper starts the head timer whenever the connection waits for a request, so the
    // one timeout covers a slowly sent head and an idle keep-alive connection alike. Errors
    // here are client disconnects, timeouts or injected resets; none needs reporting.
    let _ = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .keep_alive(true)
        .serve_connection(io, service)
        .await;
}

async fn respond(
    svc: Arc<Service>,
    req: Request<Incoming>,
    budget: BodyBudget,
    stall: Duration,
) -> Result<Response<Full<Bytes>>, InjectedReset> {
    let (parts, body) = req.into_parts();
    let mut request = ApiRequest::new(
        parts.method.as_str().to_ascii_uppercase(),
        parts.uri.path().to_string(),
        parts.uri.query().unwrap_or("").to_string(),
        parts
            .headers
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_ascii_lowercase(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
        Bytes::new(),
    );
    let admitted = match svc.admit(&request) {
        Ok(a) => a,
        Err(refusal) => return Ok(closing(refusal)),
    };
    let announced = hyper::body::Body::size_hint(&body).exact();
    let (bytes, reserved) =
        match wire_body::read(body, announced, admitted.body_cap, stall, &budget).await {
            Ok(read) => read,
            Err(e) => return Ok(closing(e.to_response())),
        };
    request.set_body(bytes);
    let outcome = svc.handle(request, admitted).await;
    drop(reserved);
    match outcome {
        Outcome::Respond(r) => Ok(to_hyper(r)),
        Outcome::Reset => Err(InjectedReset),
    }
}

/// A response after which the connection closes, for requests whose body was not read: the
/// unread bytes must not be taken for the next request, nor waited for.
fn closing(r: ApiResponse) -> Response<Full<Bytes>> {
    to_hyper(r.with_header("Connection", "close"))
}

fn to_hyper(r: ApiResponse) -> Response<Full<Bytes>> {
    let mut builder = Response::builder().status(r.status);
    for (k, v) in &r.headers {
        builder = builder.header(k.as_str(), v.as_str());
    }
    builder.body(Full::new(r.body)).unwrap_or_else(|_| {
        let e = ApiError::new(500, "0x80040216", "Invalid response header.");
        Response::new(Full::new(e.to_response().body))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_accepts_wait_longer_each_time_up_to_a_second_and_start_over_after_success() {
        let mut b = Backoff::default();
        let waits: Vec<Duration> = (0..12).map(|_| b.next()).collect();
        assert_eq!(
            waits[0],
            Duration::from_millis(5),
            "the first wait is short"
        );
        assert!(
            waits.windows(2).all(|w| w[1] >= w[0]),
            "waits never shrink while accepts keep failing: {waits:?}"
        );
        assert_eq!(
            waits[11],
            Duration::from_secs(1),
            "waits stop growing at a second"
        );
        b.reset();
        assert_eq!(
            b.next(),
            Duration::from_millis(5),
            "a successful accept starts the waits over"
        );
    }
}
