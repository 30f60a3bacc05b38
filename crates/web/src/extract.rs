//! Extractors that turn a request into typed input or a clear `ApiError`.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, Method, StatusCode};
use serde::de::DeserializeOwned;

use crate::json::{self, Wrapped};

use crate::error::ApiError;
use crate::AppState;

/// A JSON body, read by the rules of `json.rs` (strict on shape, lenient as
/// Rails is, flat or wrapped in its resource's name). An empty body reads as
/// `{}` (Chatwoot's clients post some actions without one). Malformed JSON,
/// a body that is not an object and wrong types are 400s.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Wrapped> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let bytes = axum::body::Bytes::from_request(req, state).await.map_err(|e| match e.status() {
            StatusCode::PAYLOAD_TOO_LARGE => {
                ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", "The request body is too large.")
            }
            // The body stopped arriving (its idle timeout) or the client went away.
            _ => ApiError::new(
                StatusCode::REQUEST_TIMEOUT,
                "request_timeout",
                "The request body did not arrive in time.",
            ),
        })?;
        let bytes: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) { b"{}" } else { &bytes };
        let value: serde_json::Value = serde_json::from_slice(bytes)
            .map_err(|_| ApiError::bad_request("malformed_json", "The request body is not valid JSON."))?;
        // Every body of this API is an object (threats.md #4: no struct read
        // from an array, at any depth: json.rs).
        if !value.is_object() {
            return Err(ApiError::bad_request("invalid_type", "Invalid parameters: the body must be a JSON object."));
        }
        let value = json::unwrap(value, T::WRAPPER);
        T::deserialize(json::Strict(&value)).map(ApiJson).map_err(|e| {
            let text = e.to_string();
            let code = if text.starts_with("invalid type") { "invalid_type" } else { "invalid_params" };
            ApiError::bad_request(code, format!("Invalid parameters: {text}"))
        })
    }
}

/// Path parameters; anything that does not parse is a 404, like an unknown id.
pub struct ApiPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| ApiPath(p.0))
            .map_err(|_| ApiError::not_found())
    }
}

/// Query parameters; a value of the wrong type, or any control character (a
/// NUL byte PostgreSQL would refuse, a line break for a log), is a 400.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        // Most requests have no query: nothing to decode twice.
        let pairs = match parts.uri.query() {
            Some(_) => axum::extract::Query::<Vec<(String, String)>>::try_from_uri(&parts.uri).map(|q| q.0).ok(),
            None => None,
        };
        if pairs.is_some_and(|p| p.iter().any(|(k, v)| k.chars().chain(v.chars()).any(char::is_control))) {
            return Err(ApiError::bad_request(
                "invalid_query",
                "Query parameters must not contain control characters.",
            ));
        }
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| ApiQuery(q.0))
            .map_err(|e| ApiError::bad_request("invalid_query", format!("Invalid query parameters: {e}")))
    }
}

/// The client's address: the socket's peer, or the first untrusted hop of
/// `X-Forwarded-For` when the peer is a configured proxy (threats.md #10).
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub IpAddr);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let peer =
            parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip()).unwrap_or(IpAddr::from([127, 0, 0, 1]));
        Ok(ClientIp(client_ip(peer, &parts.headers, &state.config.trusted_proxies)))
    }
}

pub fn client_ip(peer: IpAddr, headers: &axum::http::HeaderMap, trusted: &[IpAddr]) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    let forwarded = headers.get("x-forwarded-for").and_then(|v| v.to_str().ok()).unwrap_or("");
    // Walk from the nearest hop outwards, skipping our own proxies.
    forwarded
        .split(',')
        .rev()
        .filter_map(|s| s.trim().parse::<IpAddr>().ok())
        .find(|ip| !trusted.contains(ip))
        .unwrap_or(peer)
}

pub const SESSION_COOKIE: &str = "parlor_session";

/// The session cookie's value, if the request carries one.
pub fn session_cookie(headers: &axum::http::HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == SESSION_COOKIE)
        .map(|(_, v)| v.to_owned())
}

/// Whether the request's `Origin` is this server itself. Browsers send `Origin`
/// on every cross-site POST and WebSocket upgrade, so a cookie-authenticated
/// request without a matching one is refused (CSRF, threats.md #53).
pub fn same_origin(headers: &axum::http::HeaderMap, public_url: Option<&str>) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    match public_url {
        Some(url) => origin.trim_end_matches('/') == url.trim_end_matches('/'),
        None => {
            let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
            let origin_host = origin.split_once("://").map(|(_, h)| h).unwrap_or("");
            !host.is_empty() && origin_host == host
        }
    }
}

/// How a request says who it is, read from its headers alone (no IO yet).
enum Credential {
    AccessToken(String),
    Session(String),
}

/// The request's credential: the `api_access_token` header (Chatwoot's) or the
/// session cookie. Cookie-authenticated requests that change state must come
/// from our own origin.
fn credential(parts: &Parts, state: &AppState) -> Result<Credential, ApiError> {
    if let Some(token) = parts.headers.get("api_access_token").and_then(|v| v.to_str().ok()) {
        return Ok(Credential::AccessToken(token.to_owned()));
    }
    let Some(session) = session_cookie(&parts.headers) else {
        return Err(ApiError::unauthorized());
    };
    let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
    if !safe && !same_origin(&parts.headers, state.config.public_url.as_deref()) {
        return Err(ApiError::new(StatusCode::FORBIDDEN, "cross_origin", "Cross-origin request refused."));
    }
    Ok(Credential::Session(session))
}

/// The signed-in user, by access token or session cookie (see [`credential`]).
pub struct AuthUser(pub domain::UserSummary);

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let user = match credential(parts, state)? {
            Credential::AccessToken(token) => state.app.user_by_access_token(&token).await?,
            Credential::Session(session) => state.app.session_user(&session).await?,
        };
        Ok(AuthUser(user))
    }
}

/// An agent acting in the account named by the path's `account_id`. The user,
/// its role and its inboxes there come from one database read: this runs before
/// every Application API request's own query (BENCHMARKS.md, M5).
pub struct Agent(pub app::auth::AgentCtx);

impl FromRequestParts<AppState> for Agent {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let credential = credential(parts, state)?;
        let account_id = match axum::extract::RawPathParams::from_request_parts(parts, state).await {
            Ok(params) => params.iter().find(|(k, _)| *k == "account_id").and_then(|(_, v)| v.parse::<i64>().ok()),
            Err(_) => None,
        };
        let Some(account_id) = account_id else {
            // No account in the path: a bad credential still answers 401 before
            // the path's 404, as when the user was looked up first.
            AuthUser::from_request_parts(parts, state).await?;
            return Err(ApiError::not_found());
        };
        let account_id = domain::AccountId(account_id);
        let agent = match credential {
            Credential::AccessToken(token) => state.app.agent_by_access_token(&token, account_id).await?,
            Credential::Session(session) => state.app.agent_by_session(&session, account_id).await?,
        };
        Ok(Agent(agent))
    }
}
