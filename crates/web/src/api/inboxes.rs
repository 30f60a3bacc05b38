//! The Application API's inboxes: `/api/v1/accounts/{account_id}/inboxes/…`.

use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::Json;
use domain::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{AccountPath, ItemPath};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{Agent, ApiJson, ApiPath};
use crate::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_inboxes, create_inbox))
        // A picture of up to 5 MB and the form around it.
        .routes(routes!(show_inbox, update_inbox))
        .layer(axum::extract::DefaultBodyLimit::max(app::profile::MAX_PHOTO_BYTES + 64 * 1024))
        .routes(routes!(delete_inbox_avatar))
}

// Rails' ParamsWrapper names: a body may come wrapped in them (json.rs).
crate::json::wrapped!(
    CreateInboxPayload => "inbox",
    UpdateInboxPayload => "inbox",
);

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

/// Chatwoot's inbox update: the inbox's own fields at the top, the website
/// channel's under `channel`. Fields left out keep their value.
#[derive(Deserialize, ToSchema)]
pub struct UpdateInboxPayload {
    pub name: Option<String>,
    pub greeting_enabled: Option<bool>,
    pub greeting_message: Option<String>,
    /// An IANA time zone name, e.g. `Europe/Berlin`.
    pub timezone: Option<String>,
    /// At most one unresolved conversation per visitor.
    pub lock_to_single_conversation: Option<bool>,
    /// Only the conversation's assignee may reply; others may still comment.
    pub only_assignee_replies: Option<bool>,
    /// New conversations go to an online agent of the inbox by themselves.
    pub enable_auto_assignment: Option<bool>,
    pub auto_assignment_config: Option<AutoAssignmentConfig>,
    pub channel: Option<UpdateChannelPayload>,
}

/// Chatwoot's `auto_assignment_config`, plus Parlor's `assignment_order`.
#[derive(Deserialize, Serialize, ToSchema, Default)]
pub struct AutoAssignmentConfig {
    /// The most open conversations an agent is given automatically; null: no limit.
    #[serde(default, deserialize_with = "crate::json::explicit_null")]
    pub max_assignment_limit: Option<Option<i64>>,
    /// `round_robin` (default) or `balanced` (fewest open conversations first).
    pub assignment_order: Option<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct UpdateChannelPayload {
    pub website_url: Option<String>,
    pub widget_color: Option<String>,
    pub welcome_title: Option<String>,
    pub welcome_tagline: Option<String>,
    /// `in_a_few_minutes`, `in_a_few_hours` or `in_a_day`.
    pub reply_time: Option<String>,
    /// The sites that may embed the widget and call the Client API from a
    /// browser: host names (`*.example.com` for subdomains), comma-separated,
    /// or a list. Empty: any site.
    pub allowed_domains: Option<DomainList>,
}

/// Chatwoot stores a comma-separated string; a list of strings is accepted too.
#[derive(Deserialize, ToSchema)]
#[serde(untagged)]
pub enum DomainList {
    Text(String),
    List(Vec<String>),
}

#[utoipa::path(patch, path = "/api/v1/accounts/{account_id}/inboxes/{id}", tag = "Inboxes",
    params(("account_id" = i64, Path), ("id" = i64, Path)),
    request_body(content = UpdateInboxPayload, description = "JSON; or `multipart/form-data` with the inbox's \
        picture as `avatar` (PNG, JPEG or WebP, at most 5 MB and 4096×4096; stored as a 256×256 square), \
        as Chatwoot's dashboard sends it"),
    responses((status = 200, body = InboxJson), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("api_access_token" = [])))]
async fn update_inbox(
    State(state): State<AppState>,
    Agent(admin): Agent,
    ApiPath(p): ApiPath<ItemPath>,
    headers: HeaderMap,
    req: Request,
) -> ApiResult<Json<InboxJson>> {
    let multipart = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.to_ascii_lowercase().starts_with("multipart/form-data"));
    if multipart {
        let picture = read_picture(req).await?;
        let inbox = state.app.set_inbox_avatar(&admin, InboxId(p.id), Some(picture)).await?;
        return Ok(Json(InboxJson::new(&inbox, &state.config.public_url_or_default())));
    }
    let ApiJson(body) = ApiJson::<UpdateInboxPayload>::from_request(req, &state).await?;
    let channel = body.channel.unwrap_or(UpdateChannelPayload {
        website_url: None,
        widget_color: None,
        welcome_title: None,
        welcome_tagline: None,
        reply_time: None,
        allowed_domains: None,
    });
    let patch = app::inboxes::InboxPatch {
        name: body.name,
        website_url: channel.website_url,
        widget_color: channel.widget_color,
        welcome_title: channel.welcome_title,
        welcome_tagline: channel.welcome_tagline,
        greeting_enabled: body.greeting_enabled,
        greeting_message: body.greeting_message,
        timezone: body.timezone,
        lock_to_single_conversation: body.lock_to_single_conversation,
        allowed_domains: channel.allowed_domains.map(|d| match d {
            DomainList::Text(s) => s,
            DomainList::List(l) => l.join(","),
        }),
        reply_time: channel.reply_time,
        only_assignee_replies: body.only_assignee_replies,
        enable_auto_assignment: body.enable_auto_assignment,
        max_assignment_limit: body.auto_assignment_config.as_ref().and_then(|c| c.max_assignment_limit),
        assignment_order: body.auto_assignment_config.and_then(|c| c.assignment_order),
    };
    let inbox = state.app.update_inbox(&admin, InboxId(p.id), patch).await?;
    Ok(Json(InboxJson::new(&inbox, &state.config.public_url_or_default())))
}

/// The picture of a multipart inbox update: `avatar` (or `inbox[avatar]`).
/// Settings go as JSON; a form that carries any is refused rather than half
/// applied.
pub(crate) async fn read_picture(req: Request) -> ApiResult<Vec<u8>> {
    fn bad<E>(_: E) -> ApiError {
        ApiError::bad_request("malformed_multipart", "The multipart body could not be read.")
    }
    let failed = |e: axum::extract::multipart::MultipartError| match e.status() {
        StatusCode::PAYLOAD_TOO_LARGE => {
            ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "file_too_large", "The picture may be at most 5 MB.")
        }
        _ => bad(e),
    };
    let mut form = Multipart::from_request(req, &()).await.map_err(bad)?;
    let mut picture = None;
    while let Some(field) = form.next_field().await.map_err(failed)? {
        match field.name().unwrap_or("") {
            "avatar" | "inbox[avatar]" => picture = Some(field.bytes().await.map_err(failed)?.to_vec()),
            other => {
                return Err(ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "unsupported_field",
                    format!("A multipart inbox update takes the picture (avatar) only; send {other} as JSON."),
                ))
            }
        }
    }
    picture.ok_or_else(|| {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "missing_avatar", "The form has no avatar file.")
    })
}

#[utoipa::path(delete, path = "/api/v1/accounts/{account_id}/inboxes/{id}/avatar", tag = "Inboxes",
    params(("account_id" = i64, Path), ("id" = i64, Path)),
    responses((status = 200, body = InboxJson, description = "The picture is gone; the widget shows its chat mark"),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("api_access_token" = [])))]
async fn delete_inbox_avatar(
    State(state): State<AppState>,
    Agent(admin): Agent,
    ApiPath(p): ApiPath<ItemPath>,
) -> ApiResult<Json<InboxJson>> {
    let inbox = state.app.set_inbox_avatar(&admin, InboxId(p.id), None).await?;
    Ok(Json(InboxJson::new(&inbox, &state.config.public_url_or_default())))
}

#[derive(Serialize, ToSchema)]
pub struct InboxJson {
    pub id: i64,
    pub channel_id: i64,
    pub name: String,
    pub channel_type: String,
    pub website_token: String,
    /// The same value as `website_token`: what the Client API's paths take.
    pub inbox_identifier: String,
    pub website_url: String,
    pub widget_color: String,
    pub welcome_title: String,
    pub welcome_tagline: String,
    pub greeting_enabled: bool,
    pub greeting_message: String,
    pub timezone: String,
    pub lock_to_single_conversation: bool,
    /// Comma-separated host names; empty: any site.
    pub allowed_domains: String,
    pub reply_time: String,
    pub enable_auto_assignment: bool,
    pub auto_assignment_config: AutoAssignmentJson,
    pub only_assignee_replies: bool,
    pub working_hours_enabled: bool,
    pub csat_survey_enabled: bool,
    pub avatar_url: String,
    /// The snippet that embeds the widget on a website.
    pub web_widget_script: String,
}

#[derive(Serialize, ToSchema)]
pub struct AutoAssignmentJson {
    pub max_assignment_limit: Option<i64>,
    pub assignment_order: &'static str,
}

impl InboxJson {
    pub fn new(i: &Inbox, public_url: &str) -> Self {
        InboxJson {
            id: i.id.0,
            channel_id: i.id.0,
            name: i.name.clone(),
            channel_type: i.channel_type.clone(),
            website_token: i.website_token.clone(),
            inbox_identifier: i.website_token.clone(),
            website_url: i.website_url.clone(),
            widget_color: i.widget_color.clone(),
            welcome_title: i.welcome_title.clone(),
            welcome_tagline: i.welcome_tagline.clone(),
            greeting_enabled: i.greeting_enabled,
            greeting_message: i.greeting_message.clone(),
            timezone: i.timezone.clone(),
            lock_to_single_conversation: i.lock_to_single_conversation,
            allowed_domains: i.allowed_domains.clone(),
            reply_time: i.reply_time.clone(),
            enable_auto_assignment: i.enable_auto_assignment,
            auto_assignment_config: AutoAssignmentJson {
                max_assignment_limit: i.max_assignment_limit,
                assignment_order: i.assignment_order.as_str(),
            },
            only_assignee_replies: i.only_assignee_replies,
            working_hours_enabled: false,
            csat_survey_enabled: false,
            avatar_url: super::avatar_url(&i.avatar),
            web_widget_script: format!(
                "<script src=\"{public_url}/widget.js\" data-website-token=\"{}\" async></script>",
                i.website_token
            ),
        }
    }
}
