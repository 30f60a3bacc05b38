//! An inbox's greeter bot (Parlor's own resource,
//! `/api/v1/accounts/{account_id}/inboxes/{id}/greeter`): its name, picture
//! and greeting, stored as the inbox's chatflow (each save a new version).

use axum::extract::{Request, State};
use axum::Json;
use domain::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::ItemPath;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{Agent, ApiJson, ApiPath};
use crate::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(show_greeter, update_greeter)).routes(routes!(set_avatar, delete_avatar))
}

crate::json::wrapped!(
    GreeterPayload => "greeter",
);

#[derive(Serialize, ToSchema)]
pub struct GreeterJson {
    /// On: visitors' new conversations start `pending` with the bot, which greets them.
    pub enabled: bool,
    pub name: String,
    pub greeting: String,
    pub avatar_url: String,
    /// The inbox's chatflow version in force (0: never saved).
    pub version: i64,
    pub agent_bot_id: Option<i64>,
}

impl GreeterJson {
    fn new(flow: Option<&Chatflow>) -> Self {
        match flow {
            Some(f) => GreeterJson {
                enabled: f.enabled,
                name: f.bot.name.clone(),
                greeting: f.greeting().to_owned(),
                avatar_url: super::avatar_url(&f.bot.avatar),
                version: f.version,
                agent_bot_id: Some(f.bot.id.0),
            },
            None => GreeterJson {
                enabled: false,
                name: String::new(),
                greeting: String::new(),
                avatar_url: String::new(),
                version: 0,
                agent_bot_id: None,
            },
        }
    }
}

#[derive(Deserialize, ToSchema)]
pub struct GreeterPayload {
    pub enabled: Option<bool>,
    pub name: Option<String>,
    pub greeting: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/accounts/{account_id}/inboxes/{id}/greeter", tag = "Inboxes",
    params(("account_id" = i64, Path), ("id" = i64, Path)),
    responses((status = 200, body = GreeterJson), (status = 404, body = ErrorBody)),
    security(("api_access_token" = [])))]
async fn show_greeter(
    State(state): State<AppState>,
    Agent(agent): Agent,
    ApiPath(p): ApiPath<ItemPath>,
) -> ApiResult<Json<GreeterJson>> {
    let flow = state.app.greeter(&agent, InboxId(p.id)).await?;
    Ok(Json(GreeterJson::new(flow.as_ref())))
}

#[utoipa::path(patch, path = "/api/v1/accounts/{account_id}/inboxes/{id}/greeter", tag = "Inboxes",
    params(("account_id" = i64, Path), ("id" = i64, Path)),
    request_body = GreeterPayload,
    responses((status = 200, body = GreeterJson, description = "Saved as the next chatflow version"),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "`missing_greeting`, `invalid_name`, `empty_message`")),
    security(("api_access_token" = [])))]
async fn update_greeter(
    State(state): State<AppState>,
    Agent(admin): Agent,
    ApiPath(p): ApiPath<ItemPath>,
    ApiJson(body): ApiJson<GreeterPayload>,
) -> ApiResult<Json<GreeterJson>> {
    let patch = app::bots::GreeterPatch { enabled: body.enabled, name: body.name, greeting: body.greeting };
    let flow = state.app.save_greeter(&admin, InboxId(p.id), patch).await?;
    Ok(Json(GreeterJson::new(Some(&flow))))
}

#[utoipa::path(post, path = "/api/v1/accounts/{account_id}/inboxes/{id}/greeter/avatar", tag = "Inboxes",
    params(("account_id" = i64, Path), ("id" = i64, Path)),
    request_body(content = String, description = "`multipart/form-data` with the picture as `avatar` (PNG, JPEG \
        or WebP, at most 5 MB and 4096×4096; stored as a 256×256 square)", content_type = "multipart/form-data"),
    responses((status = 200, body = GreeterJson), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("api_access_token" = [])))]
async fn set_avatar(
    State(state): State<AppState>,
    Agent(admin): Agent,
    ApiPath(p): ApiPath<ItemPath>,
    req: Request,
) -> ApiResult<Json<GreeterJson>> {
    // The inbox first: a picture for an inbox one may not see is not read.
    state.app.inbox(&admin, InboxId(p.id)).await?;
    let picture = super::inboxes::read_picture(req).await?;
    let flow = state.app.set_greeter_avatar(&admin, InboxId(p.id), Some(picture)).await?;
    Ok(Json(GreeterJson::new(Some(&flow))))
}

#[utoipa::path(delete, path = "/api/v1/accounts/{account_id}/inboxes/{id}/greeter/avatar", tag = "Inboxes",
    params(("account_id" = i64, Path), ("id" = i64, Path)),
    responses((status = 200, body = GreeterJson), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("api_access_token" = [])))]
async fn delete_avatar(
    State(state): State<AppState>,
    Agent(admin): Agent,
    ApiPath(p): ApiPath<ItemPath>,
) -> ApiResult<Json<GreeterJson>> {
    let flow = state.app.set_greeter_avatar(&admin, InboxId(p.id), None).await?;
    Ok(Json(GreeterJson::new(Some(&flow))))
}
