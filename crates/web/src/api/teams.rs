//! Chatwoot's teams, `/api/v1/accounts/{account_id}/teams`, and their members,
//! `…/teams/{team_id}/team_members` (`POST` adds, `PATCH` replaces the set,
//! `DELETE` removes). Everyone lists them; administrators change them.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use domain::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::agents::MemberJson;
use super::{AccountPath, ItemPath};
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{Agent, ApiJson, ApiPath};
use crate::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_teams, create_team))
        .routes(routes!(show_team, update_team, delete_team))
        .routes(routes!(list_team_members, add_team_members, replace_team_members, remove_team_members))
}

crate::json::wrapped!(
    TeamPayload => "team",
    TeamMembersPayload => "team_member",
);

#[derive(Serialize, ToSchema)]
pub struct TeamJson {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub allow_auto_assign: bool,
    pub account_id: i64,
    /// Whether the asking agent is a member.
    pub is_member: bool,
}

impl TeamJson {
    fn new(t: &Team, mine: &[TeamId]) -> Self {
        TeamJson {
            id: t.id.0,
            name: t.name.clone(),
            description: t.description.clone(),
            allow_auto_assign: t.allow_auto_assign,
            account_id: t.account_id.0,
            is_member: mine.contains(&t.id),
        }
    }

    /// A conversation's team, which names it only.
    pub fn summary(t: &TeamSummary, account: AccountId) -> Self {
        TeamJson {
            id: t.id.0,
            name: t.name.clone(),
            description: String::new(),
            allow_auto_assign: false,
            account_id: account.0,
            is_member: false,
        }
    }
}

impl From<&Team> for TeamJson {
    fn from(t: &Team) -> Self {
        TeamJson::new(t, &[])
    }
}

/// `{team: {…}}` or the fields at the top, as Chatwoot takes it.
#[derive(Deserialize, ToSchema)]
pub struct TeamPayload {
    pub name: Option<String>,
    pub description: Option<String>,
    /// Conversations given to the team go to one of its online members.
    pub allow_auto_assign: Option<bool>,
}

impl From<TeamPayload> for app::teams::TeamPatch {
    fn from(p: TeamPayload) -> Self {
        app::teams::TeamPatch { name: p.name, description: p.description, allow_auto_assign: p.allow_auto_assign }
    }
}

#[derive(Deserialize)]
struct TeamPath {
    #[allow(dead_code)] // read by the Agent extractor
    account_id: i64,
    team_id: i64,
}

#[derive(Deserialize, ToSchema)]
pub struct TeamMembersPayload {
    pub user_ids: Vec<i64>,
}

#[utoipa::path(get, path = "/api/v1/accounts/{account_id}/teams", tag = "Teams",
    params(("account_id" = i64, Path)),
    responses((status = 200, body = Vec<TeamJson>)),
    security(("api_access_token" = [])))]
async fn list_teams(
    State(state): State<AppState>,
    Agent(agent): Agent,
    ApiPath(_a): ApiPath<AccountPath>,
) -> ApiResult<Json<Vec<TeamJson>>> {
    let teams = state.app.teams(&agent).await?;
    let mine = state.app.my_teams(&agent).await?;
    Ok(Json(teams.iter().map(|t| TeamJson::new(t, &mine)).collect()))
}

#[utoipa::path(post, path = "/api/v1/accounts/{account_id}/teams", tag = "Teams",
    params(("account_id" = i64, Path)),
    request_body = TeamPayload,
    responses((status = 200, body = TeamJson), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "`team_name_taken`"), (status = 422, body = ErrorBody)),
    security(("api_access_token" = [])))]
async fn create_team(
    State(state): State<AppState>,
    Agent(admin): Agent,
    ApiPath(_a): ApiPath<AccountPath>,
    ApiJson(body): ApiJson<TeamPayload>,
) -> ApiResult<Json<TeamJson>> {
    let team = state.app.create_team(&admin, body.into()).await?;
    Ok(Json(TeamJson::from(&team)))
}

#[utoipa::path(get, path = "/api/v1/accounts/{account_id}/teams/{id}", tag = "Teams",
    params(("account_id" = i64, Path), ("id" = i64, Path)),
    responses((status = 200, body = TeamJson), (status = 404, body = ErrorBody)),
    security(("api_access_token" = [])))]
async fn show_team(
    State(state): State<AppState>,
    Agent(agent): Agent,
    ApiPath(p): ApiPath<ItemPath>,
) -> ApiResult<Json<TeamJson>> {
    let team = state.app.team(&agent, TeamId(p.id)).await?;
    let mine = state.app.my_teams(&agent).await?;
    Ok(Json(TeamJson::new(&team, &mine)))
}

#[utoipa::path(patch, path = "/api/v1/accounts/{account_id}/teams/{id}", tag = "Teams",
    params(("account_id" = i64, Path), ("id" = i64, Path)),
    request_body = TeamPayload,
    responses((status = 200, body = TeamJson), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("api_access_token" = [])))]
async fn update_team(
    State(state): State<AppState>,
    Agent(admin): Agent,
    ApiPath(p): ApiPath<ItemPath>,
    ApiJson(body): ApiJson<TeamPayload>,
) -> ApiResult<Json<TeamJson>> {
    let team = state.app.update_team(&admin, TeamId(p.id), body.into()).await?;
    Ok(Json(TeamJson::from(&team)))
}

#[utoipa::path(delete, path = "/api/v1/accounts/{account_id}/teams/{id}", tag = "Teams",
    params(("account_id" = i64, Path), ("id" = i64, Path)),
    responses((status = 200, description = "Deleted; its conversations keep their agents"),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("api_access_token" = [])))]
async fn delete_team(
    State(state): State<AppState>,
    Agent(admin): Agent,
    ApiPath(p): ApiPath<ItemPath>,
) -> ApiResult<StatusCode> {
    state.app.delete_team(&admin, TeamId(p.id)).await?;
    Ok(StatusCode::OK)
}

#[utoipa::path(get, path = "/api/v1/accounts/{account_id}/teams/{team_id}/team_members", tag = "Teams",
    params(("account_id" = i64, Path), ("team_id" = i64, Path)),
    responses((status = 200, body = Vec<MemberJson>), (status = 404, body = ErrorBody)),
    security(("api_access_token" = [])))]
async fn list_team_members(
    State(state): State<AppState>,
    Agent(agent): Agent,
    ApiPath(p): ApiPath<TeamPath>,
) -> ApiResult<Json<Vec<MemberJson>>> {
    let members = state.app.team_members(&agent, TeamId(p.team_id)).await?;
    Ok(Json(members.iter().map(|m| MemberJson::new(m, agent.account_id)).collect()))
}

fn user_ids(body: TeamMembersPayload) -> ApiResult<Vec<UserId>> {
    if body.user_ids.len() > 1000 {
        return Err(InvalidInput::new("invalid_user_ids", "At most 1000 users at a time.").into());
    }
    Ok(body.user_ids.into_iter().map(UserId).collect())
}

#[utoipa::path(post, path = "/api/v1/accounts/{account_id}/teams/{team_id}/team_members", tag = "Teams",
    params(("account_id" = i64, Path), ("team_id" = i64, Path)),
    request_body = TeamMembersPayload,
    responses((status = 200, body = Vec<MemberJson>, description = "The team's members now"),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "`invalid_user_ids`: someone not in the account")),
    security(("api_access_token" = [])))]
async fn add_team_members(
    State(state): State<AppState>,
    Agent(admin): Agent,
    ApiPath(p): ApiPath<TeamPath>,
    ApiJson(body): ApiJson<TeamMembersPayload>,
) -> ApiResult<Json<Vec<MemberJson>>> {
    let members = state.app.set_team_members(&admin, TeamId(p.team_id), &user_ids(body)?, false).await?;
    Ok(Json(members.iter().map(|m| MemberJson::new(m, admin.account_id)).collect()))
}

#[utoipa::path(patch, path = "/api/v1/accounts/{account_id}/teams/{team_id}/team_members", tag = "Teams",
    params(("account_id" = i64, Path), ("team_id" = i64, Path)),
    request_body = TeamMembersPayload,
    responses((status = 200, body = Vec<MemberJson>, description = "`user_ids` is now the whole team"),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("api_access_token" = [])))]
async fn replace_team_members(
    State(state): State<AppState>,
    Agent(admin): Agent,
    ApiPath(p): ApiPath<TeamPath>,
    ApiJson(body): ApiJson<TeamMembersPayload>,
) -> ApiResult<Json<Vec<MemberJson>>> {
    let members = state.app.set_team_members(&admin, TeamId(p.team_id), &user_ids(body)?, true).await?;
    Ok(Json(members.iter().map(|m| MemberJson::new(m, admin.account_id)).collect()))
}

#[utoipa::path(delete, path = "/api/v1/accounts/{account_id}/teams/{team_id}/team_members", tag = "Teams",
    params(("account_id" = i64, Path), ("team_id" = i64, Path)),
    request_body = TeamMembersPayload,
    responses((status = 200, description = "Removed"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("api_access_token" = [])))]
async fn remove_team_members(
    State(state): State<AppState>,
    Agent(admin): Agent,
    ApiPath(p): ApiPath<TeamPath>,
    ApiJson(body): ApiJson<TeamMembersPayload>,
) -> ApiResult<StatusCode> {
    state.app.remove_team_members(&admin, TeamId(p.team_id), &user_ids(body)?).await?;
    Ok(StatusCode::OK)
}
