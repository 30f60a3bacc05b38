//! The signed-in user (`/api/v1/profile`): read, change (names, signature,
//! password), availability per account, token reset; and teammates as other
//! teammates see them.

use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::Json;
use domain::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{session_cookie, ApiJson, AuthUser};
use crate::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        // A photo of up to 5 MB and the form around it.
        .routes(routes!(profile, update_profile))
        .layer(axum::extract::DefaultBodyLimit::max(app::profile::MAX_PHOTO_BYTES + 64 * 1024))
        .routes(routes!(delete_avatar))
        .routes(routes!(reset_access_token))
        .routes(routes!(set_availability))
}

crate::json::wrapped!(
    ProfilePayload => "profile",
    AvailabilityPayload => "profile",
);

/// Chatwoot's profile update (`{profile: {…}}`). A password change needs
/// `current_password`; it ends every other session of the user.
#[derive(Deserialize, ToSchema)]
pub struct ProfilePayload {
    pub name: Option<String>,
    /// Empty clears it.
    pub display_name: Option<String>,
    pub message_signature: Option<String>,
    pub password: Option<String>,
    pub password_confirmation: Option<String>,
    pub current_password: Option<String>,
    /// Chatwoot's free-form `ui_settings`; Parlor reads `locale` from it.
    pub ui_settings: Option<UiSettings>,
}

/// The user's interface choices: `locale` is `en`, `de`, or `""` for the
/// browser's language (multipart: `profile[ui_settings][locale]`).
#[derive(Deserialize, Serialize, ToSchema, Default)]
pub struct UiSettings {
    pub locale: Option<String>,
}

#[utoipa::path(put, path = "/api/v1/profile", tag = "Profile",
    request_body(content = ProfilePayload, description = "JSON, or `multipart/form-data` with the same fields as \
        `profile[name]` … and a photo as `profile[avatar]` (PNG, JPEG or WebP, at most 5 MB and 4096×4096; \
        stored as a 256×256 square)"),
    responses((status = 200, body = ProfileJson),
        (status = 401, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "A bad value, or `invalid_current_password`")),
    security(("api_access_token" = [])))]
async fn update_profile(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    headers: HeaderMap,
    req: Request,
) -> ApiResult<Json<ProfileJson>> {
    let multipart = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.to_ascii_lowercase().starts_with("multipart/form-data"));
    let (body, photo) = if multipart {
        read_multipart(req).await?
    } else {
        let ApiJson(body) = ApiJson::<ProfilePayload>::from_request(req, &state).await?;
        (body, None)
    };
    if let Some(bytes) = photo {
        state.app.set_avatar(user.id, bytes).await?;
    }
    let password = match (body.password, body.current_password) {
        (Some(new), current) => Some(app::profile::PasswordChange {
            current: current.unwrap_or_default(),
            new,
            confirmation: body.password_confirmation,
        }),
        (None, _) => None,
    };
    let patch = app::profile::ProfilePatch {
        name: body.name,
        display_name: body.display_name,
        signature: body.message_signature,
        locale: body.ui_settings.and_then(|u| u.locale),
        password,
    };
    // The session this request came with stays; a token-authenticated
    // change ends every session.
    let keep = if headers.contains_key("api_access_token") { None } else { session_cookie(&headers) };
    state.app.update_profile(&user, patch, keep.as_deref()).await?;
    Ok(Json(full_profile(&state, &user, None).await?))
}

/// The multipart form of a profile update: Rails-style `profile[field]` names
/// (plain `field` too), the photo as `profile[avatar]`.
async fn read_multipart(req: Request) -> ApiResult<(ProfilePayload, Option<Vec<u8>>)> {
    fn bad<E>(_: E) -> ApiError {
        ApiError::bad_request("malformed_multipart", "The multipart body could not be read.")
    }
    let mut form = Multipart::from_request(req, &()).await.map_err(bad)?;
    let mut body = ProfilePayload {
        name: None,
        display_name: None,
        message_signature: None,
        password: None,
        password_confirmation: None,
        current_password: None,
        ui_settings: None,
    };
    let mut photo = None;
    let failed = |e: axum::extract::multipart::MultipartError| match e.status() {
        StatusCode::PAYLOAD_TOO_LARGE => {
            ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "file_too_large", "The photo may be at most 5 MB.")
        }
        _ => bad(e),
    };
    while let Some(field) = form.next_field().await.map_err(failed)? {
        let name = field.name().unwrap_or("").trim_start_matches("profile[").trim_end_matches(']').to_owned();
        if name == "avatar" {
            photo = Some(field.bytes().await.map_err(failed)?.to_vec());
            continue;
        }
        let text = field.text().await.map_err(failed)?;
        if name == "ui_settings][locale" {
            body.ui_settings = Some(UiSettings { locale: Some(text) });
            continue;
        }
        let slot = match name.as_str() {
            "name" => &mut body.name,
            "display_name" => &mut body.display_name,
            "message_signature" => &mut body.message_signature,
            "password" => &mut body.password,
            "password_confirmation" => &mut body.password_confirmation,
            "current_password" => &mut body.current_password,
            _ => continue,
        };
        *slot = Some(text);
    }
    Ok((body, photo))
}

#[utoipa::path(delete, path = "/api/v1/profile/avatar", tag = "Profile",
    responses((status = 200, body = ProfileJson, description = "The photo is gone; initials show"),
        (status = 401, body = ErrorBody)),
    security(("api_access_token" = [])))]
async fn delete_avatar(State(state): State<AppState>, AuthUser(user): AuthUser) -> ApiResult<Json<ProfileJson>> {
    state.app.delete_avatar(user.id).await?;
    Ok(Json(full_profile(&state, &user, None).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct AvailabilityPayload {
    pub account_id: i64,
    /// `online`, `busy` or `offline`.
    pub availability: String,
}

#[utoipa::path(post, path = "/api/v1/profile/availability", tag = "Profile",
    request_body = AvailabilityPayload,
    responses((status = 200, body = ProfileJson), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)),
    security(("api_access_token" = [])))]
async fn set_availability(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiJson(body): ApiJson<AvailabilityPayload>,
) -> ApiResult<Json<ProfileJson>> {
    let availability = Availability::parse(&body.availability)?;
    state.app.set_own_availability(user.id, AccountId(body.account_id), availability).await?;
    Ok(Json(full_profile(&state, &user, None).await?))
}

/// The profile answer: memberships, availabilities and signature read afresh.
async fn full_profile(state: &AppState, user: &UserSummary, token: Option<String>) -> ApiResult<ProfileJson> {
    // The credential's user carries no photo: read the user afresh.
    let user = &state.app.user(user.id).await?;
    let accounts = state.app.memberships(user.id).await?;
    let availability = state.app.availabilities(user.id).await?;
    let (signature, locale) = state.app.profile_settings(user.id).await?;
    let mut json = profile_json(user, &accounts, &availability, signature, token);
    json.ui_settings.locale = Some(locale);
    Ok(json)
}

#[utoipa::path(get, path = "/api/v1/profile", tag = "Profile",
    responses((status = 200, body = ProfileJson), (status = 401, body = ErrorBody)),
    security(("api_access_token" = [])))]
async fn profile(State(state): State<AppState>, AuthUser(user): AuthUser) -> ApiResult<Json<ProfileJson>> {
    Ok(Json(full_profile(&state, &user, None).await?))
}

#[utoipa::path(post, path = "/api/v1/profile/reset_access_token", tag = "Profile",
    responses((status = 200, body = ProfileJson, description = "The profile with the new `access_token`; the old one no longer works"),
        (status = 401, body = ErrorBody)),
    security(("api_access_token" = [])))]
async fn reset_access_token(State(state): State<AppState>, AuthUser(user): AuthUser) -> ApiResult<Json<ProfileJson>> {
    let (token, _) = state.app.reset_own_token(&user).await?;
    Ok(Json(full_profile(&state, &user, Some(token)).await?))
}

fn profile_json(
    user: &UserSummary,
    accounts: &[(AccountId, String, Role)],
    availability: &[(AccountId, Availability)],
    message_signature: String,
    access_token: Option<String>,
) -> ProfileJson {
    let (account_id, role) = accounts.first().map(|(id, _, role)| (id.0, role.as_str())).unwrap_or((0, "agent"));
    let status_in =
        |account: AccountId| availability.iter().find(|(a, _)| *a == account).map_or("online", |(_, s)| s.as_str());
    ProfileJson {
        id: user.id.0,
        name: user.name.clone(),
        display_name: user.display_name.clone(),
        available_name: user.available_name().to_owned(),
        email: user.email.clone(),
        avatar_url: super::avatar_url(&user.avatar),
        confirmed: true,
        role,
        account_id,
        availability_status: accounts.first().map_or("online", |(id, _, _)| status_in(*id)),
        message_signature,
        accounts: accounts
            .iter()
            .map(|(id, name, role)| AccountMembershipJson {
                id: id.0,
                name: name.clone(),
                role: role.as_str(),
                status: "active",
                availability_status: status_in(*id),
                availability: status_in(*id),
            })
            .collect(),
        kind: "User",
        access_token,
        ui_settings: UiSettings::default(),
    }
}

#[derive(Serialize, ToSchema)]
pub struct AccountMembershipJson {
    pub id: i64,
    pub name: String,
    pub role: &'static str,
    pub status: &'static str,
    /// `online`, `busy` or `offline` in this account, as chosen.
    pub availability_status: &'static str,
    /// The same (Chatwoot's name for the choice).
    pub availability: &'static str,
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
    /// In `account_id`.
    pub availability_status: &'static str,
    pub message_signature: String,
    pub accounts: Vec<AccountMembershipJson>,
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// Only in the answer to `reset_access_token`: tokens are stored as hashes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_token: Option<String>,
    pub ui_settings: UiSettings,
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
            avatar_url: super::avatar_url(&u.avatar),
            thumbnail: super::avatar_url(&u.avatar),
        }
    }
}
