//! Sign-in and sign-out (`/login`, `/logout`): a session cookie, never a token in the page.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use i18n::Catalogue;
use serde::Deserialize;

use super::{language, page, LangQuery, APP_CSP};
use crate::extract::{same_origin, session_cookie, ClientIp, SESSION_COOKIE};
use crate::AppState;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    v: &'static str,
    lang: &'static str,
    s: &'static Catalogue,
    error: Option<String>,
    email: String,
}

pub(super) async fn show(State(state): State<AppState>, headers: HeaderMap, Query(q): Query<LangQuery>) -> Response {
    let lang = language(&headers, q.lang.as_deref());
    let s = i18n::catalogue(lang);
    page(
        LoginPage { v: state.assets.version(), lang: lang.code(), s, error: None, email: String::new() }.render(),
        APP_CSP,
    )
}

#[derive(Deserialize, Default)]
pub(super) struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

pub(super) async fn submit(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    form: Result<Form<LoginForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    // Not a form (another content type, bad encoding): the sign-in page says
    // the sign-in failed, as for a wrong password; never a bare 415.
    let form = form.map(|f| f.0).unwrap_or_default();
    let lang = language(&headers, None);
    if headers.contains_key(header::ORIGIN) && !same_origin(&headers, state.config.public_url.as_deref()) {
        return StatusCode::FORBIDDEN.into_response();
    }
    let email_key = form.email.trim().to_lowercase();
    let limited = state.limits.login_ip.check(&ip.to_string()).and_then(|_| state.limits.login_email.check(&email_key));
    let error = |key: &str, status: StatusCode| {
        let mut res = page(
            LoginPage {
                v: state.assets.version(),
                lang: lang.code(),
                s: i18n::catalogue(lang),
                error: Some(key.into()),
                email: form.email.clone(),
            }
            .render(),
            APP_CSP,
        );
        *res.status_mut() = status;
        res
    };
    if limited.is_err() {
        return error("rate_limited", StatusCode::TOO_MANY_REQUESTS);
    }
    let old = session_cookie(&headers);
    match state.app.sign_in_session(&form.email, &form.password, old.as_deref()).await {
        Err(app::AppError::Unauthorized) => error("invalid", StatusCode::UNAUTHORIZED),
        Ok(token) => signed_in(&state, &token),
        Err(e) => crate::error::ApiError::from(e).into_response(),
    }
}

/// To the inbox with a new session's cookie (sign-in, a used setup link).
pub(super) fn signed_in(state: &AppState, token: &str) -> Response {
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

pub(super) async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Response {
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
