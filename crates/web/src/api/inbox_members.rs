//! Who is in an inbox, Chatwoot's `/api/v1/accounts/{account_id}/inbox_members`:
//! list, add, replace (PATCH), remove. A change reaches the agents' open
//! sockets at once (`App::change_inbox_members`).

use axum::extract::State;
use axum::Json;
use domain::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::agents::MemberJson;
use super::AccountPath;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{Agent, ApiJson, ApiPath};
use crate::AppState;
use app::team::MembersChange;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(add_members, replace_members, remove_members)).routes(routes!(list_members))
}

crate::json::wrapped!(
    MembersPayload => "inbox_member",
);

#[derive(Deserialize)]
struct InboxPath {
    #[allow(dead_code)] // read by the Agent extractor
    account_id: i64,
    inbox_id: i64,
}

#[derive(Serialize, ToSchema)]
pub struct MembersList {
    pub payload: Vec<MemberJson>,
}

#[derive(Deserialize, ToSchema)]
pub struct MembersPayload {
    /// A number, or a string holding one (Chatwoot's clients send both).
    pub inbox_id: i64,
    pub user_ids: Vec<i64>,
}

#[utoipa::path(get, path = "/api/v1/accounts/{account_id}/inbox_members/{inbox_id}", tag = "Inboxes",
    params(("account_id" = i64, Path), ("inbox_id" = i64, Path)),
    responses((status = 200, body = MembersList), (status = 404, body = ErrorBody)),
    security(("api_access_token" = [])))]
async fn list_members(
    State(state): State<AppState>,
    Agent(agent): Agent,
    ApiPath(p): ApiPath<InboxPath>,
) -> ApiResult<Json<MembersList>> {
    let members = state.app.inbox_members(&agent, InboxId(p.inbox_id)).await?;
    Ok(Json(MembersList { payload: members.iter().map(|m| MemberJson::new(m, agent.account_id)).collect() }))
}

async fn change(
    state: &AppState,
    admin: &app::AgentCtx,
    body: MembersPayload,
    how: MembersChange,
) -> ApiResult<Json<MembersList>> {
    if body.user_ids.len() > 1000 {
        return Err(InvalidInput::new("invalid_user", "At most 1000 users at a time.").into());
    }
    let users: Vec<UserId> = body.user_ids.into_iter().map(UserId).collect();
    let members = state.app.change_inbox_members(admin, InboxId(body.inbox_id), &users, how).await?;
    Ok(Json(MembersList { payload: members.iter().map(|m| MemberJson::new(m, admin.account_id)).collect() }))
}

#[utoipa::path(post, path = "/api/v1/accounts/{account_id}/inbox_members", tag = "Inboxes",
    params(("account_id" = i64, Path)),
    request_body = MembersPayload,
    responses((status = 200, body = MembersList, description = "The inbox's members now"),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "`invalid_user`: someone not in the account")),
    security(("api_access_token" = [])))]
async fn add_members(
    State(state): State<AppState>,
    Agent(admin): Agent,
    ApiPath(_a): ApiPath<AccountPath>,
    ApiJson(body): ApiJson<MembersPayload>,
) -> ApiResult<Json<MembersList>> {
    change(&state, &admin, body, MembersChange::Add).await
}

#[utoipa::path(patch, path = "/api/v1/accounts/{account_id}/inbox_members", tag = "Inboxes",
    params(("account_id" = i64, Path)),
    request_body = MembersPayload,
    responses((status = 200, body = MembersList, description = "`user_ids` is now the whole set"),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("api_access_token" = [])))]
async fn replace_members(
    State(state): State<AppState>,
    Agent(admin): Agent,
    ApiPath(_a): ApiPath<AccountPath>,
    ApiJson(body): ApiJson<MembersPayload>,
) -> ApiResult<Json<MembersList>> {
    change(&state, &admin, body, MembersChange::Replace).await
}

#[utoipa::path(delete, path = "/api/v1/accounts/{account_id}/inbox_members", tag = "Inboxes",
    params(("account_id" = i64, Path)),
    request_body = MembersPayload,
    responses((status = 200, body = MembersList, description = "The inbox's members now"),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("api_access_token" = [])))]
async fn remove_members(
    State(state): State<AppState>,
    Agent(admin): Agent,
    ApiPath(_a): ApiPath<AccountPath>,
    ApiJson(body): ApiJson<MembersPayload>,
) -> ApiResult<Json<MembersList>> {
    change(&state, &admin, body, MembersChange::Remove).await
}
