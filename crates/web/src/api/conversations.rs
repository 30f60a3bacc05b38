//! The Application API's conversations: `/api/v1/accounts/{account_id}/conversations/…`
//! (their messages are in messages.rs).

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use domain::*;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::contacts::ContactJson;
use super::messages::MessageJson;
use super::profile::AgentJson;
use super::teams::TeamJson;
use super::{secs, AccountPath};
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{Agent, ApiJson, ApiPath, ApiQuery};
use crate::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(meta))
        .routes(routes!(show))
        .routes(routes!(toggle_status))
        .routes(routes!(assign))
        .routes(routes!(toggle_typing))
        .routes(routes!(update_last_seen))
}

// Rails' ParamsWrapper names: a body may come wrapped in them (json.rs).
crate::json::wrapped!(
    CreateConversationPayload => "conversation",
    ToggleStatusPayload => "conversation",
    AssignPayload => "assignment",
    AgentTypingPayload => "conversation",
);

#[derive(Deserialize)]
pub(crate) struct ConversationPath {
    #[allow(dead_code)] // read by the Agent extractor
    account_id: i64,
    pub conversation_id: i64,
}

#[derive(Deserialize)]
struct ListParams {
    status: Option<String>,
    assignee_type: Option<String>,
    inbox_id: Option<i64>,
    team_id: Option<i64>,
    sort_by: Option<String>,
    page: Option<i64>,
}

/// Chatwoot's `labels[]=billing&labels[]=vip` (also `labels=billing,vip`):
/// a sequence the query's struct cannot hold, read from the URI itself.
fn label_params(uri: &axum::http::Uri) -> Vec<String> {
    let pairs = axum::extract::Query::<Vec<(String, String)>>::try_from_uri(uri).map(|q| q.0).unwrap_or_default();
    pairs
        .into_iter()
        .filter(|(k, _)| k == "labels[]" || k == "labels")
        .flat_map(|(_, v)| v.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect::<Vec<_>>())
        .collect()
}

impl ListParams {
    fn parse(&self, uri: &axum::http::Uri) -> ApiResult<app::conversations::ListQuery> {
        Ok(app::conversations::ListQuery {
            status: parse_status_filter(self.status.as_deref().unwrap_or("open"))?,
            assignee: AssigneeFilter::parse(self.assignee_type.as_deref().unwrap_or("all"))?,
            inbox_id: self.inbox_id.map(InboxId),
            team_id: self.team_id.map(TeamId),
            labels: label_params(uri),
            sort: ConversationSort::parse(self.sort_by.as_deref().unwrap_or_default())?,
            page: self.page.unwrap_or(1).clamp(1, 10_000),
        })
    }
}

#[derive(Serialize, ToSchema)]
pub struct ConversationListData {
    pub meta: CountsJson,
    pub payload: Vec<ConversationJson>,
}

#[derive(Serialize, ToSchema)]
pub struct ConversationList {
    pub data: ConversationListData,
}

#[utoipa::path(get, path = "/api/v1/accounts/{account_id}/conversations", tag = "Conversations",
    params(("account_id" = i64, Path),
        ("status" = Option<String>, Query, description = "open (default), resolved, pending, snoozed or all"),
        ("assignee_type" = Option<String>, Query, description = "me, unassigned, assigned or all (default)"),
        ("inbox_id" = Option<i64>, Query), ("team_id" = Option<i64>, Query),
        ("labels[]" = Option<Vec<String>>, Query, description = "Labels' titles: conversations carrying any of them"),
        ("sort_by" = Option<String>, Query, description = "last_activity_at_desc (default), last_activity_at_asc, \
            created_at_desc, created_at_asc, waiting_since_asc (waiting longest first), waiting_since_desc"),
        ("page" = Option<i64>, Query, description = "25 per page")),
    responses((status = 200, body = ConversationList), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("api_access_token" = [])))]
async fn list(
    State(state): State<AppState>,
    Agent(agent): Agent,
    ApiPath(_account): ApiPath<AccountPath>,
    ApiQuery(q): ApiQuery<ListParams>,
    uri: axum::http::Uri,
) -> ApiResult<Json<ConversationList>> {
    let (rows, counts) = state.app.list_conversations(&agent, &q.parse(&uri)?).await?;
    Ok(Json(ConversationList {
        data: ConversationListData { meta: counts.into(), payload: rows.iter().map(ConversationJson::from).collect() },
    }))
}

#[derive(Serialize, ToSchema)]
pub struct MetaResponse {
    pub meta: CountsJson,
}

#[utoipa::path(get, path = "/api/v1/accounts/{account_id}/conversations/meta", tag = "Conversations",
    params(("account_id" = i64, Path), ("status" = Option<String>, Query), ("inbox_id" = Option<i64>, Query)),
    responses((status = 200, body = MetaResponse), (status = 401, body = ErrorBody)),
    security(("api_access_token" = [])))]
async fn meta(
    State(state): State<AppState>,
    Agent(agent): Agent,
    ApiPath(_account): ApiPath<AccountPath>,
    ApiQuery(q): ApiQuery<ListParams>,
    uri: axum::http::Uri,
) -> ApiResult<Json<MetaResponse>> {
    let counts = state.app.conversation_counts(&agent, &q.parse(&uri)?).await?;
    Ok(Json(MetaResponse { meta: counts.into() }))
}

#[derive(Deserialize, ToSchema)]
pub struct CreateConversationPayload {
    /// The contact's inbox session (the Client API's contact identifier).
    pub source_id: String,
    pub inbox_id: i64,
    pub contact_id: Option<i64>,
    #[schema(value_type = Object)]
    pub additional_attributes: Option<Map<String, Value>>,
    pub message: Option<InitialMessage>,
}

#[derive(Deserialize, ToSchema)]
pub struct InitialMessage {
    pub content: String,
}

#[utoipa::path(post, path = "/api/v1/accounts/{account_id}/conversations", tag = "Conversations",
    params(("account_id" = i64, Path)),
    request_body = CreateConversationPayload,
    responses((status = 200, body = ConversationJson), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("api_access_token" = [])))]
async fn create(
    State(state): State<AppState>,
    Agent(agent): Agent,
    ApiPath(_account): ApiPath<AccountPath>,
    ApiJson(body): ApiJson<CreateConversationPayload>,
) -> ApiResult<Json<ConversationJson>> {
    let first = body.message.map(|m| MessageBody::parse(m.content)).transpose()?;
    let attrs = app::contacts::clean_attributes(body.additional_attributes.unwrap_or_default())?;
    let view = state
        .app
        .create_conversation(
            &agent,
            InboxId(body.inbox_id),
            body.contact_id.map(ContactId),
            Some(&body.source_id),
            attrs,
            first,
        )
        .await?;
    Ok(Json(ConversationJson::from(&view)))
}

#[utoipa::path(get, path = "/api/v1/accounts/{account_id}/conversations/{conversation_id}", tag = "Conversations",
    params(("account_id" = i64, Path), ("conversation_id" = i64, Path)),
    responses((status = 200, body = ConversationJson), (status = 404, body = ErrorBody)),
    security(("api_access_token" = [])))]
async fn show(
    State(state): State<AppState>,
    Agent(agent): Agent,
    ApiPath(p): ApiPath<ConversationPath>,
) -> ApiResult<Json<ConversationJson>> {
    let view = state.app.conversation(&agent, DisplayId(p.conversation_id)).await?;
    Ok(Json(ConversationJson::from(&view)))
}

#[derive(Deserialize, ToSchema)]
pub struct ToggleStatusPayload {
    /// open, resolved, pending or snoozed. Without it, open and resolved swap.
    pub status: Option<String>,
    /// With status snoozed: when the conversation opens again by itself, in
    /// seconds since the epoch. Without it, a snooze lasts until the visitor
    /// writes.
    pub snoozed_until: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct ToggleStatusResult {
    pub success: bool,
    pub current_status: &'static str,
    pub conversation_id: i64,
}

#[derive(Serialize, ToSchema)]
pub struct ToggleStatusResponse {
    #[schema(value_type = Object)]
    pub meta: Map<String, Value>,
    pub payload: ToggleStatusResult,
}

#[utoipa::path(post, path = "/api/v1/accounts/{account_id}/conversations/{conversation_id}/toggle_status", tag = "Conversations",
    params(("account_id" = i64, Path), ("conversation_id" = i64, Path)),
    request_body = ToggleStatusPayload,
    responses((status = 200, body = ToggleStatusResponse), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("api_access_token" = [])))]
async fn toggle_status(
    State(state): State<AppState>,
    Agent(agent): Agent,
    ApiPath(p): ApiPath<ConversationPath>,
    ApiJson(body): ApiJson<ToggleStatusPayload>,
) -> ApiResult<Json<ToggleStatusResponse>> {
    let id = DisplayId(p.conversation_id);
    // Without a status the call toggles (Chatwoot's semantics).
    let status = body.status.as_deref().map(ConversationStatus::parse).transpose()?;
    // Out-of-range seconds fall through as a time the app refuses.
    let until = body.snoozed_until.map(|secs| secs.saturating_mul(1000));
    let view = state.app.set_status(&agent, id, status, until).await?;
    Ok(Json(ToggleStatusResponse {
        meta: Map::new(),
        payload: ToggleStatusResult {
            success: true,
            current_status: view.conversation.status.as_str(),
            conversation_id: id.0,
        },
    }))
}

/// Chatwoot's assignment: `assignee_id` (a user, or null to unassign) or
/// `team_id` (a team, or null to take it from its team).
#[derive(Deserialize, ToSchema)]
pub struct AssignPayload {
    #[serde(default, deserialize_with = "crate::json::explicit_null")]
    #[schema(value_type = Option<i64>)]
    pub assignee_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "crate::json::explicit_null")]
    #[schema(value_type = Option<i64>)]
    pub team_id: Option<Option<i64>>,
}

/// What an assignment answers: the agent (Chatwoot's shape), or the team.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
pub enum AssignedJson {
    Agent(Option<AgentJson>),
    Team(Option<TeamJson>),
}

#[utoipa::path(post, path = "/api/v1/accounts/{account_id}/conversations/{conversation_id}/assignments", tag = "Conversations",
    params(("account_id" = i64, Path), ("conversation_id" = i64, Path)),
    request_body = AssignPayload,
    responses((status = 200, body = AssignedJson, description = "The new assignee (an agent, with `assignee_id`) \
        or team (with `team_id`), or null"), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "`already_taken_over`: a teammate took the bot's \
        conversation over first"), (status = 422, body = ErrorBody)),
    security(("api_access_token" = [])))]
async fn assign(
    State(state): State<AppState>,
    Agent(agent): Agent,
    ApiPath(p): ApiPath<ConversationPath>,
    ApiJson(body): ApiJson<AssignPayload>,
) -> ApiResult<Json<AssignedJson>> {
    let id = DisplayId(p.conversation_id);
    // As in Chatwoot: an assignee when named, else a team.
    match (body.assignee_id, body.team_id) {
        (Some(user), _) => {
            let user = state.app.assign(&agent, id, user.map(UserId)).await?;
            Ok(Json(AssignedJson::Agent(user.as_ref().map(AgentJson::from))))
        }
        (None, Some(team)) => {
            let team = state.app.assign_team(&agent, id, team.map(TeamId)).await?;
            Ok(Json(AssignedJson::Team(team.as_ref().map(TeamJson::from))))
        }
        (None, None) => Err(InvalidInput::new("invalid_params", "Send assignee_id or team_id.").into()),
    }
}

#[derive(Deserialize, ToSchema)]
pub struct AgentTypingPayload {
    /// `on` or `off`.
    pub typing_status: String,
    /// Typing in the comment editor: only teammates see it.
    #[serde(default)]
    pub is_private: bool,
}

#[utoipa::path(post, path = "/api/v1/accounts/{account_id}/conversations/{conversation_id}/toggle_typing_status", tag = "Conversations",
    params(("account_id" = i64, Path), ("conversation_id" = i64, Path)),
    request_body = AgentTypingPayload,
    responses((status = 200, description = "Sent"), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("api_access_token" = [])))]
async fn toggle_typing(
    State(state): State<AppState>,
    Agent(agent): Agent,
    ApiPath(p): ApiPath<ConversationPath>,
    ApiJson(body): ApiJson<AgentTypingPayload>,
) -> ApiResult<StatusCode> {
    let on = match body.typing_status.as_str() {
        "on" => true,
        "off" => false,
        _ => return Err(InvalidInput::new("invalid_typing_status", "typing_status must be on or off.").into()),
    };
    state.app.typing(&agent, DisplayId(p.conversation_id), on, body.is_private).await?;
    Ok(StatusCode::OK)
}

#[utoipa::path(post, path = "/api/v1/accounts/{account_id}/conversations/{conversation_id}/update_last_seen", tag = "Conversations",
    params(("account_id" = i64, Path), ("conversation_id" = i64, Path)),
    responses((status = 200, description = "Marked as read"), (status = 404, body = ErrorBody)),
    security(("api_access_token" = [])))]
async fn update_last_seen(
    State(state): State<AppState>,
    Agent(agent): Agent,
    ApiPath(p): ApiPath<ConversationPath>,
) -> ApiResult<StatusCode> {
    state.app.mark_seen(&agent, DisplayId(p.conversation_id)).await?;
    Ok(StatusCode::OK)
}

#[derive(Serialize, ToSchema)]
pub struct ConversationMetaJson {
    pub sender: ContactJson,
    pub assignee: Option<AgentJson>,
    pub team: Option<TeamJson>,
    /// The bot handling it (status `pending`) until an agent takes over.
    pub agent_bot: Option<super::client::PublicAgentJson>,
    pub channel: String,
    pub hmac_verified: bool,
}

#[derive(Serialize, ToSchema)]
pub struct ConversationJson {
    /// The per-account display id.
    pub id: i64,
    pub account_id: i64,
    pub inbox_id: i64,
    pub status: &'static str,
    pub assignee_id: Option<i64>,
    pub team_id: Option<i64>,
    pub created_at: i64,
    pub timestamp: i64,
    pub updated_at: i64,
    pub last_activity_at: i64,
    pub unread_count: i64,
    pub agent_last_seen_at: Option<i64>,
    pub assignee_last_seen_at: Option<i64>,
    pub contact_last_seen_at: Option<i64>,
    pub can_reply: bool,
    pub muted: bool,
    pub priority: Option<String>,
    pub snoozed_until: Option<i64>,
    /// Since when the visitor waits for a reply (seconds), or null.
    pub waiting_since: Option<i64>,
    pub labels: Vec<String>,
    #[schema(value_type = Object)]
    pub additional_attributes: Map<String, Value>,
    #[schema(value_type = Object)]
    pub custom_attributes: Map<String, Value>,
    /// The newest message, as in Chatwoot's list.
    pub messages: Vec<MessageJson>,
    pub last_non_activity_message: Option<MessageJson>,
    pub meta: ConversationMetaJson,
    /// The conversation's newest event seq.
    pub seq: i64,
}

impl From<&ConversationView> for ConversationJson {
    fn from(v: &ConversationView) -> Self {
        let c = &v.conversation;
        let last = v.last_message.as_ref().map(MessageJson::for_agent);
        ConversationJson {
            id: c.display_id.0,
            account_id: c.account_id.0,
            inbox_id: c.inbox_id.0,
            status: c.status.as_str(),
            assignee_id: c.assignee_id.map(|u| u.0),
            team_id: c.team_id.map(|t| t.0),
            created_at: secs(c.created_at),
            timestamp: secs(c.last_activity_at),
            updated_at: secs(c.last_activity_at),
            last_activity_at: secs(c.last_activity_at),
            unread_count: c.unread_count,
            agent_last_seen_at: c.agent_last_seen_at.map(secs),
            assignee_last_seen_at: None,
            contact_last_seen_at: c.contact_last_seen_at.map(secs),
            can_reply: true,
            muted: false,
            priority: None,
            snoozed_until: c.snoozed_until.map(secs),
            waiting_since: c.waiting_since.map(secs),
            labels: v.labels.clone(),
            additional_attributes: c.additional_attributes.clone(),
            custom_attributes: Map::new(),
            messages: last.iter().cloned().collect(),
            last_non_activity_message: last.filter(|m| m.message_type != MessageType::Activity.code()),
            meta: ConversationMetaJson {
                sender: ContactJson::from(&v.contact),
                assignee: v.assignee.as_ref().map(AgentJson::from),
                team: v.team.as_ref().map(|t| TeamJson::summary(t, c.account_id)),
                agent_bot: v.bot.as_ref().map(super::client::PublicAgentJson::bot),
                channel: v.channel_type.clone(),
                hmac_verified: false,
            },
            seq: c.last_seq,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CountsJson {
    pub mine_count: i64,
    pub unassigned_count: i64,
    pub assigned_count: i64,
    pub all_count: i64,
}

impl From<app::ConversationCounts> for CountsJson {
    fn from(c: app::ConversationCounts) -> Self {
        CountsJson { mine_count: c.mine, unassigned_count: c.unassigned, assigned_count: c.assigned, all_count: c.all }
    }
}
