//! Chatwoot's Client API, for the widget and for custom chat front-ends:
//! `/public/api/v1/inboxes/{inbox_identifier}/…`.
//!
//! The contact identifier in these paths is a secret (threats.md #2): it is never
//! logged (see `lib.rs`, the trace layer logs the route template, not the URI).

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use domain::*;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::messages::MessageJson;
use super::secs;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiPath, ApiQuery, ClientIp};
use crate::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(show_inbox))
        .routes(routes!(create_contact))
        .routes(routes!(show_contact, update_contact))
        .routes(routes!(list_conversations, create_conversation))
        .routes(routes!(show_conversation))
        .routes(routes!(toggle_status))
        .routes(routes!(toggle_typing))
        .routes(routes!(update_last_seen))
        .routes(routes!(list_messages, create_message))
}

// Rails' ParamsWrapper names: a body may come wrapped in them (json.rs).
crate::json::wrapped!(
    ContactPayload => "contact",
    PublicConversationPayload => "conversation",
    TypingPayload => "conversation",
    PublicMessagePayload => "message",
);

#[derive(Deserialize)]
struct InboxPath {
    inbox_identifier: WebsiteToken,
}

#[derive(Deserialize)]
struct ContactPath {
    inbox_identifier: WebsiteToken,
    contact_identifier: ContactIdentifier,
}

#[derive(Deserialize)]
struct ConversationPath {
    inbox_identifier: WebsiteToken,
    contact_identifier: ContactIdentifier,
    conversation_id: i64,
}

async fn visitor(state: &AppState, inbox: &str, contact: &str) -> ApiResult<app::VisitorCtx> {
    Ok(state.app.visitor(inbox, contact).await?)
}

#[utoipa::path(get, path = "/public/api/v1/inboxes/{inbox_identifier}", tag = "Client API",
    params(("inbox_identifier" = String, Path, description = "The inbox's website token")),
    responses((status = 200, body = PublicInboxJson), (status = 404, body = ErrorBody)))]
async fn show_inbox(State(state): State<AppState>, ApiPath(p): ApiPath<InboxPath>) -> ApiResult<Json<PublicInboxJson>> {
    let inbox = state.app.public_inbox(p.inbox_identifier.as_str()).await?;
    Ok(Json(PublicInboxJson::from(&inbox)))
}

#[derive(Deserialize, ToSchema, Default)]
pub struct ContactPayload {
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone_number: Option<String>,
    /// Accepted for compatibility; identity verification (HMAC) is not enabled yet,
    /// so an unsigned identifier is not stored.
    #[allow(dead_code)]
    pub identifier: Option<String>,
    /// Accepted for compatibility; not stored yet.
    #[allow(dead_code)]
    #[schema(value_type = Object)]
    pub custom_attributes: Option<Map<String, Value>>,
}

#[utoipa::path(post, path = "/public/api/v1/inboxes/{inbox_identifier}/contacts", tag = "Client API",
    params(("inbox_identifier" = String, Path)),
    request_body = ContactPayload,
    responses((status = 200, body = PublicContactJson, description = "The new contact with its source_id and pubsub_token"),
        (status = 404, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn create_contact(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiPath(p): ApiPath<InboxPath>,
    ApiJson(body): ApiJson<ContactPayload>,
) -> ApiResult<Json<PublicContactJson>> {
    state.limits.new_visitor.check(&format!("{ip}|{}", p.inbox_identifier.as_str()))?;
    let name = body.name.as_deref().filter(|n| !n.trim().is_empty()).map(PersonName::parse).transpose()?;
    let details = match body.email.is_some() || body.phone_number.is_some() {
        true => Some(contact_patch(None, body.email, body.phone_number)?),
        false => None,
    };
    let created = state.app.create_visitor(p.inbox_identifier.as_str(), name, details).await?;
    Ok(Json(PublicContactJson::new(&created.contact, Some(created.source_id), Some(created.pubsub_token))))
}

fn contact_patch(name: Option<String>, email: Option<String>, phone: Option<String>) -> ApiResult<app::ContactPatch> {
    let name = name.map(|n| PersonName::parse(&n)).transpose()?.map(|n| n.as_str().to_owned());
    let email =
        email
            .map(|e| {
                if e.trim().is_empty() {
                    Ok(None)
                } else {
                    EmailAddress::parse(&e).map(|e| Some(e.as_str().to_owned()))
                }
            })
            .transpose()?;
    let phone = phone
        .map(|p| {
            let p = p.trim().to_owned();
            let ok = p.len() <= 32 && p.chars().all(|c| c.is_ascii_digit() || "+-() ".contains(c));
            if ok {
                Ok(if p.is_empty() { None } else { Some(p) })
            } else {
                Err(InvalidInput::new("invalid_phone_number", "A phone number has digits, spaces and + - ( ) only."))
            }
        })
        .transpose()?;
    Ok(app::ContactPatch { name, email, phone_number: phone, additional_attributes: None })
}

#[utoipa::path(get, path = "/public/api/v1/inboxes/{inbox_identifier}/contacts/{contact_identifier}", tag = "Client API",
    params(("inbox_identifier" = String, Path), ("contact_identifier" = String, Path)),
    responses((status = 200, body = PublicContactJson), (status = 404, body = ErrorBody)))]
async fn show_contact(
    State(state): State<AppState>,
    ApiPath(p): ApiPath<ContactPath>,
) -> ApiResult<Json<PublicContactJson>> {
    let v = visitor(&state, p.inbox_identifier.as_str(), p.contact_identifier.as_str()).await?;
    Ok(Json(PublicContactJson::new(&state.app.own_contact(&v).await?, None, None)))
}

#[utoipa::path(patch, path = "/public/api/v1/inboxes/{inbox_identifier}/contacts/{contact_identifier}", tag = "Client API",
    params(("inbox_identifier" = String, Path), ("contact_identifier" = String, Path)),
    request_body = ContactPayload,
    responses((status = 200, body = PublicContactJson), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_contact(
    State(state): State<AppState>,
    ApiPath(p): ApiPath<ContactPath>,
    ApiJson(body): ApiJson<ContactPayload>,
) -> ApiResult<Json<PublicContactJson>> {
    state.limits.visitor_writes.check(p.contact_identifier.as_str())?;
    let v = visitor(&state, p.inbox_identifier.as_str(), p.contact_identifier.as_str()).await?;
    let patch = contact_patch(body.name, body.email, body.phone_number)?;
    let contact = state.app.update_own_contact(&v, patch).await?;
    Ok(Json(PublicContactJson::new(&contact, None, None)))
}

#[utoipa::path(get, path = "/public/api/v1/inboxes/{inbox_identifier}/contacts/{contact_identifier}/conversations", tag = "Client API",
    params(("inbox_identifier" = String, Path), ("contact_identifier" = String, Path)),
    responses((status = 200, body = Vec<PublicConversationJson>), (status = 404, body = ErrorBody)))]
async fn list_conversations(
    State(state): State<AppState>,
    ApiPath(p): ApiPath<ContactPath>,
) -> ApiResult<Json<Vec<PublicConversationJson>>> {
    let v = visitor(&state, p.inbox_identifier.as_str(), p.contact_identifier.as_str()).await?;
    let list = state.app.public_conversations(&v).await?;
    Ok(Json(list.iter().map(|c| PublicConversationJson::new(&c.view, &c.messages)).collect()))
}

#[derive(Deserialize, ToSchema, Default)]
pub struct PublicConversationPayload {
    /// Accepted for compatibility; not stored yet.
    #[allow(dead_code)]
    #[schema(value_type = Object)]
    pub custom_attributes: Option<Map<String, Value>>,
    /// Where the chat started (W10): `initiated_at_url`, `initiated_at_title`,
    /// `referer`, `browser_language`, `current_url`… short strings.
    #[schema(value_type = Object)]
    pub additional_attributes: Option<Map<String, Value>>,
}

#[utoipa::path(post, path = "/public/api/v1/inboxes/{inbox_identifier}/contacts/{contact_identifier}/conversations", tag = "Client API",
    params(("inbox_identifier" = String, Path), ("contact_identifier" = String, Path)),
    request_body = PublicConversationPayload,
    responses((status = 200, body = PublicConversationJson, description = "The new conversation, or the visitor's open one"),
        (status = 404, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn create_conversation(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: axum::http::HeaderMap,
    ApiPath(p): ApiPath<ContactPath>,
    ApiJson(body): ApiJson<PublicConversationPayload>,
) -> ApiResult<Json<PublicConversationJson>> {
    state.limits.new_visitor.check(&format!("{ip}|{}", p.inbox_identifier.as_str()))?;
    let v = visitor(&state, p.inbox_identifier.as_str(), p.contact_identifier.as_str()).await?;
    let mut attrs = app::contacts::clean_attributes(body.additional_attributes.unwrap_or_default())?;
    if let Some(ua) = headers.get(axum::http::header::USER_AGENT).and_then(|h| h.to_str().ok()) {
        let ua: String = ua.chars().filter(|c| !c.is_control()).take(512).collect();
        attrs.insert("user_agent".into(), Value::String(ua));
    }
    let started = state.app.start_conversation(&v, attrs).await?;
    Ok(Json(PublicConversationJson::new(&started.view, &started.messages)))
}

#[utoipa::path(get, path = "/public/api/v1/inboxes/{inbox_identifier}/contacts/{contact_identifier}/conversations/{conversation_id}", tag = "Client API",
    params(("inbox_identifier" = String, Path), ("contact_identifier" = String, Path), ("conversation_id" = i64, Path)),
    responses((status = 200, body = PublicConversationJson), (status = 404, body = ErrorBody)))]
async fn show_conversation(
    State(state): State<AppState>,
    ApiPath(p): ApiPath<ConversationPath>,
) -> ApiResult<Json<PublicConversationJson>> {
    let v = visitor(&state, p.inbox_identifier.as_str(), p.contact_identifier.as_str()).await?;
    let c = state.app.public_conversation(&v, DisplayId(p.conversation_id)).await?;
    Ok(Json(PublicConversationJson::new(&c.view, &c.messages)))
}

#[utoipa::path(post, path = "/public/api/v1/inboxes/{inbox_identifier}/contacts/{contact_identifier}/conversations/{conversation_id}/toggle_status", tag = "Client API",
    params(("inbox_identifier" = String, Path), ("contact_identifier" = String, Path), ("conversation_id" = i64, Path)),
    responses((status = 200, body = PublicConversationJson, description = "The visitor resolved the conversation"), (status = 404, body = ErrorBody)))]
async fn toggle_status(
    State(state): State<AppState>,
    ApiPath(p): ApiPath<ConversationPath>,
) -> ApiResult<Json<PublicConversationJson>> {
    let v = visitor(&state, p.inbox_identifier.as_str(), p.contact_identifier.as_str()).await?;
    let view = state.app.set_status(&v, DisplayId(p.conversation_id), Some(ConversationStatus::Resolved), None).await?;
    Ok(Json(PublicConversationJson::new(&view, &[])))
}

#[derive(Deserialize, ToSchema)]
pub struct TypingPayload {
    /// `on` or `off`.
    pub typing_status: String,
}

fn typing_on(s: &str) -> ApiResult<bool> {
    match s {
        "on" => Ok(true),
        "off" => Ok(false),
        _ => Err(InvalidInput::new("invalid_typing_status", "typing_status must be on or off.").into()),
    }
}

#[utoipa::path(post, path = "/public/api/v1/inboxes/{inbox_identifier}/contacts/{contact_identifier}/conversations/{conversation_id}/toggle_typing", tag = "Client API",
    params(("inbox_identifier" = String, Path), ("contact_identifier" = String, Path), ("conversation_id" = i64, Path)),
    request_body = TypingPayload,
    responses((status = 200, description = "Sent to the agents"), (status = 404, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn toggle_typing(
    State(state): State<AppState>,
    ApiPath(p): ApiPath<ConversationPath>,
    ApiJson(body): ApiJson<TypingPayload>,
) -> ApiResult<StatusCode> {
    let on = typing_on(&body.typing_status)?;
    state.limits.visitor_writes.check(p.contact_identifier.as_str())?;
    let v = visitor(&state, p.inbox_identifier.as_str(), p.contact_identifier.as_str()).await?;
    state.app.typing(&v, DisplayId(p.conversation_id), on, false).await?;
    Ok(StatusCode::OK)
}

#[utoipa::path(post, path = "/public/api/v1/inboxes/{inbox_identifier}/contacts/{contact_identifier}/conversations/{conversation_id}/update_last_seen", tag = "Client API",
    params(("inbox_identifier" = String, Path), ("contact_identifier" = String, Path), ("conversation_id" = i64, Path)),
    responses((status = 200, description = "Recorded"), (status = 404, body = ErrorBody)))]
async fn update_last_seen(
    State(state): State<AppState>,
    ApiPath(p): ApiPath<ConversationPath>,
) -> ApiResult<StatusCode> {
    state.limits.visitor_writes.check(p.contact_identifier.as_str())?;
    let v = visitor(&state, p.inbox_identifier.as_str(), p.contact_identifier.as_str()).await?;
    state.app.mark_seen(&v, DisplayId(p.conversation_id)).await?;
    Ok(StatusCode::OK)
}

#[derive(Deserialize)]
struct BeforeQuery {
    before: Option<i64>,
}

#[utoipa::path(get, path = "/public/api/v1/inboxes/{inbox_identifier}/contacts/{contact_identifier}/conversations/{conversation_id}/messages", tag = "Client API",
    params(("inbox_identifier" = String, Path), ("contact_identifier" = String, Path), ("conversation_id" = i64, Path),
        ("before" = Option<i64>, Query, description = "Only messages with a smaller id (older)")),
    responses((status = 200, body = Vec<MessageJson>, description = "Up to 100 messages, oldest first, without internal comments"), (status = 404, body = ErrorBody)))]
async fn list_messages(
    State(state): State<AppState>,
    ApiPath(p): ApiPath<ConversationPath>,
    ApiQuery(q): ApiQuery<BeforeQuery>,
) -> ApiResult<Json<Vec<MessageJson>>> {
    let v = visitor(&state, p.inbox_identifier.as_str(), p.contact_identifier.as_str()).await?;
    let messages = state.app.public_thread(&v, DisplayId(p.conversation_id), q.before.map(MessageId)).await?;
    Ok(Json(messages.iter().map(MessageJson::for_visitor).collect()))
}

#[derive(Deserialize, ToSchema)]
pub struct PublicMessagePayload {
    pub content: String,
    /// The client's id for this message: a resend with the same one is stored once.
    pub echo_id: Option<String>,
}

#[utoipa::path(post, path = "/public/api/v1/inboxes/{inbox_identifier}/contacts/{contact_identifier}/conversations/{conversation_id}/messages", tag = "Client API",
    params(("inbox_identifier" = String, Path), ("contact_identifier" = String, Path), ("conversation_id" = i64, Path)),
    request_body = PublicMessagePayload,
    responses((status = 200, body = MessageJson, description = "Stored (committed) message"),
        (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn create_message(
    State(state): State<AppState>,
    ApiPath(p): ApiPath<ConversationPath>,
    ApiJson(body): ApiJson<PublicMessagePayload>,
) -> ApiResult<Json<MessageJson>> {
    let content = MessageBody::parse(body.content)?;
    let echo = body.echo_id.map(EchoId::parse).transpose()?;
    let v = visitor(&state, p.inbox_identifier.as_str(), p.contact_identifier.as_str()).await?;
    // Keyed by contact: the socket's `message` frames share this bucket (ws/send.rs).
    state.limits.visitor_messages.check(&crate::ratelimit::visitor_key(v.contact_id))?;
    let m = state.app.send_message(&v, DisplayId(p.conversation_id), content, false, echo).await?;
    let m = PublicMessage::new(m).ok_or(app::AppError::NotFound)?;
    Ok(Json(MessageJson::for_visitor(&m)))
}

/// The assignee as a visitor may see them: a name, never an email.
#[derive(Serialize, ToSchema)]
pub struct PublicAgentJson {
    pub id: i64,
    pub name: String,
    pub available_name: String,
    pub avatar_url: String,
}

#[derive(Serialize, ToSchema)]
pub struct PublicContactJson {
    pub id: i64,
    /// The contact identifier for the Client API's paths. Only returned when the
    /// contact is created; keep it secret.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_id: Option<String>,
    /// The WebSocket token. Only returned when the contact is created.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pubsub_token: Option<String>,
    pub name: String,
    pub email: Option<String>,
    pub phone_number: Option<String>,
}

impl PublicContactJson {
    pub fn new(c: &Contact, source_id: Option<String>, pubsub_token: Option<String>) -> Self {
        PublicContactJson {
            id: c.id.0,
            source_id,
            pubsub_token,
            name: c.name.clone(),
            email: c.email.clone(),
            phone_number: c.phone_number.clone(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct PublicConversationJson {
    pub id: i64,
    pub inbox_id: i64,
    pub status: &'static str,
    pub created_at: i64,
    pub last_activity_at: i64,
    pub contact_last_seen_at: Option<i64>,
    pub messages: Vec<MessageJson>,
    pub contact: PublicContactJson,
    pub assignee: Option<PublicAgentJson>,
    /// The bot handling it until an agent takes over (the greeter).
    pub agent_bot: Option<PublicAgentJson>,
    /// The conversation's newest event seq (a visitor's resume cursor).
    pub seq: i64,
}

impl PublicConversationJson {
    pub fn new(v: &ConversationView, messages: &[PublicMessage]) -> Self {
        let c = &v.conversation;
        PublicConversationJson {
            id: c.display_id.0,
            inbox_id: c.inbox_id.0,
            status: c.status.as_str(),
            created_at: secs(c.created_at),
            last_activity_at: secs(c.last_activity_at),
            contact_last_seen_at: c.contact_last_seen_at.map(secs),
            messages: messages.iter().map(MessageJson::for_visitor).collect(),
            contact: PublicContactJson::new(&v.contact, None, None),
            assignee: v.assignee.as_ref().map(|u| PublicAgentJson {
                id: u.id.0,
                name: u.available_name().to_owned(),
                available_name: u.available_name().to_owned(),
                avatar_url: super::avatar_url(&u.avatar),
            }),
            agent_bot: v.bot.as_ref().map(PublicAgentJson::bot),
            seq: c.last_seq,
        }
    }
}

impl PublicAgentJson {
    /// A bot, as the widget shows whoever answers.
    pub fn bot(b: &BotSummary) -> Self {
        PublicAgentJson {
            id: b.id.0,
            name: b.name.clone(),
            available_name: b.name.clone(),
            avatar_url: super::avatar_url(&b.avatar),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct PublicInboxJson {
    pub identifier: String,
    pub name: String,
    pub timezone: String,
    #[schema(value_type = Vec<Object>)]
    pub working_hours: Vec<Value>,
    pub working_hours_enabled: bool,
    pub csat_survey_enabled: bool,
    pub greeting_enabled: bool,
    pub greeting_message: String,
    pub identity_validation_enabled: bool,
    pub widget_color: String,
    pub welcome_title: String,
    pub welcome_tagline: String,
    /// The inbox's picture, relative to Parlor's origin; empty without one.
    pub avatar_url: String,
}

impl From<&Inbox> for PublicInboxJson {
    fn from(i: &Inbox) -> Self {
        PublicInboxJson {
            identifier: i.website_token.clone(),
            name: i.name.clone(),
            timezone: i.timezone.clone(),
            working_hours: Vec::new(),
            working_hours_enabled: false,
            csat_survey_enabled: false,
            greeting_enabled: i.greeting_enabled,
            greeting_message: if i.greeting_enabled { i.greeting_message.clone() } else { String::new() },
            identity_validation_enabled: false,
            widget_color: i.widget_color.clone(),
            welcome_title: i.welcome_title.clone(),
            welcome_tagline: i.welcome_tagline.clone(),
            avatar_url: super::avatar_url(&i.avatar),
        }
    }
}
