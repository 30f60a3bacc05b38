//! The inbox shell (`/app`): the signed-in agent's page; inbox/main.js makes it live.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use i18n::Catalogue;

use super::{json_for_html, page, LangQuery, APP_CSP};
use crate::extract::session_cookie;
use crate::AppState;

/// The catalogue's areas the inbox's scripts show.
const BROWSER_AREAS: &[&str] = &["inbox.", "activity.", "error."];

#[derive(Template)]
#[template(path = "inbox.html")]
struct InboxPage {
    v: &'static str,
    lang: &'static str,
    s: &'static Catalogue,
    /// The inbox's part of the catalogue, for inbox/i18n.js.
    strings: String,
    account_id: i64,
    user_id: i64,
    user_name: String,
    role: String,
    /// The user's accounts, for the switcher (shown with two or more).
    accounts: Vec<(i64, String)>,
}

pub(super) async fn show(State(state): State<AppState>, headers: HeaderMap, Query(q): Query<LangQuery>) -> Response {
    let Some(token) = session_cookie(&headers) else { return Redirect::to("/login").into_response() };
    let wanted = q.account.map(domain::AccountId);
    let (user, account_id, role, accounts) = match state.app.session_member(&token, wanted).await {
        Ok(member) => member,
        Err(app::AppError::Unauthorized) => return Redirect::to("/login").into_response(),
        // Not one of theirs: their first account, as if none was named.
        Err(app::AppError::NotFound) => return Redirect::to("/app").into_response(),
        Err(e) => return crate::error::ApiError::from(e).into_response(),
    };
    let lang = super::user_language(&state, &headers, q.lang.as_deref(), user.id).await;
    let s = i18n::catalogue(lang);
    let html = InboxPage {
        v: state.assets.version(),
        lang: lang.code(),
        s,
        strings: json_for_html(&s.subset(BROWSER_AREAS)),
        account_id: account_id.0,
        user_id: user.id.0,
        user_name: user.available_name().to_owned(),
        role: role.as_str().to_owned(),
        accounts: accounts.into_iter().map(|(id, name, _)| (id.0, name)).collect(),
    }
    .render();
    page(html, APP_CSP)
}
