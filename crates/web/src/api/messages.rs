//! The Application API's messages
//! (`/api/v1/accounts/{account_id}/conversations/{conversation_id}/messages`) and
//! the message shape every API and the socket share. Visitor-facing messages are
//! built only from `PublicMessage`s.

use axum::extract::State;
use axum::Json;
use domain::*;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::contacts::ContactJson;
use super::conversations::{ConversationJson, ConversationPath};
use super::profile::AgentJson;
use super::secs;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{Agent, ApiJson, ApiPath, ApiQuery};
use crate::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_messages, create_message))
}

// Rails' ParamsWrapper names: a body may come wrapped in them (json.rs).
crate::json::wrapped!(
    MessagePayload => "message",
);

#[derive(Deserialize)]
struct BeforeQuery {
    before: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct MessagesMeta {
    pub contact: ContactJson,
    pub assignee: Option<AgentJson>,
    #[schema(value_type = Object)]
    pub additional_attributes: Map<String, Value>,
    pub labels: Vec<String>,
    pub agent_last_seen_at: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct MessagesResponse {
    pub meta: MessagesMeta,
    pub payload: Vec<MessageJson>,
}

#[utoipa::path(get, path = "/api/v1/accounts/{account_id}/conversations/{conversation_id}/messages", tag = "Messages",
    params(("account_id" = i64, Path), ("conversation_id" = i64, Path), ("before" = Option<i64>, Query)),
    responses((status = 200, body = MessagesResponse, description = "Up to 100 messages, oldest first"), (status = 404, body = ErrorBody)),
    security(("api_access_token" = [])))]
async fn list_messages(
    State(state): State<AppState>,
    Agent(agent): Agent,
    ApiPath(p): ApiPath<ConversationPath>,
    ApiQuery(q): ApiQuery<BeforeQuery>,
) -> ApiResult<Json<MessagesResponse>> {
    let (view, messages) = state.app.messages(&agent, DisplayId(p.conversation_id), q.before.map(MessageId)).await?;
    let conversation = ConversationJson::from(&view);
    Ok(Json(MessagesResponse {
        meta: MessagesMeta {
            contact: conversation.meta.sender,
            assignee: conversation.meta.assignee,
            additional_attributes: conversation.additional_attributes,
            labels: Vec::new(),
            agent_last_seen_at: conversation.agent_last_seen_at,
        },
        payload: messages.iter().map(MessageJson::for_agent).collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct MessagePayload {
    pub content: String,
    /// `outgoing` (default). Agents cannot write as the contact.
    pub message_type: Option<String>,
    /// An internal comment: never shown to the contact.
    #[serde(default)]
    pub private: bool,
    pub content_type: Option<String>,
    pub echo_id: Option<String>,
    /// Refuse the reply (409 `reply_collision`, with the other agent as
    /// `user`) while another agent is composing one. Off by default.
    #[serde(default)]
    pub check_collision: bool,
}

#[utoipa::path(post, path = "/api/v1/accounts/{account_id}/conversations/{conversation_id}/messages", tag = "Messages",
    params(("account_id" = i64, Path), ("conversation_id" = i64, Path)),
    request_body = MessagePayload,
    responses((status = 200, body = MessageJson, description = "Stored (committed) message"), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "`assignee_only`: the inbox lets only the assignee reply"),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "`reply_collision` (with `check_collision`): another agent is replying"),
        (status = 422, body = ErrorBody)),
    security(("api_access_token" = [])))]
async fn create_message(
    State(state): State<AppState>,
    Agent(agent): Agent,
    ApiPath(p): ApiPath<ConversationPath>,
    ApiJson(body): ApiJson<MessagePayload>,
) -> ApiResult<Json<MessageJson>> {
    if body.message_type.as_deref().is_some_and(|t| t != "outgoing") {
        return Err(InvalidInput::new("invalid_message_type", "Agents send outgoing messages.").into());
    }
    if body.content_type.as_deref().is_some_and(|t| t != "text") {
        return Err(InvalidInput::new("invalid_content_type", "Only text messages are supported yet.").into());
    }
    let content = MessageBody::parse(body.content)?;
    let echo = body.echo_id.map(EchoId::parse).transpose()?;
    let send = app::messages::AgentSend {
        body: content,
        private: body.private,
        echo_id: echo,
        check_collision: body.check_collision,
    };
    let m = state.app.send_agent_message(&agent, DisplayId(p.conversation_id), send).await?;
    Ok(Json(MessageJson::for_agent(&m)))
}

#[derive(Serialize, ToSchema, Clone)]
pub struct SenderJson {
    pub id: i64,
    pub name: String,
    pub available_name: String,
    /// `contact` or `user`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub avatar_url: String,
    pub thumbnail: String,
}

#[derive(Serialize, ToSchema, Clone)]
pub struct MessageJson {
    pub id: i64,
    pub content: String,
    pub account_id: i64,
    pub inbox_id: i64,
    /// The conversation's display id.
    pub conversation_id: i64,
    /// 0 incoming (from the contact), 1 outgoing (from the team), 2 activity.
    pub message_type: i64,
    pub content_type: &'static str,
    #[schema(value_type = Object)]
    pub content_attributes: Map<String, Value>,
    pub private: bool,
    pub status: &'static str,
    pub created_at: i64,
    pub updated_at: i64,
    /// `contact`, `user`, `agent_bot`, or null for activity lines.
    pub sender_type: Option<&'static str>,
    pub sender_id: Option<i64>,
    pub sender: Option<SenderJson>,
    /// The client's id for this message, echoed back.
    pub echo_id: Option<String>,
    /// Position in the conversation's event sequence.
    pub seq: i64,
    pub source_id: Option<String>,
    #[schema(value_type = Vec<Object>)]
    pub attachments: Vec<Value>,
}

impl MessageJson {
    fn build(m: &Message) -> Self {
        let (sender_type, sender_id, sender) = match m.sender {
            Sender::Contact(id) => {
                // Empty for a visitor who gave no name: clients name it in their language.
                let name = m.sender_name.clone().unwrap_or_default();
                (Some("contact"), Some(id.0), Some(sender("contact", id.0, name)))
            }
            Sender::User(id) => {
                let name = m.sender_name.clone().unwrap_or_default();
                (Some("user"), Some(id.0), Some(sender("user", id.0, name)))
            }
            Sender::AgentBot(id) => {
                let name = m.sender_name.clone().unwrap_or_default();
                (Some("agent_bot"), Some(id.0), Some(sender("agent_bot", id.0, name)))
            }
            Sender::System => (None, None, None),
        };
        MessageJson {
            id: m.id.0,
            content: m.content.clone(),
            account_id: m.account_id.0,
            inbox_id: m.inbox_id.0,
            conversation_id: m.display_id.0,
            message_type: m.message_type.code(),
            content_type: "text",
            content_attributes: m.content_attributes.clone(),
            private: m.private,
            status: "sent",
            created_at: secs(m.created_at),
            updated_at: secs(m.created_at),
            sender_type,
            sender_id,
            sender,
            echo_id: m.echo_id.clone(),
            seq: m.seq,
            source_id: None,
            attachments: Vec::new(),
        }
    }

    /// For the team: any message, internal comments included.
    pub fn for_agent(m: &Message) -> Self {
        Self::build(m)
    }

    /// For the visitor: only what [`PublicMessage`] lets through.
    pub fn for_visitor(m: &PublicMessage) -> Self {
        Self::build(m.get())
    }
}

fn sender(kind: &'static str, id: i64, name: String) -> SenderJson {
    SenderJson { id, available_name: name.clone(), name, kind, avatar_url: String::new(), thumbnail: String::new() }
}
