//! A one-time setup link (`/setup/{token}`): an invited agent chooses their
//! password, or anyone whose password was reset chooses a new one. Using it
//! ends the user's other sessions and signs this browser in.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Form;
use i18n::Catalogue;
use serde::Deserialize;

use super::{language, login::signed_in, page, LangQuery, APP_CSP};
use crate::extract::{same_origin, ClientIp};
use crate::AppState;

#[derive(Template)]
#[template(path = "setup.html")]
struct SetupPage {
    v: &'static str,
    lang: &'static str,
    s: &'static Catalogue,
    /// The email of whom the link is for; `None`: used, expired or unknown.
    user: Option<String>,
    reset: bool,
    lead: String,
    error: Option<&'static str>,
}

/// A setup token has the shape of every Parlor token; anything else is not
/// looked up.
fn plausible(token: &str) -> bool {
    token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

async fn render(
    state: &AppState,
    headers: &HeaderMap,
    forced: Option<&str>,
    token: &str,
    error: Option<&'static str>,
) -> Response {
    let lang = language(headers, forced);
    let s = i18n::catalogue(lang);
    let found = match plausible(token) {
        true => state.app.setup_link_user(token).await,
        false => Err(app::AppError::NotFound),
    };
    let (user, reset) = match found {
        Ok((u, purpose)) => (Some(u), purpose == app::SetupPurpose::Reset),
        Err(app::AppError::NotFound) => (None, false),
        Err(e) => return crate::error::ApiError::from(e).into_response(),
    };
    let lead = match &user {
        Some(u) if reset => s.fill("setup.leadReset", &[("email", &u.email)]),
        Some(u) => s.fill("setup.lead", &[("name", u.available_name()), ("email", &u.email)]),
        None => String::new(),
    };
    let status = match (&user, error) {
        (None, _) => StatusCode::NOT_FOUND,
        (Some(_), Some(_)) => StatusCode::UNPROCESSABLE_ENTITY,
        _ => StatusCode::OK,
    };
    let html =
        SetupPage { v: state.assets.version(), lang: lang.code(), s, user: user.map(|u| u.email), reset, lead, error };
    let mut res = page(html.render(), APP_CSP);
    *res.status_mut() = status;
    // The token is in the address: no other site it links to may learn it.
    // (`no-referrer` would also make the browser send `Origin: null` with
    // the form, which the origin check then refuses.)
    res.headers_mut().insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    res
}

pub(super) async fn show(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
    Query(q): Query<LangQuery>,
) -> Response {
    render(&state, &headers, q.lang.as_deref(), &token, None).await
}

#[derive(Deserialize, Default)]
pub(super) struct SetupForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
}

pub(super) async fn submit(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Path(token): Path<String>,
    form: Result<Form<SetupForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    // As the sign-in form: a browser's cross-site post carries its Origin.
    if headers.contains_key(header::ORIGIN) && !same_origin(&headers, state.config.public_url.as_deref()) {
        return StatusCode::FORBIDDEN.into_response();
    }
    if state.limits.login_ip.check(&ip.to_string()).is_err() {
        return crate::error::ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "Too many attempts; wait a moment.",
        )
        .into_response();
    }
    let form = form.map(|f| f.0).unwrap_or_default();
    if form.password != form.confirm {
        return render(&state, &headers, None, &token, Some("setup.mismatch")).await;
    }
    let Ok(password) = domain::NewPassword::parse(form.password) else {
        return render(&state, &headers, None, &token, Some("setup.weak")).await;
    };
    if !plausible(&token) {
        return render(&state, &headers, None, &token, None).await;
    }
    match state.app.complete_setup(&token, &password).await {
        Ok(session) => signed_in(&state, &session),
        Err(app::AppError::NotFound) => render(&state, &headers, None, &token, None).await,
        Err(e) => crate::error::ApiError::from(e).into_response(),
    }
}
