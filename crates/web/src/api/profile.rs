//! The signed-in user (`/api/v1/profile`) and teammates as other teammates see them.

use axum::extract::State;
use axum::Json;
use domain::*;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::{ApiResult, ErrorBody};
use crate::extract::AuthUser;
use crate::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(profile)).routes(routes!(reset_access_token))
}

#[utoipa::path(get, path = "/api/v1/profile", tag = "Profile",
    responses((status = 200, body = ProfileJson), (status = 401, body = ErrorBody)),
    security(("api_access_token" = [])))]
async fn profile(State(state): State<AppState>, AuthUser(user): AuthUser) -> ApiResult<Json<ProfileJson>> {
    let accounts = state.app.memberships(user.id).await?;
    Ok(Json(profile_json(&user, &accounts, None)))
}

#[utoipa::path(post, path = "/api/v1/profile/reset_access_token", tag = "Profile",
    responses((status = 200, body = ProfileJson, description = "The profile with the new `access_token`; the old one no longer works"),
        (status = 401, body = ErrorBody)),
    security(("api_access_token" = [])))]
async fn reset_access_token(State(state): State<AppState>, AuthUser(user): AuthUser) -> ApiResult<Json<ProfileJson>> {
    let (token, accounts) = state.app.reset_own_token(&user).await?;
    Ok(Json(profile_json(&user, &accounts, Some(token))))
}

fn profile_json(
    user: &UserSummary,
    accounts: &[(AccountId, String, Role)],
    access_token: Option<String>,
) -> ProfileJson {
    let (account_id, role) = accounts.first().map(|(id, _, role)| (id.0, role.as_str())).unwrap_or((0, "agent"));
    ProfileJson {
        id: user.id.0,
        name: user.name.clone(),
        display_name: user.display_name.clone(),
        available_name: user.available_name().to_owned(),
        email: user.email.clone(),
        avatar_url: String::new(),
        confirmed: true,
        role,
        account_id,
        accounts: accounts
            .iter()
            .map(|(id, name, role)| AccountMembershipJson {
                id: id.0,
                name: name.clone(),
                role: role.as_str(),
                status: "active",
            })
            .collect(),
        kind: "User",
        access_token,
    }
}

#[derive(Serialize, ToSchema)]
pub struct AccountMembershipJson {
    pub id: i64,
    pub name: String,
    pub role: &'static str,
    pub status: &'static str,
}

#[derive(Serialize, ToSchema)]
pub struct ProfileJson {
    pub id: i64,
    pub name: String,
    pub display_name: Option<String>,
    pub available_name: String,
    pub email: String,
    pub avatar_url: String,
    pub confirmed: bool,
    /// The role in `account_id`, the user's first account.
    pub role: &'static str,
    pub account_id: i64,
    pub accounts: Vec<AccountMembershipJson>,
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// Only in the answer to `reset_access_token`: tokens are stored as hashes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_token: Option<String>,
}

/// A teammate as other teammates see them.
#[derive(Serialize, ToSchema)]
pub struct AgentJson {
    pub id: i64,
    pub name: String,
    pub available_name: String,
    pub display_name: Option<String>,
    pub email: String,
    pub avatar_url: String,
    pub thumbnail: String,
}

impl From<&UserSummary> for AgentJson {
    fn from(u: &UserSummary) -> Self {
        AgentJson {
            id: u.id.0,
            name: u.name.clone(),
            available_name: u.available_name().to_owned(),
            display_name: u.display_name.clone(),
            email: u.email.clone(),
            avatar_url: String::new(),
            thumbnail: String::new(),
        }
    }
}
