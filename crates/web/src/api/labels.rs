//! Chatwoot's labels: the account's list, `/api/v1/accounts/{account_id}/labels`
//! (everyone reads it, administrators change it), and the labels of a
//! conversation or a contact, `…/conversations/{id}/labels` and
//! `…/contacts/{id}/labels` (`POST` replaces the set, by titles).

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use domain::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::conversations::ConversationPath;
use super::{AccountPath, ItemPath};
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{Agent, ApiJson, ApiPath};
use crate::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_labels, create_label))
        .routes(routes!(show_label, update_label, delete_label))
        .routes(routes!(conversation_labels, set_conversation_labels))
        .routes(routes!(contact_labels, set_contact_labels))
}

crate::json::wrapped!(LabelPayload => "label", LabelsPayload => "label");

#[derive(Serialize, ToSchema)]
pub struct LabelJson {
    pub id: i64,
    pub title: String,
    pub description: String,
    /// `#rrggbb`.
    pub color: String,
    pub show_on_sidebar: bool,
}

impl From<&Label> for LabelJson {
    fn from(l: &Label) -> Self {
        LabelJson {
            id: l.id.0,
            title: l.title.clone(),
            description: l.description.clone(),
            color: l.color.clone(),
            show_on_sidebar: l.show_on_sidebar,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct LabelList {
    pub payload: Vec<LabelJson>,
}

/// `{label: {…}}` or the fields at the top, as Chatwoot takes it.
#[derive(Deserialize, ToSchema)]
pub struct LabelPayload {
    /// Letters, digits, `_` and `-`; stored in lower case.
    pub title: Option<String>,
    pub description: Option<String>,
    /// `#rrggbb` (default `#1f93ff`).
    pub color: Option<String>,
    pub show_on_sidebar: Option<bool>,
}

impl LabelPayload {
    fn parse(self) -> ApiResult<LabelPatch> {
        let description = match self.description {
            Some(d) if d.chars().count() > 255 => {
                return Err(InvalidInput::new("invalid_description", "At most 255 characters.").into())
            }
            d => d.map(|d| d.trim().to_owned()),
        };
        Ok(LabelPatch {
            title: self.title.as_deref().map(LabelTitle::parse).transpose()?,
            description,
            color: self.color.as_deref().map(HexColor::parse).transpose()?,
            show_on_sidebar: self.show_on_sidebar,
        })
    }
}

/// `{labels: ["billing", "vip"]}`: the set the conversation or contact has after.
#[derive(Deserialize, ToSchema)]
pub struct LabelsPayload {
    pub labels: Vec<String>,
}

impl LabelsPayload {
    fn titles(&self) -> ApiResult<&[String]> {
        if self.labels.len() > 100 {
            return Err(InvalidInput::new("invalid_labels", "At most 100 labels at a time.").into());
        }
        Ok(&self.labels)
    }
}

/// Titles, as Chatwoot answers for a conversation's or contact's labels.
#[derive(Serialize, ToSchema)]
pub struct TitleList {
    pub payload: Vec<String>,
}

#[utoipa::path(get, path = "/api/v1/accounts/{account_id}/labels", tag = "Labels",
    params(("account_id" = i64, Path)),
    responses((status = 200, body = LabelList)),
    security(("api_access_token" = [])))]
async fn list_labels(
    State(state): State<AppState>,
    Agent(agent): Agent,
    ApiPath(_a): ApiPath<AccountPath>,
) -> ApiResult<Json<LabelList>> {
    let labels = state.app.labels(&agent).await?;
    Ok(Json(LabelList { payload: labels.iter().map(LabelJson::from).collect() }))
}

#[utoipa::path(post, path = "/api/v1/accounts/{account_id}/labels", tag = "Labels",
    params(("account_id" = i64, Path)),
    request_body = LabelPayload,
    responses((status = 200, body = LabelJson), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "`label_title_taken`"), (status = 422, body = ErrorBody)),
    security(("api_access_token" = [])))]
async fn create_label(
    State(state): State<AppState>,
    Agent(admin): Agent,
    ApiPath(_a): ApiPath<AccountPath>,
    ApiJson(body): ApiJson<LabelPayload>,
) -> ApiResult<Json<LabelJson>> {
    let label = state.app.create_label(&admin, body.parse()?).await?;
    Ok(Json(LabelJson::from(&label)))
}

#[utoipa::path(get, path = "/api/v1/accounts/{account_id}/labels/{id}", tag = "Labels",
    params(("account_id" = i64, Path), ("id" = i64, Path)),
    responses((status = 200, body = LabelJson), (status = 404, body = ErrorBody)),
    security(("api_access_token" = [])))]
async fn show_label(
    State(state): State<AppState>,
    Agent(agent): Agent,
    ApiPath(p): ApiPath<ItemPath>,
) -> ApiResult<Json<LabelJson>> {
    Ok(Json(LabelJson::from(&state.app.label(&agent, LabelId(p.id)).await?)))
}

#[utoipa::path(patch, path = "/api/v1/accounts/{account_id}/labels/{id}", tag = "Labels",
    params(("account_id" = i64, Path), ("id" = i64, Path)),
    request_body = LabelPayload,
    responses((status = 200, body = LabelJson), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("api_access_token" = [])))]
async fn update_label(
    State(state): State<AppState>,
    Agent(admin): Agent,
    ApiPath(p): ApiPath<ItemPath>,
    ApiJson(body): ApiJson<LabelPayload>,
) -> ApiResult<Json<LabelJson>> {
    let label = state.app.update_label(&admin, LabelId(p.id), body.parse()?).await?;
    Ok(Json(LabelJson::from(&label)))
}

#[utoipa::path(delete, path = "/api/v1/accounts/{account_id}/labels/{id}", tag = "Labels",
    params(("account_id" = i64, Path), ("id" = i64, Path)),
    responses((status = 200, description = "Deleted; it left every conversation and contact"),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("api_access_token" = [])))]
async fn delete_label(
    State(state): State<AppState>,
    Agent(admin): Agent,
    ApiPath(p): ApiPath<ItemPath>,
) -> ApiResult<StatusCode> {
    state.app.delete_label(&admin, LabelId(p.id)).await?;
    Ok(StatusCode::OK)
}

#[utoipa::path(get, path = "/api/v1/accounts/{account_id}/conversations/{conversation_id}/labels", tag = "Labels",
    params(("account_id" = i64, Path), ("conversation_id" = i64, Path)),
    responses((status = 200, body = TitleList), (status = 404, body = ErrorBody)),
    security(("api_access_token" = [])))]
async fn conversation_labels(
    State(state): State<AppState>,
    Agent(agent): Agent,
    ApiPath(p): ApiPath<ConversationPath>,
) -> ApiResult<Json<TitleList>> {
    Ok(Json(TitleList { payload: state.app.conversation_labels(&agent, DisplayId(p.conversation_id)).await? }))
}

#[utoipa::path(post, path = "/api/v1/accounts/{account_id}/conversations/{conversation_id}/labels", tag = "Labels",
    params(("account_id" = i64, Path), ("conversation_id" = i64, Path)),
    request_body = LabelsPayload,
    responses((status = 200, body = TitleList, description = "The conversation's labels now"),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "`unknown_label` or `invalid_label_title`")),
    security(("api_access_token" = [])))]
async fn set_conversation_labels(
    State(state): State<AppState>,
    Agent(agent): Agent,
    ApiPath(p): ApiPath<ConversationPath>,
    ApiJson(body): ApiJson<LabelsPayload>,
) -> ApiResult<Json<TitleList>> {
    let labels = state.app.set_conversation_labels(&agent, DisplayId(p.conversation_id), body.titles()?).await?;
    Ok(Json(TitleList { payload: labels }))
}

#[utoipa::path(get, path = "/api/v1/accounts/{account_id}/contacts/{id}/labels", tag = "Labels",
    params(("account_id" = i64, Path), ("id" = i64, Path)),
    responses((status = 200, body = TitleList), (status = 404, body = ErrorBody)),
    security(("api_access_token" = [])))]
async fn contact_labels(
    State(state): State<AppState>,
    Agent(agent): Agent,
    ApiPath(p): ApiPath<ItemPath>,
) -> ApiResult<Json<TitleList>> {
    Ok(Json(TitleList { payload: state.app.contact_labels(&agent, ContactId(p.id)).await? }))
}

#[utoipa::path(post, path = "/api/v1/accounts/{account_id}/contacts/{id}/labels", tag = "Labels",
    params(("account_id" = i64, Path), ("id" = i64, Path)),
    request_body = LabelsPayload,
    responses((status = 200, body = TitleList, description = "The contact's labels now"),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("api_access_token" = [])))]
async fn set_contact_labels(
    State(state): State<AppState>,
    Agent(agent): Agent,
    ApiPath(p): ApiPath<ItemPath>,
    ApiJson(body): ApiJson<LabelsPayload>,
) -> ApiResult<Json<TitleList>> {
    let labels = state.app.set_contact_labels(&agent, ContactId(p.id), body.titles()?).await?;
    Ok(Json(TitleList { payload: labels }))
}
