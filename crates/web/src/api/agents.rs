//! The account's agents as an administrator manages them, Chatwoot's
//! `/api/v1/accounts/{account_id}/agents`: list, add (with a one-time setup
//! link for a new user), change, remove, and a token reset or a fresh setup
//! link for one of them.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use domain::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{secs, AccountPath, ItemPath};
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{Agent, ApiJson, ApiPath};
use crate::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_agents, add_agent))
        .routes(routes!(update_agent, remove_agent))
        .routes(routes!(reset_access_token))
        .routes(routes!(setup_link))
}

crate::json::wrapped!(
    AddAgentPayload => "agent",
    UpdateAgentPayload => "agent",
);

/// A member of the account, in Chatwoot's agent shape.
#[derive(Serialize, ToSchema)]
pub struct MemberJson {
    pub id: i64,
    pub account_id: i64,
    /// What others see, as Chatwoot computes it: the agent's choice while
    /// connected (or within 5 minutes of their last socket), else `offline`.
    pub availability_status: &'static str,
    /// The agent's own choice: `online`, `busy` or `offline`.
    pub availability: &'static str,
    pub auto_offline: bool,
    /// `false` until an invited agent has chosen a password.
    pub confirmed: bool,
    pub email: String,
    pub available_name: String,
    pub name: String,
    pub display_name: Option<String>,
    pub role: &'static str,
    pub thumbnail: String,
    /// Unix seconds of the agent's last socket, `null` before the first.
    pub last_seen_at: Option<i64>,
    /// Open conversations assigned to the agent (Parlor's; the assignee
    /// dropdown shows it).
    pub open_conversations_count: i64,
}

impl MemberJson {
    pub fn new(m: &app::Member, account: AccountId) -> Self {
        MemberJson {
            id: m.user.id.0,
            account_id: account.0,
            availability_status: m.shown.as_str(),
            availability: m.availability.as_str(),
            auto_offline: true,
            confirmed: m.confirmed,
            email: m.user.email.clone(),
            available_name: m.user.available_name().to_owned(),
            name: m.user.name.clone(),
            display_name: m.user.display_name.clone(),
            role: m.role.as_str(),
            thumbnail: super::avatar_url(&m.user.avatar),
            last_seen_at: m.last_seen_at.map(secs),
            open_conversations_count: m.open_conversations,
        }
    }
}

#[utoipa::path(get, path = "/api/v1/accounts/{account_id}/agents", tag = "Agents",
    params(("account_id" = i64, Path)),
    responses((status = 200, body = Vec<MemberJson>), (status = 404, body = ErrorBody)),
    security(("api_access_token" = [])))]
async fn list_agents(
    State(state): State<AppState>,
    Agent(agent): Agent,
    ApiPath(_a): ApiPath<AccountPath>,
) -> ApiResult<Json<Vec<MemberJson>>> {
    let members = state.app.agents(&agent).await?;
    Ok(Json(members.iter().map(|m| MemberJson::new(m, agent.account_id)).collect()))
}

#[derive(Deserialize, ToSchema)]
pub struct AddAgentPayload {
    pub name: String,
    pub email: String,
    /// `agent` (the default) or `administrator`.
    pub role: Option<String>,
}

/// The agent added, and for a new user the one-time link to choose a password.
#[derive(Serialize, ToSchema)]
pub struct AddedAgentJson {
    #[serde(flatten)]
    pub agent: MemberJson,
    /// Shown only here: the administrator passes it on (valid for 7 days,
    /// once). `null` when the user existed already and keeps their password.
    pub setup_url: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/accounts/{account_id}/agents", tag = "Agents",
    params(("account_id" = i64, Path)),
    request_body = AddAgentPayload,
    responses((status = 200, body = AddedAgentJson),
        (status = 403, body = ErrorBody, description = "Not an administrator"),
        (status = 409, body = ErrorBody, description = "`already_member`"),
        (status = 422, body = ErrorBody)),
    security(("api_access_token" = [])))]
async fn add_agent(
    State(state): State<AppState>,
    Agent(admin): Agent,
    ApiPath(_a): ApiPath<AccountPath>,
    ApiJson(body): ApiJson<AddAgentPayload>,
) -> ApiResult<Json<AddedAgentJson>> {
    let name = PersonName::parse(&body.name)?;
    let email = EmailAddress::parse(&body.email)?;
    let role = Role::parse(body.role.as_deref().unwrap_or("agent"))?;
    let added = state.app.add_agent(&admin, &email, &name, role).await?;
    Ok(Json(AddedAgentJson {
        agent: MemberJson::new(&added.member, admin.account_id),
        setup_url: added.setup_token.map(|t| setup_url(&state, &t)),
    }))
}

/// Where a setup link's token is used.
pub(crate) fn setup_url(state: &AppState, token: &str) -> String {
    format!("{}/setup/{token}", state.config.public_url_or_default())
}

#[derive(Deserialize, ToSchema)]
pub struct UpdateAgentPayload {
    pub name: Option<String>,
    pub role: Option<String>,
    /// `online`, `busy` or `offline`.
    pub availability: Option<String>,
}

#[utoipa::path(patch, path = "/api/v1/accounts/{account_id}/agents/{id}", tag = "Agents",
    params(("account_id" = i64, Path), ("id" = i64, Path, description = "The agent's user id")),
    request_body = UpdateAgentPayload,
    responses((status = 200, body = MemberJson), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "A bad value, or the last administrator stepping down")),
    security(("api_access_token" = [])))]
async fn update_agent(
    State(state): State<AppState>,
    Agent(admin): Agent,
    ApiPath(p): ApiPath<ItemPath>,
    ApiJson(body): ApiJson<UpdateAgentPayload>,
) -> ApiResult<Json<MemberJson>> {
    let change = app::team::AgentChange {
        name: body.name.as_deref().map(PersonName::parse).transpose()?,
        role: body.role.as_deref().map(Role::parse).transpose()?,
        availability: body.availability.as_deref().map(Availability::parse).transpose()?,
    };
    let member = state.app.update_agent(&admin, UserId(p.id), change).await?;
    Ok(Json(MemberJson::new(&member, admin.account_id)))
}

#[utoipa::path(delete, path = "/api/v1/accounts/{account_id}/agents/{id}", tag = "Agents",
    params(("account_id" = i64, Path), ("id" = i64, Path, description = "The agent's user id")),
    responses((status = 200, description = "Removed: their open conversations are unassigned, their sockets here closed"),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "Yourself, or the last administrator")),
    security(("api_access_token" = [])))]
async fn remove_agent(
    State(state): State<AppState>,
    Agent(admin): Agent,
    ApiPath(p): ApiPath<ItemPath>,
) -> ApiResult<StatusCode> {
    state.app.remove_agent(&admin, UserId(p.id)).await?;
    Ok(StatusCode::OK)
}

#[derive(Serialize, ToSchema)]
pub struct SetupLinkJson {
    pub id: i64,
    /// One-time, valid for 7 days; earlier links of the user still work until used.
    pub setup_url: String,
}

#[utoipa::path(post, path = "/api/v1/accounts/{account_id}/agents/{id}/setup_link", tag = "Agents",
    params(("account_id" = i64, Path), ("id" = i64, Path, description = "The agent's user id")),
    responses((status = 200, body = SetupLinkJson, description = "An invitation again, or a password reset link"),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("api_access_token" = [])))]
async fn setup_link(
    State(state): State<AppState>,
    Agent(admin): Agent,
    ApiPath(p): ApiPath<ItemPath>,
) -> ApiResult<Json<SetupLinkJson>> {
    let token = state.app.agent_setup_link(&admin, UserId(p.id)).await?;
    Ok(Json(SetupLinkJson { id: p.id, setup_url: setup_url(&state, &token) }))
}

#[derive(Serialize, ToSchema)]
pub struct AccessTokenJson {
    /// The user's id.
    pub id: i64,
    /// The new token, shown only here.
    pub access_token: String,
}

#[utoipa::path(post, path = "/api/v1/accounts/{account_id}/agents/{id}/reset_access_token", tag = "Agents",
    params(("account_id" = i64, Path), ("id" = i64, Path, description = "The agent's user id")),
    responses((status = 200, body = AccessTokenJson, description = "The old token no longer works"),
        (status = 403, body = ErrorBody, description = "Not an administrator, or the user is in another account too"),
        (status = 404, body = ErrorBody)),
    security(("api_access_token" = [])))]
async fn reset_access_token(
    State(state): State<AppState>,
    Agent(admin): Agent,
    ApiPath(p): ApiPath<ItemPath>,
) -> ApiResult<Json<AccessTokenJson>> {
    let access_token = state.app.reset_agent_token(&admin, UserId(p.id)).await?;
    Ok(Json(AccessTokenJson { id: p.id, access_token }))
}
