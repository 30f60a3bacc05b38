//! Server-rendered pages (sign-in, the inbox shell, the demo site; the widget
//! frame is in widget_frame.rs), the routes of the embedded static files
//! (assets.rs), and health checks.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use crate::extract::{same_origin, session_cookie, ClientIp, SESSION_COOKIE};
use crate::{assets, widget_frame, AppState};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/app") }))
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
        .route("/app", get(inbox_page))
        .route("/demo", get(demo_home))
        .route("/demo/pricing", get(demo_pricing))
        .route("/widget/frame", get(widget_frame::widget_frame))
        .route("/widget.js", get(|headers: HeaderMap| async move { static_file("widget.js", &headers) }))
        .route(
            "/static/{*path}",
            get(|axum::extract::Path(p): axum::extract::Path<String>, headers: HeaderMap| async move {
                static_file(&p, &headers)
            }),
        )
        .route("/healthz", get(|| async { axum::Json(serde_json::json!({"status": "ok"})) }))
        .route("/readyz", get(readyz))
}

/// Content Security Policy of the team's pages: our own scripts only, never framed.
const APP_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
    connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
/// The demo page plays a customer's website that embeds the loader.
const DEMO_CSP: &str =
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

/// `de` when the browser prefers German over English, else `en`; `?lang=` wins.
pub(crate) fn language(headers: &HeaderMap, forced: Option<&str>) -> String {
    if let Some(l) = forced.filter(|l| matches!(*l, "de" | "en")) {
        return l.to_owned();
    }
    let accept = headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).unwrap_or("");
    for tag in accept.split(',') {
        let tag = tag.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
        if tag.starts_with("de") {
            return "de".into();
        }
        if tag.starts_with("en") {
            return "en".into();
        }
    }
    "en".into()
}

#[derive(Deserialize)]
struct LangQuery {
    lang: Option<String>,
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    v: &'static str,
    lang: String,
    error: Option<String>,
    email: String,
}

async fn login_page(headers: HeaderMap, Query(q): Query<LangQuery>) -> Response {
    let lang = language(&headers, q.lang.as_deref());
    page(LoginPage { v: assets::VERSION, lang, error: None, email: String::new() }.render(), APP_CSP)
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let lang = language(&headers, None);
    if headers.contains_key(header::ORIGIN) && !same_origin(&headers, state.config.public_url.as_deref()) {
        return StatusCode::FORBIDDEN.into_response();
    }
    let email_key = form.email.trim().to_lowercase();
    let limited = state.limits.login_ip.check(&ip.to_string()).and_then(|_| state.limits.login_email.check(&email_key));
    let error = |key: &str, status: StatusCode| {
        let mut res = page(
            LoginPage { v: assets::VERSION, lang: lang.clone(), error: Some(key.into()), email: form.email.clone() }
                .render(),
            APP_CSP,
        );
        *res.status_mut() = status;
        res
    };
    if limited.is_err() {
        return error("rate_limited", StatusCode::TOO_MANY_REQUESTS);
    }
    let user = match state.app.sign_in(&form.email, &form.password).await {
        Ok(user) => user,
        Err(app::AppError::Unauthorized) => return error("invalid", StatusCode::UNAUTHORIZED),
        Err(e) => return crate::error::ApiError::from(e).into_response(),
    };
    // A fresh session id at every sign-in (no session fixation).
    if let Some(old) = session_cookie(&headers) {
        let _ = state.app.end_session(&old).await;
    }
    match state.app.create_session(user.id).await {
        Ok(token) => {
            let mut res = Redirect::to("/app").into_response();
            let secure = if state.config.secure_cookies() { "; Secure" } else { "" };
            let cookie = format!(
                "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{secure}",
                app::auth::SESSION_DAYS * 24 * 3600
            );
            if let Ok(v) = HeaderValue::from_str(&cookie) {
                res.headers_mut().insert(header::SET_COOKIE, v);
            }
            res
        }
        Err(e) => crate::error::ApiError::from(e).into_response(),
    }
}

async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if !same_origin(&headers, state.config.public_url.as_deref()) {
        return StatusCode::FORBIDDEN.into_response();
    }
    if let Some(token) = session_cookie(&headers) {
        let _ = state.app.end_session(&token).await;
    }
    let mut res = Redirect::to("/login").into_response();
    res.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static("parlor_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"),
    );
    res
}

#[derive(Template)]
#[template(path = "inbox.html")]
struct InboxPage {
    v: &'static str,
    lang: String,
    account_id: i64,
    user_id: i64,
    user_name: String,
    role: String,
}

async fn inbox_page(State(state): State<AppState>, headers: HeaderMap, Query(q): Query<LangQuery>) -> Response {
    let Some(token) = session_cookie(&headers) else { return Redirect::to("/login").into_response() };
    let Ok(user) = state.app.session_user(&token).await else { return Redirect::to("/login").into_response() };
    let accounts = match state.app.memberships(user.id).await {
        Ok(a) => a,
        Err(e) => return crate::error::ApiError::from(e).into_response(),
    };
    let Some((account_id, _, role)) = accounts.first() else { return Redirect::to("/login").into_response() };
    let lang = language(&headers, q.lang.as_deref());
    let html = InboxPage {
        v: assets::VERSION,
        lang,
        account_id: account_id.0,
        user_id: user.id.0,
        user_name: user.available_name().to_owned(),
        role: role.as_str().to_owned(),
    }
    .render();
    page(html, APP_CSP)
}

#[derive(Template)]
#[template(path = "demo.html")]
struct DemoPage {
    website_token: String,
    page: String,
}

async fn demo(state: &AppState, which: &str) -> Response {
    let inbox = match state.app.demo_inbox().await {
        Ok(inbox) => inbox,
        Err(e) => return crate::error::ApiError::from(e).into_response(),
    };
    let Some(inbox) = inbox else { return StatusCode::NOT_FOUND.into_response() };
    page(DemoPage { website_token: inbox.website_token, page: which.into() }.render(), DEMO_CSP)
}

async fn demo_home(State(state): State<AppState>) -> Response {
    demo(&state, "home").await
}

async fn demo_pricing(State(state): State<AppState>) -> Response {
    demo(&state, "pricing").await
}

fn static_file(path: &str, headers: &HeaderMap) -> Response {
    match assets::lookup(path) {
        Some((asset, cache)) => assets::serve(asset, headers, cache),
        None => crate::error::ApiError::not_found().into_response(),
    }
}

async fn readyz(State(state): State<AppState>) -> Response {
    match state.app.ping().await {
        Ok(()) => axum::Json(serde_json::json!({"status": "ready", "database": state.app.backend()})).into_response(),
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
