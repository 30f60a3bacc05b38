//! The Application API's profile, inboxes and contacts.

use axum::extract::State;
use axum::Json;
use domain::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{Agent, ApiJson, ApiPath, ApiQuery, AuthUser};
use crate::wire::*;
use crate::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(profile))
        .routes(routes!(list_inboxes, create_inbox))
        .routes(routes!(show_inbox))
        .routes(routes!(list_contacts))
        .routes(routes!(search_contacts))
        .routes(routes!(show_contact))
}

#[utoipa::path(get, path = "/api/v1/profile", tag = "Profile",
    responses((status = 200, body = ProfileJson), (status = 401, body = ErrorBody)),
    security(("api_access_token" = [])))]
async fn profile(State(state): State<AppState>, AuthUser(user): AuthUser) -> ApiResult<Json<ProfileJson>> {
    let accounts = state.app.memberships(user.id).await?;
    let (account_id, role) = accounts.first().map(|(id, _, role)| (id.0, role.as_str())).unwrap_or((0, "agent"));
    Ok(Json(ProfileJson {
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
    }))
}

#[derive(Deserialize)]
struct AccountPath {
    #[allow(dead_code)] // read by the Agent extractor
    account_id: i64,
}

#[derive(Deserialize)]
struct ItemPath {
    #[allow(dead_code)]
    account_id: i64,
    id: i64,
}

#[derive(Serialize, ToSchema)]
pub struct InboxList {
    pub payload: Vec<InboxJson>,
}

#[utoipa::path(get, path = "/api/v1/accounts/{account_id}/inboxes", tag = "Inboxes",
    params(("account_id" = i64, Path)),
    responses((status = 200, body = InboxList), (status = 404, body = ErrorBody)),
    security(("api_access_token" = [])))]
async fn list_inboxes(
    State(state): State<AppState>,
    Agent(agent): Agent,
    ApiPath(_account): ApiPath<AccountPath>,
) -> ApiResult<Json<InboxList>> {
    let inboxes = state.app.inboxes(&agent).await?;
    let url = state.config.public_url_or_default();
    Ok(Json(InboxList { payload: inboxes.iter().map(|i| InboxJson::new(i, &url)).collect() }))
}

#[derive(Deserialize, ToSchema)]
pub struct CreateInboxPayload {
    pub name: String,
    pub channel: Option<ChannelPayload>,
}

#[derive(Deserialize, ToSchema)]
pub struct ChannelPayload {
    /// Only `web_widget` yet.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub widget_color: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/accounts/{account_id}/inboxes", tag = "Inboxes",
    params(("account_id" = i64, Path)),
    request_body = CreateInboxPayload,
    responses((status = 200, body = InboxJson), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("api_access_token" = [])))]
async fn create_inbox(
    State(state): State<AppState>,
    Agent(agent): Agent,
    ApiPath(_account): ApiPath<AccountPath>,
    ApiJson(body): ApiJson<CreateInboxPayload>,
) -> ApiResult<Json<InboxJson>> {
    let name = PersonName::parse(&body.name)?;
    let channel = body.channel.unwrap_or(ChannelPayload { kind: None, widget_color: None });
    if channel.kind.as_deref().is_some_and(|k| k != "web_widget") {
        return Err(InvalidInput::new("unsupported_channel", "Only web_widget inboxes can be created yet.").into());
    }
    let color = HexColor::parse(channel.widget_color.as_deref().unwrap_or("#1f6feb"))?;
    let inbox = state.app.create_inbox(&agent, &name, &color).await?;
    Ok(Json(InboxJson::new(&inbox, &state.config.public_url_or_default())))
}

#[utoipa::path(get, path = "/api/v1/accounts/{account_id}/inboxes/{id}", tag = "Inboxes",
    params(("account_id" = i64, Path), ("id" = i64, Path)),
    responses((status = 200, body = InboxJson), (status = 404, body = ErrorBody)),
    security(("api_access_token" = [])))]
async fn show_inbox(
    State(state): State<AppState>,
    Agent(agent): Agent,
    ApiPath(p): ApiPath<ItemPath>,
) -> ApiResult<Json<InboxJson>> {
    let inbox = state.app.inbox(&agent, InboxId(p.id)).await?;
    Ok(Json(InboxJson::new(&inbox, &state.config.public_url_or_default())))
}

#[derive(Serialize, ToSchema)]
pub struct ContactListMeta {
    pub count: i64,
    pub current_page: i64,
}

#[derive(Serialize, ToSchema)]
pub struct ContactList {
    pub meta: ContactListMeta,
    pub payload: Vec<ContactJson>,
}

#[derive(Deserialize)]
struct ContactQuery {
    q: Option<String>,
    page: Option<i64>,
}

async fn contacts(
    state: &AppState,
    agent: &app::auth::AgentCtx,
    q: Option<&str>,
    page: Option<i64>,
) -> ApiResult<Json<ContactList>> {
    if q.is_some_and(|q| q.chars().count() > 200) {
        return Err(ApiError::bad_request("invalid_query", "The search text is longer than 200 characters."));
    }
    let page = page.unwrap_or(1).clamp(1, 10_000);
    let (list, count) = state.app.contacts(agent, q.filter(|q| !q.trim().is_empty()), page).await?;
    Ok(Json(ContactList {
        meta: ContactListMeta { count, current_page: page },
        payload: list.iter().map(ContactJson::from).collect(),
    }))
}

#[utoipa::path(get, path = "/api/v1/accounts/{account_id}/contacts", tag = "Contacts",
    params(("account_id" = i64, Path), ("page" = Option<i64>, Query, description = "15 per page")),
    responses((status = 200, body = ContactList), (status = 404, body = ErrorBody)),
    security(("api_access_token" = [])))]
async fn list_contacts(
    State(state): State<AppState>,
    Agent(agent): Agent,
    ApiPath(_account): ApiPath<AccountPath>,
    ApiQuery(q): ApiQuery<ContactQuery>,
) -> ApiResult<Json<ContactList>> {
    contacts(&state, &agent, None, q.page).await
}

#[utoipa::path(get, path = "/api/v1/accounts/{account_id}/contacts/search", tag = "Contacts",
    params(("account_id" = i64, Path), ("q" = String, Query, description = "Part of a name, email, phone number or identifier"),
        ("page" = Option<i64>, Query)),
    responses((status = 200, body = ContactList), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("api_access_token" = [])))]
async fn search_contacts(
    State(state): State<AppState>,
    Agent(agent): Agent,
    ApiPath(_account): ApiPath<AccountPath>,
    ApiQuery(q): ApiQuery<ContactQuery>,
) -> ApiResult<Json<ContactList>> {
    contacts(&state, &agent, q.q.as_deref(), q.page).await
}

#[derive(Serialize, ToSchema)]
pub struct ContactShow {
    pub payload: ContactJson,
}

#[utoipa::path(get, path = "/api/v1/accounts/{account_id}/contacts/{id}", tag = "Contacts",
    params(("account_id" = i64, Path), ("id" = i64, Path)),
    responses((status = 200, body = ContactShow), (status = 404, body = ErrorBody)),
    security(("api_access_token" = [])))]
async fn show_contact(
    State(state): State<AppState>,
    Agent(agent): Agent,
    ApiPath(p): ApiPath<ItemPath>,
) -> ApiResult<Json<ContactShow>> {
    let contact = state.app.contact(&agent, ContactId(p.id)).await?;
    Ok(Json(ContactShow { payload: ContactJson::from(&contact) }))
}
