//! The demo site (`/demo`): a customer's website that embeds the widget.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::{page, DEMO_CSP};
use crate::AppState;

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

pub(super) async fn home(State(state): State<AppState>) -> Response {
    demo(&state, "home").await
}

pub(super) async fn pricing(State(state): State<AppState>) -> Response {
    demo(&state, "pricing").await
}
