//! The sandbox's shared state and its top-level routing: sign-in, admin surface and Web API.
//!
//! Every request passes here after hyper has read it. Web API requests are authenticated,
//! admitted by the service-protection guard, delayed or failed by the fault plan, and then
//! answered on a blocking thread (SQLite work must not stall the async workers). This module
//! does not know record rules; it hands entity-set paths to `records`.

use crate::auth::Authority;
use crate::config::SandboxConfig;
use crate::guard::{Fault, Guard};
use crate::http::{ApiError, ApiRequest, ApiResponse};
use crate::schema::Schema;
use crate::store::Store;
use crate::{admin, batch, csdl, lists, metadata, odata, records};
use serde_json::json;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

/// Longest URL path segment the Web API's front end accepts (documented: 260 characters).
pub const MAX_SEGMENT: usize = 260;

/// The page HTTP.sys answers an over-long segment with.
const INVALID_URL_PAGE: &str = concat!(
    "<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01//EN\" \"http://www.w3.org/TR/html4/strict.dtd\">\r\n",
    "<HTML><HEAD><TITLE>Bad Request</TITLE>\r\n",
    "<META HTTP-EQUIV=\"Content-Type\" Content=\"text/html; charset=us-ascii\"></HEAD>\r\n",
    "<BODY><h2>Bad Request - Invalid URL</h2>\r\n",
    "<hr><p>HTTP Error 400. The request URL is invalid.</p>\r\n</BODY></HTML>\r\n",
);

/// Web API versions the sandbox answers under `/api/data/`.
pub const VERSIONS: [&str; 4] = ["v8.2", "v9.0", "v9.1", "v9.2"];

/// Everything a request handler needs.
pub struct Service {
    /// `http://127.0.0.1:PORT` (no trailing slash).
    pub base_url: String,
    /// The tables.
    pub schema: Schema,
    /// Sign-in.
    pub auth: Authority,
    /// Limits, faults and counters.
    pub guard: Guard,
    /// The start configuration.
    pub config: SandboxConfig,
    store: Mutex<Store>,
}

/// What to do with a request.
pub enum Outcome {
    /// Send this response.
    Respond(ApiResponse),
    /// Drop the connection without answering (fault injection).
    Reset,
}

/// The per-request view handlers get: the service and the Web API version addressed.
pub struct Ctx<'a> {
    /// The service.
    pub svc: &'a Service,
    /// E.g. `v9.2`.
    pub version: &'a str,
}

impl Ctx<'_> {
    /// `http://127.0.0.1:PORT/api/data/v9.2`.
    pub fn api_base(&self) -> String {
        format!("{}/api/data/{}", self.svc.base_url, self.version)
    }
}

impl Service {
    /// Assembles the service.
    pub fn new(
        base_url: String,
        schema: Schema,
        auth: Authority,
        config: SandboxConfig,
        store: Store,
    ) -> Self {
        let guard = Guard::new(&config);
        Self {
            base_url,
            schema,
            auth,
            guard,
            config,
            store: Mutex::new(store),
        }
    }

    /// The store, recovering from a panicked holder (its transaction was rolled back).
    pub fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Answers one top-level request.
    pub async fn handle(self: &Arc<Self>, req: ApiRequest) -> Outcome {
        let segs = odata::segments(&req.path);
        let first = segs.first().map(String::as_str).unwrap_or("");
        if first == "api" && segs.get(1).map(String::as_str) == Some("data") {
            return self.web_api(req, segs).await;
        }
        let base = self.base_url.as_str();
        let s: Vec<&str> = segs.iter().map(String::as_str).collect();
        let r = match (req.method.as_str(), s.as_slice()) {
            (_, ["_sandbox", rest @ ..]) => admin::handle(self, &req, rest),
            ("POST", [tenant, "oauth2", "v2.0", "token"]) => {
                self.auth.token(tenant, &req, base, false)
            }
            ("POST", [tenant, "oauth2", "token"]) => self.auth.token(tenant, &req, base, true),
            ("GET", [tenant, "v2.0", ".well-known", "openid-configuration"]) => {
                self.auth.openid_configuration(tenant, base, true)
            }
            ("GET", [tenant, ".well-known", "openid-configuration"]) => {
                self.auth.openid_configuration(tenant, base, false)
            }
            _ => ApiError::no_route(&req.path).to_response(),
        };
        Outcome::Respond(r)
    }

    async fn web_api(self: &Arc<Self>, req: ApiRequest, segs: Vec<String>) -> Outcome {
        if segs.iter().any(|s| s.chars().count() > MAX_SEGMENT) {
            // NOTE: the front-end web server (HTTP.sys) refuses these before Dataverse sees
            // them, with its own HTML page; `$batch` bodies are exempt, which is the workaround.
            return Outcome::Respond(ApiResponse::raw(
                400,
                "text/html; charset=us-ascii",
                INVALID_URL_PAGE,
            ));
        }
        let Some(version) = segs
            .get(2)
            .filter(|v| VERSIONS.contains(&v.as_str()))
            .cloned()
        else {
            return Outcome::Respond(ApiError::no_route(&req.path).to_response());
        };
        let Some(caller) = self.auth.check(&req) else {
            self.guard.count_unauthorized();
            return Outcome::Respond(self.auth.challenge(&self.base_url));
        };
        let permit = match self.guard.admit(&caller.user_id) {
            Ok(p) => p,
            Err(e) => return Outcome::Respond(self.finish(e.to_response())),
        };
        match self.guard.fault() {
            Fault::None => {}
            Fault::Unavailable => {
                let e = ApiError::new(
                    503,
                    "0x80040216",
                    "The service is temporarily unavailable. Try again later.",
                );
                return Outcome::Respond(self.finish(e.to_response()));
            }
            Fault::Reset => return Outcome::Reset,
            Fault::Slow(d) => tokio::time::sleep(d).await,
        }
        let latency = self.config.latency.clone();
        if !latency.per_request.is_zero() {
            tokio::time::sleep(latency.per_request).await;
        }
        let started = Instant::now();
        let svc = Arc::clone(self);
        let rest = segs[3..].to_vec();
        let joined = tokio::task::spawn_blocking(move || {
            let ctx = Ctx {
                svc: &svc,
                version: &version,
            };
            dispatch(&ctx, &req, &rest)
        })
        .await;
        let (response, written) = match joined {
            Ok(Ok(out)) => out,
            Ok(Err(e)) => (e.to_response(), 0),
            Err(_) => (
                ApiError::new(500, "0x80040216", "An unexpected error occurred.").to_response(),
                0,
            ),
        };
        if written > 0 && !latency.per_record.is_zero() {
            tokio::time::sleep(latency.per_record * written as u32).await;
        }
        self.guard
            .record(&caller.user_id, started.elapsed(), response.status, written);
        let mut response = self.finish(response);
        if let Some(left) = permit.remaining {
            // NOTE: Dataverse sends this for debugging only; clients must not pace on it.
            response = response.with_header(
                "x-ms-ratelimit-burst-remaining-xrm-requests",
                left.to_string(),
            );
        }
        drop(permit);
        Outcome::Respond(response)
    }

    /// Adds the headers every Web API response carries.
    fn finish(&self, r: ApiResponse) -> ApiResponse {
        r.with_header("x-ms-dop-hint", self.config.dop_hint.to_string())
            .with_header("REQ_ID", uuid::Uuid::new_v4().to_string())
    }
}

/// Routes a Web API path (after `/api/data/vX.Y/`); returns the response and records written.
pub fn dispatch(
    ctx: &Ctx,
    req: &ApiRequest,
    rest: &[String],
) -> Result<(ApiResponse, usize), ApiError> {
    match rest.first().map(String::as_str) {
        Some("$batch") if req.method == "POST" => batch::execute(ctx, req),
        _ => {
            if matches!(req.method.as_str(), "POST" | "PATCH" | "PUT") && !req.body.is_empty() {
                // NOTE: parse before taking the store lock, so parsing overlaps other writes.
                let _ = req.json();
            }
            let mut store = ctx.svc.store();
            store.with_tx(|tx| execute_in_tx(ctx, tx, req, rest))
        }
    }
}

/// Routes one non-batch request inside an open transaction (top level or a `$batch` part).
pub fn execute_in_tx(
    ctx: &Ctx,
    tx: &mut crate::store::Tx,
    req: &ApiRequest,
    rest: &[String],
) -> Result<(ApiResponse, usize), ApiError> {
    let Some(first) = rest.first() else {
        return Ok((service_document(ctx), 0));
    };
    match first.as_str() {
        "$metadata" => Ok((csdl::document(ctx), 0)),
        "WhoAmI" | "WhoAmI()" => Ok((who_am_i(ctx), 0)),
        "$batch" => Err(ApiError::bad_request("Batch requests cannot be nested.")),
        "AddListMembersList" if req.method == "POST" => lists::add_list_members_list(ctx, tx, req),
        f if f.starts_with("EntityDefinitions") => {
            Ok((metadata::entity_definitions(ctx, req, rest)?, 0))
        }
        _ => records::execute(ctx, tx, req, rest),
    }
}

fn who_am_i(ctx: &Ctx) -> ApiResponse {
    let id = ctx.svc.auth.identity();
    ApiResponse::json(
        200,
        &json!({
            "@odata.context": format!("{}/$metadata#Microsoft.Dynamics.CRM.WhoAmIResponse", ctx.api_base()),
            "BusinessUnitId": id.business_unit_id,
            "UserId": id.user_id,
            "OrganizationId": id.organization_id,
        }),
    )
}

fn service_document(ctx: &Ctx) -> ApiResponse {
    let mut value: Vec<serde_json::Value> = ctx
        .svc
        .schema
        .tables
        .iter()
        .map(|t| json!({"name": t.entity_set, "kind": "EntitySet", "url": t.entity_set}))
        .collect();
    value.push(
        json!({"name": "EntityDefinitions", "kind": "EntitySet", "url": "EntityDefinitions"}),
    );
    ApiResponse::json(
        200,
        &json!({"@odata.context": format!("{}/$metadata", ctx.api_base()), "value": value}),
    )
}
