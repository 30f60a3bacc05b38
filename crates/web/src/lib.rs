//! The only crate that knows HTTP: routes, extractors, the error type at the edge,
//! the WebSocket protocol (`ws/`), the REST API by noun (`api/`), pages (`pages/`)
//! and the serving of the browser's files, which the binary hands over as a value.

mod api;
mod assets;
mod cors;
pub mod error;
mod extract;
mod json;
mod pages;
mod ratelimit;
mod serve;
mod ws;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use tokio::sync::watch;
use tower_http::compression::predicate::{DefaultPredicate, Predicate as _, SizeAbove};
use tower_http::compression::CompressionLayer;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

pub use assets::{Asset, Assets};
pub use ratelimit::LimitConfig;
pub use serve::{serve, BODY_IDLE_TIMEOUT};

/// Settings of the HTTP side.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// The address visitors and agents reach Parlor at, e.g. `https://chat.example.com`.
    pub public_url: Option<String>,
    /// Peers whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<IpAddr>,
    pub limits: LimitConfig,
    /// Open connections one client address may hold.
    pub max_connections_per_ip: usize,
    /// Where the server listens (for links when no public URL is set).
    pub listen: SocketAddr,
    /// How long one request may take, body included (the socket's upgrade
    /// request too; the socket itself is not a request). Past it: 408.
    pub request_deadline: std::time::Duration,
    /// How often a socket pings its client and an agent's socket checks its
    /// credential again (a revocation no hub heard of ends within this).
    pub ws_ping_every: std::time::Duration,
}

impl WebConfig {
    pub fn public_url_or_default(&self) -> String {
        match &self.public_url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None if self.listen.ip().is_unspecified() => format!("http://localhost:{}", self.listen.port()),
            None => format!("http://{}", self.listen),
        }
    }

    pub fn secure_cookies(&self) -> bool {
        self.public_url.as_deref().is_some_and(|u| u.starts_with("https://"))
    }
}

#[derive(Clone)]
pub struct AppState {
    pub app: app::App,
    pub config: Arc<WebConfig>,
    assets: Assets,
    limits: ratelimit::Limits,
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Parlor API", description = "Parlor's REST API. It follows Chatwoot's public API: the same paths, \
        methods and field names for the resources Parlor implements. Agents authenticate with the \
        `api_access_token` header. Errors are `{\"code\": \"snake_case\", \"message\": \"…\"}`. \
        Real time: see docs/realtime.md (`/ws`)."),
    modifiers(&Security),
    tags((name = "Client API", description = "For the widget and custom chat front-ends; no agent credentials")),
)]
struct ApiDoc;

struct Security;

impl utoipa::Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_access_token",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("api_access_token"))),
        );
    }
}

fn api() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi()).merge(api::router()).split_for_parts()
}

/// The OpenAPI document of the whole REST API, generated from the routes.
pub fn openapi() -> utoipa::openapi::OpenApi {
    api().1
}

/// The whole HTTP application.
pub fn router(app: app::App, config: WebConfig, assets: Assets, mut shutdown: watch::Receiver<bool>) -> Router {
    let limits = ratelimit::Limits::new(config.limits, app.clock());
    let pruned = limits.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(60));
        loop {
            every.tick().await;
            pruned.prune();
        }
    });
    // At shutdown every socket closes with 1001: closing the hub ends their
    // subscriptions. One watcher here rather than a shutdown receiver and its
    // wait in every socket (M1).
    let hub = app.clone();
    tokio::spawn(async move {
        // An error means the sender is gone: the server is going away as well.
        let _ = shutdown.wait_for(|stop| *stop).await;
        hub.hub().close();
    });
    let request_deadline = config.request_deadline;
    let state = AppState { app, config: Arc::new(config), assets, limits };
    let (api_router, doc) = api();
    let doc = Arc::new(doc);
    api_router
        .route("/api/openapi.json", axum::routing::get(move || async move { axum::Json(doc.as_ref().clone()) }))
        .merge(pages::router())
        // A bare 404: `uniform_errors` makes it the JSON error or the page.
        .fallback(|| async { StatusCode::NOT_FOUND })
        .layer(compression())
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            request_deadline,
        ))
        // Added after the compression and deadline layers, so neither applies to the socket.
        .route("/ws", axum::routing::get(ws::handler))
        .layer(axum::extract::DefaultBodyLimit::max(2 * 1024 * 1024))
        .layer(axum::middleware::from_fn_with_state(state.clone(), cors::client_api_origin))
        .layer(axum::middleware::from_fn(uniform_errors))
        .layer(axum::middleware::from_fn(log_and_harden))
        .with_state(state)
}

/// Compresses pages and API answers above 1 KiB for clients that accept gzip or
/// brotli (brotli at quality 4, tower-http's choice for on-the-fly). Static
/// files arrive here already compressed (assets.rs) and pass untouched.
/// BREACH needs a secret in a compressed body next to text an attacker chose;
/// Parlor's secrets (tokens) appear only in the answer to the request that
/// creates them, and sessions live in cookies, which are never compressed.
fn compression() -> CompressionLayer<impl tower_http::compression::Predicate> {
    CompressionLayer::new().compress_when(DefaultPredicate::new().and(SizeAbove::new(1024)))
}

/// Whether a path belongs to the API (JSON errors) rather than the pages.
fn is_api(path: &str) -> bool {
    path.starts_with("/api/") || path.starts_with("/public/") || path == "/ws"
}

/// Every error answer is the API's JSON error or, outside the API, a page: also
/// those axum writes itself (a method a route lacks: 405 with an empty body; a
/// form or upgrade it could not read: text/plain). Headers such as `Allow` and
/// `Retry-After` are kept.
async fn uniform_errors(req: Request, next: Next) -> Response {
    let api = is_api(req.uri().path());
    // A page's error speaks the reader's language: keep that header (a
    // reference-counted value; a map is built only for an error).
    let language = req.headers().get(header::ACCEPT_LANGUAGE).cloned();
    let res = next.run(req).await;
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    let kind = res.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let ours = kind.starts_with("application/json") || (!api && kind.starts_with("text/html"));
    if ours {
        return res;
    }
    let mut fixed = if api {
        error::ApiError::for_status(status).into_response()
    } else {
        let mut headers = axum::http::HeaderMap::new();
        if let Some(v) = language {
            headers.insert(header::ACCEPT_LANGUAGE, v);
        }
        pages::error_page(status, &headers)
    };
    for (name, value) in res.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH && !fixed.headers().contains_key(name) {
            fixed.headers_mut().insert(name.clone(), value.clone());
        }
    }
    fixed
}

/// Logs each request by its route template, never its URI: Client API paths carry
/// the visitor's secret identifier (threats.md #2, #50). Adds `nosniff` everywhere.
async fn log_and_harden(req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().clone();
    let route =
        req.extensions().get::<MatchedPath>().map(|p| p.as_str().to_owned()).unwrap_or_else(|| "<unmatched>".into());
    let mut res = next.run(req).await;
    res.headers_mut().insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    tracing::info!(%method, %route, status = res.status().as_u16(), ms = started.elapsed().as_secs_f64() * 1000.0, "request");
    res
}

#[cfg(test)]
mod tests {
    /// The committed `openapi.json` is what the code generates. To refresh it after
    /// changing the API: `PARLOR_UPDATE_OPENAPI=1 cargo test -p web openapi`.
    #[test]
    fn openapi_json_is_fresh() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../openapi.json");
        let generated = super::openapi().to_pretty_json().expect("serialize") + "\n";
        if std::env::var("PARLOR_UPDATE_OPENAPI").is_ok() {
            std::fs::write(&path, &generated).expect("write openapi.json");
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(committed == generated, "openapi.json is stale: run PARLOR_UPDATE_OPENAPI=1 cargo test -p web openapi");
    }
}
