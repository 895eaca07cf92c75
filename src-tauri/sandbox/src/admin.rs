//! The sandbox-only admin surface under `/_sandbox/`: stats, counts, reset and the fault plan.
//!
//! Tests and the bench use it to inspect and steer the sandbox without going through the Web
//! API (so it needs no token and is never throttled). It can wipe every record, so each call
//! must carry the sandbox's admin key in the `x-ferry-sandbox-admin-key` header
//! ([`crate::ADMIN_KEY_HEADER`]; checked by `gate` before the body is read). Real Dataverse has
//! nothing like it; clients under test must never depend on it.

use crate::config::Faults;
use crate::http::{ApiError, ApiRequest, ApiResponse};
use crate::service::Service;
use serde_json::{json, Map, Value};
use std::time::Duration;

/// Answers `/_sandbox/{rest}`.
pub fn handle(svc: &Service, req: &ApiRequest, rest: &[&str]) -> ApiResponse {
    let result = match (req.method.as_str(), rest) {
        ("GET", ["stats"]) => counts(svc).map(|tables| {
            let mut stats = svc.guard.stats();
            stats["tables"] = tables;
            stats["bodyBytesHeld"] = json!(svc.body_budget.held());
            ApiResponse::json(200, &stats)
        }),
        ("GET", ["counts"]) => counts(svc).map(|c| ApiResponse::json(200, &c)),
        ("POST", ["reset"]) => svc.store().reset().map_err(ApiError::from).map(|()| {
            svc.guard.reset();
            ApiResponse::empty(204)
        }),
        ("POST", ["faults"]) => set_faults(svc, req),
        _ => Err(ApiError::no_route(&req.path)),
    };
    result.unwrap_or_else(|e| e.to_response())
}

/// Record counts per table, every table listed (zero when empty).
fn counts(svc: &Service) -> Result<Value, ApiError> {
    let stored = svc.store().counts()?;
    let mut out = Map::new();
    for t in &svc.schema.tables {
        let n = stored
            .iter()
            .find(|(name, _)| *name == t.logical_name)
            .map(|(_, n)| *n)
            .unwrap_or(0);
        out.insert(t.logical_name.clone(), json!(n));
    }
    Ok(Value::Object(out))
}

/// Replaces the fault plan from `{"unavailableEvery":N,"resetEvery":N,"slowEvery":N,"slowDelayMs":N}`.
fn set_faults(svc: &Service, req: &ApiRequest) -> Result<ApiResponse, ApiError> {
    let v: Value = serde_json::from_slice(&req.body)
        .map_err(|e| ApiError::bad_request(format!("The fault plan is not JSON: {e}")))?;
    let every = |name: &str| v[name].as_u64().map(|n| n as u32);
    svc.guard.set_faults(Faults {
        unavailable_every: every("unavailableEvery"),
        reset_every: every("resetEvery"),
        slow_every: every("slowEvery"),
        slow_delay: Duration::from_millis(v["slowDelayMs"].as_u64().unwrap_or(0)),
    });
    Ok(ApiResponse::empty(204))
}
