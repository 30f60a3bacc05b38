//! The settings pages: the user's own profile (`/app/profile`) and, for
//! administrators, the agents of the account and each inbox's settings,
//! members and embed snippet (`/app/settings/…`).
//! Server-rendered shells with their navigation; settings/main.js fills them
//! from the Application API (the session cookie authenticates).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use i18n::Catalogue;

use super::{json_for_html, page, LangQuery, APP_CSP};
use crate::extract::session_cookie;
use crate::AppState;

/// The catalogue's areas the settings script shows.
const BROWSER_AREAS: &[&str] = &["settings.", "error."];

#[derive(Template)]
#[template(path = "settings.html")]
struct SettingsPage {
    v: &'static str,
    lang: &'static str,
    s: &'static Catalogue,
    strings: String,
    account_id: i64,
    user_id: i64,
    /// `profile`, `agents` or `inbox`.
    view: &'static str,
    /// The inbox shown (`view == "inbox"`), else 0.
    inbox_id: i64,
    /// Every inbox of the account, for the navigation.
    inboxes: Vec<(i64, String)>,
    admin: bool,
    public_url: String,
}

pub(super) async fn index(Query(q): Query<LangQuery>) -> Redirect {
    match q.account {
        Some(a) => Redirect::to(&format!("/app/settings/agents?account={a}")),
        None => Redirect::to("/app/settings/agents"),
    }
}

/// The empty inbox's "put the chat on your website": the first inbox's snippet.
pub(super) async fn embed(State(state): State<AppState>, headers: HeaderMap, Query(q): Query<LangQuery>) -> Response {
    let Some(token) = session_cookie(&headers) else { return Redirect::to("/login").into_response() };
    let wanted = q.account.map(domain::AccountId);
    let Ok(agent) = state.app.session_agent(&token, wanted).await else {
        return Redirect::to("/login").into_response();
    };
    let account = agent.account_id.0;
    match state.app.inboxes(&agent).await.ok().and_then(|l| l.into_iter().next()) {
        Some(inbox) => {
            Redirect::to(&format!("/app/settings/inboxes/{}?account={account}#embed", inbox.id.0)).into_response()
        }
        None => Redirect::to(&format!("/app/settings/agents?account={account}")).into_response(),
    }
}

pub(super) async fn profile(State(state): State<AppState>, headers: HeaderMap, Query(q): Query<LangQuery>) -> Response {
    render(&state, &headers, &q, "profile", 0).await
}

pub(super) async fn agents(State(state): State<AppState>, headers: HeaderMap, Query(q): Query<LangQuery>) -> Response {
    render(&state, &headers, &q, "agents", 0).await
}

pub(super) async fn teams(State(state): State<AppState>, headers: HeaderMap, Query(q): Query<LangQuery>) -> Response {
    render(&state, &headers, &q, "teams", 0).await
}

pub(super) async fn labels(State(state): State<AppState>, headers: HeaderMap, Query(q): Query<LangQuery>) -> Response {
    render(&state, &headers, &q, "labels", 0).await
}

pub(super) async fn inbox(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Query(q): Query<LangQuery>,
) -> Response {
    render(&state, &headers, &q, "inbox", id).await
}

async fn render(state: &AppState, headers: &HeaderMap, q: &LangQuery, view: &'static str, inbox_id: i64) -> Response {
    let forced = q.lang.as_deref();
    let Some(token) = session_cookie(headers) else { return Redirect::to("/login").into_response() };
    let agent = match state.app.session_agent(&token, q.account.map(domain::AccountId)).await {
        Ok(agent) => agent,
        Err(app::AppError::Unauthorized) => return Redirect::to("/login").into_response(),
        Err(e) => return crate::error::ApiError::from(e).into_response(),
    };
    let inboxes = match state.app.inboxes(&agent).await {
        Ok(list) => list,
        Err(e) => return crate::error::ApiError::from(e).into_response(),
    };
    let lang = super::user_language(state, headers, forced, agent.user.id).await;
    let s = i18n::catalogue(lang);
    let known = view != "inbox" || inboxes.iter().any(|i| i.id.0 == inbox_id);
    let html = SettingsPage {
        v: state.assets.version(),
        lang: lang.code(),
        s,
        strings: json_for_html(&s.subset(BROWSER_AREAS)),
        account_id: agent.account_id.0,
        user_id: agent.user.id.0,
        view,
        inbox_id,
        inboxes: inboxes.iter().map(|i| (i.id.0, i.name.clone())).collect(),
        admin: agent.role == domain::Role::Administrator,
        public_url: state.config.public_url_or_default(),
    }
    .render();
    let mut res = page(html, APP_CSP);
    if !known {
        *res.status_mut() = StatusCode::NOT_FOUND;
    }
    res
}
