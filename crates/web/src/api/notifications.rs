//! Chatwoot's notifications (`/api/v1/accounts/{account_id}/notifications`)
//! and notification settings (`…/notification_settings`): a user's own, never
//! another's (someone else's id is 404).

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{secs, AccountPath, ItemPath};
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{Agent, ApiJson, ApiPath, ApiQuery};
use crate::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_notifications))
        .routes(routes!(read_all))
        .routes(routes!(update_notification, delete_notification))
        .routes(routes!(show_settings, update_settings))
}

crate::json::wrapped!(
    NotificationPatch => "notification",
    SettingsPayload => "notification_settings",
);

#[derive(Serialize, ToSchema, Clone)]
pub struct ActorJson {
    /// The conversation's display id, or the actor's id.
    pub id: i64,
    pub name: Option<String>,
}

#[derive(Serialize, ToSchema, Clone)]
pub struct NotificationJson {
    pub id: i64,
    pub notification_type: String,
    pub push_message_title: String,
    /// Always `Conversation` here.
    pub primary_actor_type: &'static str,
    /// The conversation's display id.
    pub primary_actor_id: i64,
    pub primary_actor: ActorJson,
    /// `User` or `Contact`, when someone caused it.
    pub secondary_actor_type: Option<&'static str>,
    pub secondary_actor: Option<ActorJson>,
    pub read_at: Option<i64>,
    pub created_at: i64,
    pub last_activity_at: i64,
    pub account_id: i64,
    pub user_id: i64,
}

impl From<&app::Notification> for NotificationJson {
    fn from(n: &app::Notification) -> Self {
        let who = match n.actor_name.as_deref().filter(|s| !s.is_empty()) {
            Some(name) => name.to_owned(),
            // A visitor who gave no name, as the inbox calls one.
            None if n.actor_type.as_deref() == Some("contact") => {
                format!("Visitor #{}", n.actor_id.unwrap_or_default())
            }
            None => "A teammate".to_owned(),
        };
        let display = n.display_id.0;
        let title = match n.kind.as_str() {
            "conversation_assignment" if n.actor_id.is_none() => {
                format!("Conversation #{display} was assigned to you automatically")
            }
            "conversation_assignment" => format!("{who} assigned conversation #{display} to you"),
            "conversation_mention" => format!("{who} mentioned you in conversation #{display}"),
            "assigned_conversation_new_message" => format!("New message in conversation #{display}"),
            "conversation_bot_handoff" => format!("{who} is waiting for a person in conversation #{display}"),
            _ => format!("A new conversation #{display} was created"),
        };
        let secondary_actor_type = match n.actor_type.as_deref() {
            Some("user") => Some("User"),
            Some("contact") => Some("Contact"),
            _ => None,
        };
        NotificationJson {
            id: n.id,
            notification_type: n.kind.clone(),
            push_message_title: title,
            primary_actor_type: "Conversation",
            primary_actor_id: display,
            primary_actor: ActorJson { id: display, name: None },
            secondary_actor_type,
            secondary_actor: n.actor_id.map(|id| ActorJson { id, name: n.actor_name.clone() }),
            read_at: n.read_at.map(secs),
            created_at: secs(n.created_at),
            last_activity_at: secs(n.last_activity_at),
            account_id: n.account_id.0,
            user_id: n.user_id.0,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct NotificationsMeta {
    pub unread_count: i64,
    pub count: i64,
    pub current_page: i64,
}

#[derive(Serialize, ToSchema)]
pub struct NotificationsData {
    pub meta: NotificationsMeta,
    pub payload: Vec<NotificationJson>,
}

#[derive(Serialize, ToSchema)]
pub struct NotificationsList {
    pub data: NotificationsData,
}

#[derive(Deserialize)]
struct PageQuery {
    page: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/accounts/{account_id}/notifications", tag = "Notifications",
    params(("account_id" = i64, Path), ("page" = Option<i64>, Query)),
    responses((status = 200, body = NotificationsList, description = "25 a page, newest activity first")),
    security(("api_access_token" = [])))]
async fn list_notifications(
    State(state): State<AppState>,
    Agent(agent): Agent,
    ApiPath(_a): ApiPath<AccountPath>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<NotificationsList>> {
    let page = q.page.unwrap_or(1).clamp(1, 10_000);
    let (list, unread_count, count) = state.app.notifications(&agent, page).await?;
    Ok(Json(NotificationsList {
        data: NotificationsData {
            meta: NotificationsMeta { unread_count, count, current_page: page },
            payload: list.iter().map(NotificationJson::from).collect(),
        },
    }))
}

#[utoipa::path(post, path = "/api/v1/accounts/{account_id}/notifications/read_all", tag = "Notifications",
    params(("account_id" = i64, Path)),
    responses((status = 200, description = "Every notification of the user is read")),
    security(("api_access_token" = [])))]
async fn read_all(
    State(state): State<AppState>,
    Agent(agent): Agent,
    ApiPath(_a): ApiPath<AccountPath>,
) -> ApiResult<StatusCode> {
    state.app.read_all_notifications(&agent).await?;
    Ok(StatusCode::OK)
}

#[derive(Deserialize, ToSchema)]
pub struct NotificationPatch {
    /// A time (any value) marks it read; null marks it unread. Default: read.
    #[serde(default, deserialize_with = "crate::json::explicit_null")]
    #[schema(value_type = Option<i64>)]
    pub read_at: Option<Option<serde_json::Value>>,
}

#[utoipa::path(patch, path = "/api/v1/accounts/{account_id}/notifications/{id}", tag = "Notifications",
    params(("account_id" = i64, Path), ("id" = i64, Path)),
    request_body = NotificationPatch,
    responses((status = 200, body = NotificationJson), (status = 404, body = ErrorBody)),
    security(("api_access_token" = [])))]
async fn update_notification(
    State(state): State<AppState>,
    Agent(agent): Agent,
    ApiPath(p): ApiPath<ItemPath>,
    ApiJson(body): ApiJson<NotificationPatch>,
) -> ApiResult<Json<NotificationJson>> {
    let read = !matches!(body.read_at, Some(None));
    let n = state.app.mark_notification(&agent, p.id, read).await?;
    Ok(Json(NotificationJson::from(&n)))
}

#[utoipa::path(delete, path = "/api/v1/accounts/{account_id}/notifications/{id}", tag = "Notifications",
    params(("account_id" = i64, Path), ("id" = i64, Path)),
    responses((status = 200, description = "Deleted"), (status = 404, body = ErrorBody)),
    security(("api_access_token" = [])))]
async fn delete_notification(
    State(state): State<AppState>,
    Agent(agent): Agent,
    ApiPath(p): ApiPath<ItemPath>,
) -> ApiResult<StatusCode> {
    state.app.delete_notification(&agent, p.id).await?;
    Ok(StatusCode::OK)
}

/// Chatwoot's flags carry their channel: `email_conversation_assignment`,
/// `push_conversation_mention`, …; Parlor adds the inbox page's two switches.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct SettingsPayload {
    pub selected_email_flags: Option<Vec<String>>,
    pub selected_push_flags: Option<Vec<String>>,
    /// A browser notification while the inbox's tab is in the background.
    pub browser_notifications: Option<bool>,
    /// A short sound with it.
    pub sound: Option<bool>,
}

#[derive(Serialize, ToSchema)]
pub struct SettingsJson {
    pub notification_settings: SettingsPayload,
}

fn prefixed(prefix: &str, flags: &[String]) -> Vec<String> {
    flags.iter().map(|f| format!("{prefix}_{f}")).collect()
}

fn bare(prefix: &str, flags: Vec<String>) -> Vec<String> {
    flags.into_iter().map(|f| f.strip_prefix(&format!("{prefix}_")).map(str::to_owned).unwrap_or(f)).collect()
}

fn settings_json(s: &app::notifications::NotificationSettings) -> SettingsJson {
    SettingsJson {
        notification_settings: SettingsPayload {
            selected_email_flags: Some(prefixed("email", &s.email)),
            selected_push_flags: Some(prefixed("push", &s.push)),
            browser_notifications: Some(s.browser),
            sound: Some(s.sound),
        },
    }
}

#[utoipa::path(get, path = "/api/v1/accounts/{account_id}/notification_settings", tag = "Notifications",
    params(("account_id" = i64, Path)),
    responses((status = 200, body = SettingsJson)),
    security(("api_access_token" = [])))]
async fn show_settings(
    State(state): State<AppState>,
    Agent(agent): Agent,
    ApiPath(_a): ApiPath<AccountPath>,
) -> ApiResult<Json<SettingsJson>> {
    Ok(Json(settings_json(&state.app.notification_settings(&agent).await?)))
}

#[utoipa::path(put, path = "/api/v1/accounts/{account_id}/notification_settings", tag = "Notifications",
    params(("account_id" = i64, Path)),
    request_body = SettingsPayload,
    responses((status = 200, body = SettingsJson), (status = 422, body = ErrorBody, description = "`invalid_flag`")),
    security(("api_access_token" = [])))]
async fn update_settings(
    State(state): State<AppState>,
    Agent(agent): Agent,
    ApiPath(_a): ApiPath<AccountPath>,
    ApiJson(body): ApiJson<SettingsPayload>,
) -> ApiResult<Json<SettingsJson>> {
    let old = state.app.notification_settings(&agent).await?;
    let new = app::notifications::NotificationSettings {
        email: body.selected_email_flags.map(|f| bare("email", f)).unwrap_or(old.email),
        push: body.selected_push_flags.map(|f| bare("push", f)).unwrap_or(old.push),
        browser: body.browser_notifications.unwrap_or(old.browser),
        sound: body.sound.unwrap_or(old.sound),
    };
    Ok(Json(settings_json(&state.app.save_notification_settings(&agent, new).await?)))
}
