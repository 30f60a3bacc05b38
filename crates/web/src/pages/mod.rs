//! Server-rendered pages, one module each (sign-in, the inbox shell, the demo
//! site, the widget frame), the routes of the static files (assets.rs), and
//! health checks. Templates are in `templates/`.

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use i18n::Lang;
use serde::Deserialize;

use crate::AppState;

pub(crate) use error::error_page;

mod demo;
mod error;
mod inbox;
mod login;
mod settings;
mod setup;
mod widget_frame;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/app") }))
        .route("/login", get(login::show).post(login::submit))
        .route("/logout", post(login::logout))
        .route("/setup/{token}", get(setup::show).post(setup::submit))
        .route("/app", get(inbox::show))
        .route("/app/profile", get(settings::profile))
        .route("/app/settings", get(settings::index))
        .route("/app/settings/agents", get(settings::agents))
        .route("/app/settings/teams", get(settings::teams))
        .route("/app/settings/labels", get(settings::labels))
        .route("/app/settings/embed", get(settings::embed))
        .route("/app/settings/inboxes/{id}", get(settings::inbox))
        .route("/demo", get(demo::home))
        .route("/demo/pricing", get(demo::pricing))
        .route("/widget/frame", get(widget_frame::widget_frame))
        .route("/widget.js", get(|State(s): State<AppState>, headers: HeaderMap| async move { static_file(&s, "widget.js", &headers) }))
        .route(
            "/static/{*path}",
            get(|State(s): State<AppState>, axum::extract::Path(p): axum::extract::Path<String>, headers: HeaderMap| async move {
                static_file(&s, &p, &headers)
            }),
        )
        .route("/blobs/{kind}/{file}", get(blob))
        .route("/healthz", get(|| async { axum::Json(serde_json::json!({"status": "ok"})) }))
        .route("/readyz", get(readyz))
}

/// A stored photo. Its key is random and never reused, so it is cached for
/// good; it is served as an image that can run nothing, whatever it holds.
async fn blob(
    State(state): State<AppState>,
    axum::extract::Path((kind, file)): axum::extract::Path<(String, String)>,
) -> Response {
    match state.app.avatar_bytes(&format!("{kind}/{file}")).await {
        Ok((bytes, content_type)) => {
            let mut res = bytes.into_response();
            let h = res.headers_mut();
            h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=31536000, immutable"));
            h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
            h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("default-src 'none'; sandbox"));
            res
        }
        Err(e) => crate::error::ApiError::from(e).into_response(),
    }
}

/// Content Security Policy of the team's pages: our own scripts only, never framed.
pub(crate) const APP_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
    connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
/// The demo page plays a customer's website that embeds the loader.
pub(crate) const DEMO_CSP: &str =
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; \
    connect-src 'self'; frame-src 'self'; base-uri 'none'";

/// A rendered page with its Content Security Policy; never cached (the widget
/// frame relaxes that).
pub(crate) fn page(html: Result<String, askama::Error>, csp: &str) -> Response {
    match (html, HeaderValue::from_str(csp)) {
        (Ok(body), Ok(csp_value)) => {
            let mut res = Html(body).into_response();
            let h = res.headers_mut();
            h.insert(header::CONTENT_SECURITY_POLICY, csp_value);
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            h.insert(header::REFERRER_POLICY, HeaderValue::from_static("strict-origin-when-cross-origin"));
            if csp == APP_CSP {
                h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
            }
            res
        }
        (Err(e), _) => {
            tracing::error!(error = %e, "template failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
        (_, Err(e)) => {
            tracing::error!(error = %e, "invalid CSP");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// The first language of `Accept-Language` that Parlor has, else English;
/// `?lang=` wins.
pub(crate) fn language(headers: &HeaderMap, forced: Option<&str>) -> Lang {
    if let Some(lang) = forced.filter(|l| l.len() == 2).and_then(Lang::from_tag) {
        return lang;
    }
    let accept = headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).unwrap_or("");
    accept.split(',').find_map(|tag| Lang::from_tag(tag.split(';').next().unwrap_or(""))).unwrap_or(Lang::En)
}

/// The language of a signed-in user's page: `?lang=`, else the one chosen on
/// the profile page, else the browser's.
pub(crate) async fn user_language(
    state: &crate::AppState,
    headers: &HeaderMap,
    forced: Option<&str>,
    user: domain::UserId,
) -> Lang {
    let chosen = match forced {
        Some(_) => None,
        None => state.app.profile_settings(user).await.ok().map(|(_, locale)| locale),
    };
    language(headers, forced.or(chosen.as_deref().filter(|l| !l.is_empty())))
}

/// JSON for a `<script type="application/json">` block: `<`, `>` and `&` become
/// `\u` escapes, so no string in it can end the element (`</script>`) or start
/// a comment; `JSON.parse` reads them back unchanged.
pub(crate) fn json_for_html(value: &impl serde::Serialize) -> String {
    let json = serde_json::to_string(value).unwrap_or_else(|_| "null".into());
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            c => out.push(c),
        }
    }
    out
}

#[derive(Deserialize)]
pub(crate) struct LangQuery {
    pub lang: Option<String>,
    /// The account a team page shows, for a user in several (default: the first).
    pub account: Option<i64>,
}

fn static_file(state: &AppState, path: &str, headers: &HeaderMap) -> Response {
    match state.assets.lookup(path) {
        Some((asset, cache)) => crate::assets::serve(asset, headers, cache),
        None => crate::error::ApiError::not_found().into_response(),
    }
}

async fn readyz(State(state): State<AppState>) -> Response {
    match state.app.ping().await {
        Ok(database) => axum::Json(serde_json::json!({"status": "ready", "database": database})).into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "not ready");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                axum::Json(serde_json::json!({"code": "not_ready", "message": "The database does not answer."})),
            )
                .into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::json_for_html;

    #[test]
    fn json_blocks_cannot_close_their_script_element() {
        let json = json_for_html(&serde_json::json!({"name": "</script><script>alert(1)</script> & <!--"}));
        assert!(!json.contains('<') && !json.contains('>') && !json.contains('&'), "{json}");
        let back: serde_json::Value = serde_json::from_str(&json).expect("still JSON");
        assert_eq!(back["name"], "</script><script>alert(1)</script> & <!--");
    }
}
