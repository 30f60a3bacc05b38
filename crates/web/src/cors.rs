//! Which websites may call the Client API from a browser: an inbox's
//! `allowed_domains` (C1). A request whose `Origin` names another site is
//! refused (403 `origin_not_allowed`); an allowed one gets CORS headers
//! (no credentials: the Client API's secret is in its path, never a
//! cookie). Requests without `Origin` (servers, apps) and from Parlor's own
//! pages (the widget frame) pass as before.

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;
use crate::extract::same_origin;
use crate::AppState;

const PREFIX: &str = "/public/api/v1/inboxes/";

pub(crate) async fn client_api_origin(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let Some(rest) = req.uri().path().strip_prefix(PREFIX) else { return next.run(req).await };
    let Some(origin) = req.headers().get(header::ORIGIN).and_then(|v| v.to_str().ok()).map(str::to_owned) else {
        return next.run(req).await;
    };
    if same_origin(req.headers(), state.config.public_url.as_deref()) {
        return next.run(req).await;
    }
    let token = rest.split('/').next().unwrap_or("");
    // An unknown inbox answers as it always does (404, from the handler).
    let Ok(inbox) = state.app.public_inbox(token).await else { return next.run(req).await };
    if !app::inboxes::origin_allowed(&inbox.allowed_domains, &origin) {
        return ApiError::new(
            StatusCode::FORBIDDEN,
            "origin_not_allowed",
            "This website may not use this inbox's chat.",
        )
        .into_response();
    }
    let preflight = req.method() == Method::OPTIONS;
    let mut res = if preflight { StatusCode::NO_CONTENT.into_response() } else { next.run(req).await };
    let h = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&origin) {
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, v);
    }
    h.append(header::VARY, HeaderValue::from_static("origin"));
    if preflight {
        h.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("GET, POST, PATCH"));
        h.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static("content-type"));
        h.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
    }
    res
}
