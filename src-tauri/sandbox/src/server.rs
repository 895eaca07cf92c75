//! The wire: accepts loopback connections (plain or TLS), speaks HTTP/1.1 through hyper, and
//! turns each request into an [`ApiRequest`] for [`Service::handle`].
//!
//! It owns no Dataverse behaviour. Its only decisions are transport ones: the body size cap,
//! dropping a connection when the fault plan says "reset", and stopping on shutdown.

use crate::http::{ApiError, ApiRequest};
use crate::service::{Outcome, Service};
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio_rustls::TlsAcceptor;

/// Largest body accepted (Dataverse's plug-in message cap is about 116 MB).
const MAX_BODY: usize = 128 * 1024 * 1024;

/// Why a connection was dropped on purpose.
#[derive(Debug, thiserror::Error)]
#[error("connection reset by the sandbox's fault plan")]
pub struct InjectedReset;

/// Serves until `shutdown` turns true.
pub async fn serve(
    listener: TcpListener,
    svc: Arc<Service>,
    tls: Option<TlsAcceptor>,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = shutdown.changed() => return,
        };
        let Ok((stream, _)) = accepted else { continue };
        let _ = stream.set_nodelay(true);
        let svc = Arc::clone(&svc);
        let tls = tls.clone();
        tokio::spawn(async move {
            match tls {
                Some(acceptor) => {
                    if let Ok(stream) = acceptor.accept(stream).await {
                        connection(TokioIo::new(stream), svc).await;
                    }
                }
                None => connection(TokioIo::new(stream), svc).await,
            }
        });
    }
}

async fn connection<I>(io: I, svc: Arc<Service>)
where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let service = hyper::service::service_fn(move |req| {
        let svc = Arc::clone(&svc);
        async move { respond(svc, req).await }
    });
    // NOTE: errors here are client disconnects or injected resets; neither needs reporting.
    let _ = hyper::server::conn::http1::Builder::new()
        .keep_alive(true)
        .serve_connection(io, service)
        .await;
}

async fn respond(
    svc: Arc<Service>,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, InjectedReset> {
    let (parts, body) = req.into_parts();
    let body = match Limited::new(body, MAX_BODY).collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => {
            let e = ApiError::new(
                413,
                "0x80040216",
                "The request body is too large or was cut short.",
            );
            return Ok(to_hyper(e.to_response()));
        }
    };
    let request = ApiRequest::new(
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
        body,
    );
    match svc.handle(request).await {
        Outcome::Respond(r) => Ok(to_hyper(r)),
        Outcome::Reset => Err(InjectedReset),
    }
}

fn to_hyper(r: crate::http::ApiResponse) -> Response<Full<Bytes>> {
    let mut builder = Response::builder().status(r.status);
    for (k, v) in &r.headers {
        builder = builder.header(k.as_str(), v.as_str());
    }
    builder.body(Full::new(r.body)).unwrap_or_else(|_| {
        Response::new(Full::new(Bytes::from_static(
            b"{\"error\":{\"code\":\"0x80040216\",\"message\":\"Invalid response header.\"}}",
        )))
    })
}
