//! The Application API's contacts: `/api/v1/accounts/{account_id}/contacts/…`.

use axum::extract::State;
use axum::Json;
use domain::*;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{secs, AccountPath, ItemPath};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{Agent, ApiPath, ApiQuery};
use crate::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_contacts)).routes(routes!(search_contacts)).routes(routes!(show_contact))
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

#[derive(Serialize, ToSchema)]
pub struct ContactJson {
    pub id: i64,
    pub name: String,
    pub email: Option<String>,
    pub phone_number: Option<String>,
    pub identifier: Option<String>,
    pub thumbnail: String,
    #[schema(value_type = Object)]
    pub additional_attributes: Map<String, Value>,
    #[schema(value_type = Object)]
    pub custom_attributes: Map<String, Value>,
    pub availability_status: &'static str,
    pub blocked: bool,
    pub created_at: i64,
    pub last_activity_at: i64,
}

impl From<&Contact> for ContactJson {
    fn from(c: &Contact) -> Self {
        ContactJson {
            id: c.id.0,
            // Empty for a visitor who gave no name (not "Visitor #2" in
            // English): the inbox names it in the reader's language.
            name: c.name.clone(),
            email: c.email.clone(),
            phone_number: c.phone_number.clone(),
            identifier: c.identifier.clone(),
            thumbnail: String::new(),
            additional_attributes: c.additional_attributes.clone(),
            custom_attributes: Map::new(),
            availability_status: "offline",
            blocked: false,
            created_at: secs(c.created_at),
            last_activity_at: secs(c.last_activity_at),
        }
    }
}
