//! The sandbox's shared state and its top-level routing: sign-in, admin surface and Web API.
//!
//! Every request passes here twice: once with its headers only ([`Service::admit`]: the
//! `gate`'s Host, Origin and admin-key checks, the Web API's bearer check, and how much body
//! the route may send), then with its body ([`Service::handle`]). Refusing at the first step
//! means an unauthenticated client never gets the server to hold its body. Web API requests
//! are then admitted by the service-protection guard, delayed or failed by the fault plan,
//! and answered on a blocking thread (SQLite work must not stall the async workers). This
//! module does not know record rules; it hands entity-set paths to `records`.

use crate::auth::{Authority, Caller};
use crate::config::SandboxConfig;
use crate::gate::Gate;
use crate::guard::{Fault, Guard};
use crate::http::{ApiError, ApiRequest, ApiResponse};
use crate::records::Work;
use crate::schema::Schema;
use crate::store::Store;
use crate::wire_body::BodyBudget;
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

/// Largest body the Web API accepts (Dataverse's plug-in message cap is about 116 MB).
pub const MAX_API_BODY: usize = 128 * 1024 * 1024;

/// Largest body any other endpoint accepts: a token form or a fault plan is a few hundred bytes.
pub const MAX_SMALL_BODY: usize = 64 * 1024;

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
    /// The bytes all request bodies in flight may hold together.
    pub body_budget: BodyBudget,
    /// Ordered query results kept between pages.
    pub query_cache: crate::query::Cache,
    gate: Gate,
    store: Mutex<Store>,
}

/// A request whose headers passed [`Service::admit`]: how much body to read, and for a Web
/// API request, its version and caller.
pub struct Admitted {
    /// Most body bytes the route accepts.
    pub body_cap: usize,
    web_api: Option<(String, Caller)>,
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
    /// The application user the request's token was issued to (WhoAmI's `UserId`).
    pub user_id: &'a str,
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
        admin_key: String,
    ) -> Self {
        let guard = Guard::new(&config);
        let port = base_url
            .rsplit_once(':')
            .and_then(|(_, p)| p.parse().ok())
            .unwrap_or(0);
        let gate = Gate::new(port, config.https, admin_key);
        let body_budget = BodyBudget::new(config.wire.body_budget);
        Self {
            base_url,
            schema,
            auth,
            guard,
            config,
            body_budget,
            query_cache: crate::query::Cache::default(),
            gate,
            store: Mutex::new(store),
        }
    }

    /// The store, recovering from a panicked holder (its transaction was rolled back).
    pub fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Checks a request's headers (its body is still unread): answers it at once, or says how
    /// much body its route accepts.
    pub fn admit(&self, req: &ApiRequest) -> Result<Admitted, ApiResponse> {
        self.gate.check_origin(req).map_err(|e| e.to_response())?;
        let segs = odata::segments(&req.path);
        let small = Admitted {
            body_cap: MAX_SMALL_BODY,
            web_api: None,
        };
        match (
            segs.first().map(String::as_str),
            segs.get(1).map(String::as_str),
        ) {
            (Some("api"), Some("data")) => {
                let (version, caller) = self.web_api_gate(req, &segs)?;
                Ok(Admitted {
                    body_cap: MAX_API_BODY,
                    web_api: Some((version, caller)),
                })
            }
            (Some("_sandbox"), _) => {
                self.gate.check_admin(req).map_err(|e| e.to_response())?;
                Ok(small)
            }
            _ => Ok(small),
        }
    }

    /// Answers one top-level request that [`Service::admit`] let through.
    pub async fn handle(self: &Arc<Self>, req: ApiRequest, admitted: Admitted) -> Outcome {
        if let Some((version, caller)) = admitted.web_api {
            let segs = odata::segments(&req.path);
            return self.web_api(req, segs, version, caller).await;
        }
        let segs = odata::segments(&req.path);
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

    /// The Web API's checks that need no body: URL shape, version and bearer token.
    fn web_api_gate(
        &self,
        req: &ApiRequest,
        segs: &[String],
    ) -> Result<(String, Caller), ApiResponse> {
        if segs.iter().any(|s| s.chars().count() > MAX_SEGMENT) {
            // NOTE: the front-end web server (HTTP.sys) refuses these before Dataverse sees
            // them, with its own HTML page; `$batch` bodies are exempt, which is the workaround.
            return Err(ApiResponse::raw(
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
            return Err(ApiError::no_route(&req.path).to_response());
        };
        let Some(caller) = self.auth.check(req, &self.base_url) else {
            self.guard.count_unauthorized();
            return Err(self.auth.challenge(&self.base_url));
        };
        Ok((version, caller))
    }

    async fn web_api(
        self: &Arc<Self>,
        req: ApiRequest,
        segs: Vec<String>,
        version: String,
        caller: Caller,
    ) -> Outcome {
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
        let latency = self.config.latency;
        if !latency.per_request.is_zero() {
            tokio::time::sleep(latency.per_request).await;
        }
        let started = Instant::now();
        let svc = Arc::clone(self);
        let rest = segs[3..].to_vec();
        let user_id = caller.user_id.clone();
        let joined = tokio::task::spawn_blocking(move || {
            let ctx = Ctx {
                svc: &svc,
                version: &version,
                user_id: &user_id,
            };
            dispatch(&ctx, &req, &rest)
        })
        .await;
        let (response, work) = match joined {
            Ok(Ok(out)) => out,
            Ok(Err(e)) => (e.to_response(), Work::NONE),
            Err(_) => (
                ApiError::new(500, "0x80040216", "An unexpected error occurred.").to_response(),
                Work::NONE,
            ),
        };
        // NOTE: the modelled server time is spent (so clients feel it) and then counted, as
        // part of the elapsed time, against the execution-time limit like Dataverse's own.
        let charged = latency.server_time(work.single_ops, work.bulk_created, work.bulk_updated);
        if !charged.is_zero() {
            tokio::time::sleep(charged).await;
        }
        self.guard.record(
            &caller.user_id,
            started.elapsed().max(charged),
            charged,
            response.status,
            &work,
        );
        let mut response = self.finish(response);
        if let Some(left) = permit.remaining {
            // NOTE: Dataverse sends this for debugging only; clients must not pace on it.
            response = response.with_header(
                "x-ms-ratelimit-burst-remaining-xrm-requests",
                left.to_string(),
            );
        }
        if let Some(left) = permit.time_remaining_header() {
            response = response.with_header("x-ms-ratelimit-time-remaining-xrm-requests", left);
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

/// Routes a Web API path (after `/api/data/vX.Y/`); returns the response and what it wrote.
pub fn dispatch(
    ctx: &Ctx,
    req: &ApiRequest,
    rest: &[String],
) -> Result<(ApiResponse, Work), ApiError> {
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
) -> Result<(ApiResponse, Work), ApiError> {
    odata::check_operation_method(&req.method, rest)?;
    let Some(first) = rest.first() else {
        return Ok((service_document(ctx), Work::NONE));
    };
    match first.as_str() {
        "$metadata" => Ok((csdl::document(ctx), Work::NONE)),
        "WhoAmI" | "WhoAmI()" => Ok((who_am_i(ctx), Work::NONE)),
        f if f.starts_with("RetrieveCurrentOrganization(") => {
            Ok((current_organization(ctx, f)?, Work::NONE))
        }
        "$batch" => Err(ApiError::bad_request("Batch requests cannot be nested.")),
        "AddListMembersList" if req.method == "POST" => lists::add_list_members_list(ctx, tx, req),
        f if f.starts_with("EntityDefinitions") => {
            Ok((metadata::entity_definitions(ctx, req, rest)?, Work::NONE))
        }
        f if f.starts_with("RelationshipDefinitions") => Ok((
            metadata::relationship_definitions(ctx, req, rest)?,
            Work::NONE,
        )),
        f if f.starts_with("GlobalOptionSetDefinitions") => Ok((
            metadata::global_option_set_definitions(ctx, req, rest)?,
            Work::NONE,
        )),
        _ => records::execute(ctx, tx, req, rest),
    }
}

/// `WhoAmI`: the caller's own application user, so each app registration sees its own id.
fn who_am_i(ctx: &Ctx) -> ApiResponse {
    let id = ctx.svc.auth.identity();
    ApiResponse::json(
        200,
        &json!({
            "@odata.context": format!("{}/$metadata#Microsoft.Dynamics.CRM.WhoAmIResponse", ctx.api_base()),
            "BusinessUnitId": id.business_unit_id,
            "UserId": ctx.user_id,
            "OrganizationId": id.organization_id,
        }),
    )
}

/// The name the sandbox's organisation goes by, as `RetrieveCurrentOrganization` reports it.
pub const FRIENDLY_NAME: &str = "Ferry sandbox";

/// `RetrieveCurrentOrganization(AccessType=…)`: the organisation's names and endpoints, as a
/// real environment describes itself (clients show its `FriendlyName`). Like Dataverse, it
/// refuses a call without the `AccessType` parameter.
fn current_organization(ctx: &Ctx, segment: &str) -> Result<ApiResponse, ApiError> {
    if !segment.contains("AccessType=") {
        return Err(ApiError::bad_request(
            "The parameter 'AccessType' in the request payload is not a valid parameter for the \
             operation 'RetrieveCurrentOrganization'.",
        ));
    }
    let id = ctx.svc.auth.identity();
    let base = ctx.api_base();
    let web = base.split("/api/data/").next().unwrap_or(&base).to_string();
    Ok(ApiResponse::json(
        200,
        &json!({
            "@odata.context": format!("{base}/$metadata#Microsoft.Dynamics.CRM.RetrieveCurrentOrganizationResponse"),
            "Detail": {
                "OrganizationId": id.organization_id,
                "FriendlyName": FRIENDLY_NAME,
                "OrganizationVersion": "9.2.0.0",
                "EnvironmentId": "",
                "DatacenterId": "00000000-0000-0000-0000-000000000000",
                "Geo": "Local",
                "TenantId": id.tenant,
                "UrlName": "sandbox",
                "UniqueName": "ferrysandbox",
                "Endpoints": {
                    "Count": 2,
                    "IsReadOnly": false,
                    "Keys": ["WebApplication", "OrganizationService"],
                    "Values": [web.clone(), format!("{web}/XRMServices/2011/Organization.svc")],
                },
                "State": "Enabled",
                "OrganizationType": "Customer",
            },
        }),
    ))
}

fn service_document(ctx: &Ctx) -> ApiResponse {
    let mut value: Vec<serde_json::Value> = ctx
        .svc
        .schema
        .tables
        .iter()
        .map(|t| json!({"name": t.entity_set, "kind": "EntitySet", "url": t.entity_set}))
        .collect();
    for set in [
        "EntityDefinitions",
        "RelationshipDefinitions",
        "GlobalOptionSetDefinitions",
    ] {
        value.push(json!({"name": set, "kind": "EntitySet", "url": set}));
    }
    ApiResponse::json(
        200,
        &json!({"@odata.context": format!("{}/$metadata", ctx.api_base()), "value": value}),
    )
}
