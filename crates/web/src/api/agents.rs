//! The account's agents as an administrator manages them:
//! `/api/v1/accounts/{account_id}/agents/…` (today: resetting a token).

use axum::extract::State;
use axum::Json;
use domain::*;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::ItemPath;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{Agent, ApiPath};
use crate::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(reset_access_token))
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
