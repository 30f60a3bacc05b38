//! Notifications (I10): a conversation assigned to you, a new message in one
//! you own, a mention in a comment, a new conversation in your inboxes, a
//! visitor waiting in a bot's conversation (the bot handing off).
//! Written after the change committed, never inside the message transaction;
//! a new message's is one row per conversation and recipient, updated, and
//! written at most every [`REPEAT_AFTER`] per pair (the message path stays as
//! it was). None for your own actions. Each reaches the user's sockets live,
//! on every process.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use domain::*;
use store::{NewNotification, Notification};

use crate::auth::AgentCtx;
use crate::{App, Result};

pub const CONVERSATION_CREATION: &str = "conversation_creation";
pub const CONVERSATION_ASSIGNMENT: &str = "conversation_assignment";
pub const NEW_MESSAGE: &str = "assigned_conversation_new_message";
pub const CONVERSATION_MENTION: &str = "conversation_mention";
/// Parlor's own, named after Chatwoot's `conversation.bot_handoff` event: the
/// greeter has said all it can and the visitor wrote, so a human is needed.
pub const BOT_HANDOFF: &str = "conversation_bot_handoff";
/// Chatwoot's kinds and Parlor's one, in the order the settings list them.
pub const KINDS: &[&str] =
    &[CONVERSATION_CREATION, CONVERSATION_ASSIGNMENT, NEW_MESSAGE, CONVERSATION_MENTION, BOT_HANDOFF];
/// On until a user chooses: all but a new conversation (every visitor's chat
/// would ring every agent).
const DEFAULT_FLAGS: &[&str] = &[CONVERSATION_ASSIGNMENT, NEW_MESSAGE, CONVERSATION_MENTION, BOT_HANDOFF];

/// How long a new-message notification stands for the messages after it.
const REPEAT_AFTER: Duration = Duration::from_secs(30);

/// Recently notified (recipient, conversation) pairs for new messages; a
/// handoff's under `UserId(0)`, which no user has (it goes to a whole inbox).
#[derive(Default)]
pub struct Recent(Mutex<HashMap<(UserId, ConversationId), Instant>>);

impl Recent {
    /// `true` when nothing was notified for `key` within [`REPEAT_AFTER`].
    fn fresh(&self, key: (UserId, ConversationId)) -> bool {
        let mut recent = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        recent.retain(|_, at| now.duration_since(*at) < REPEAT_AFTER);
        recent.insert(key, now).is_none()
    }
}

/// A user's choices (Chatwoot's flags, and the inbox page's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotificationSettings {
    pub email: Vec<String>,
    pub push: Vec<String>,
    pub browser: bool,
    pub sound: bool,
}

fn flags(list: &str) -> Vec<String> {
    list.split(',').filter(|s| KINDS.contains(s)).map(str::to_owned).collect()
}

/// The visitor who wrote `m`, as a notification's actor.
fn contact_actor(m: &Message) -> Option<(&'static str, i64)> {
    match m.sender {
        Sender::Contact(c) => Some(("contact", c.0)),
        _ => None,
    }
}

/// The user ids a comment mentions: `mention://user/ID/…` and, through their
/// members, `mention://team/ID/…` (Chatwoot's form).
pub fn mentions(content: &str) -> (Vec<UserId>, Vec<TeamId>) {
    let mut users = Vec::new();
    let mut teams = Vec::new();
    for (i, _) in content.match_indices("mention://") {
        let rest = &content[i + "mention://".len()..];
        let (kind, rest) = rest.split_once('/').unwrap_or(("", ""));
        let id: String = rest.chars().take_while(char::is_ascii_digit).collect();
        let Ok(id) = id.parse::<i64>() else { continue };
        match kind {
            "user" if !users.contains(&UserId(id)) => users.push(UserId(id)),
            "team" if !teams.contains(&TeamId(id)) => teams.push(TeamId(id)),
            _ => {}
        }
    }
    (users, teams)
}

impl App {
    pub async fn notification_settings(&self, agent: &AgentCtx) -> Result<NotificationSettings> {
        Ok(self.settings_of(agent.account_id, agent.user.id).await?)
    }

    async fn settings_of(&self, account: AccountId, user: UserId) -> store::Result<NotificationSettings> {
        Ok(match self.store().notification_settings(account, user).await? {
            Some((email, push, browser, sound)) => {
                NotificationSettings { email: flags(&email), push: flags(&push), browser, sound }
            }
            None => {
                let d: Vec<String> = DEFAULT_FLAGS.iter().map(|s| (*s).to_owned()).collect();
                NotificationSettings { email: d.clone(), push: d, browser: true, sound: true }
            }
        })
    }

    /// Saves the user's choices; unknown flags are refused.
    pub async fn save_notification_settings(
        &self,
        agent: &AgentCtx,
        s: NotificationSettings,
    ) -> Result<NotificationSettings> {
        if let Some(bad) = s.email.iter().chain(&s.push).find(|f| !KINDS.contains(&f.as_str())) {
            return Err(InvalidInput::new("invalid_flag", format!("Unknown notification flag {bad}.")).into());
        }
        let (email, push) = (s.email.join(","), s.push.join(","));
        self.store()
            .save_notification_settings(agent.account_id, agent.user.id, (&email, &push, s.browser, s.sound))
            .await?;
        self.notification_settings(agent).await
    }

    pub async fn notifications(&self, agent: &AgentCtx, page: i64) -> Result<(Vec<Notification>, i64, i64)> {
        Ok(self.store().notifications(agent.account_id, agent.user.id, page).await?)
    }

    pub async fn read_all_notifications(&self, agent: &AgentCtx) -> Result<()> {
        self.forget_recent(agent.user.id);
        Ok(self.store().read_all_notifications(agent.account_id, agent.user.id, self.now()).await?)
    }

    pub async fn mark_notification(&self, agent: &AgentCtx, id: i64, read: bool) -> Result<Notification> {
        self.forget_recent(agent.user.id);
        let at = read.then(|| self.now());
        Ok(self.store().mark_notification(agent.account_id, agent.user.id, id, at).await?)
    }

    pub async fn delete_notification(&self, agent: &AgentCtx, id: i64) -> Result<()> {
        self.forget_recent(agent.user.id);
        Ok(self.store().delete_notification(agent.account_id, agent.user.id, id).await?)
    }

    fn forget_recent(&self, user: UserId) {
        let mut recent = self.inner.recent.0.lock().unwrap_or_else(|p| p.into_inner());
        recent.retain(|(u, _), _| *u != user);
    }

    /// Notifies `user` of `kind` when they want it (their push flags) and
    /// did not cause it; publishes it to their sockets. Failures are logged:
    /// the change it follows has committed already.
    pub(crate) async fn notify(
        &self,
        account: AccountId,
        user: UserId,
        kind: &'static str,
        conversation: ConversationId,
        actor: Option<(&'static str, i64)>,
        message: Option<MessageId>,
    ) {
        if actor == Some(("user", user.0)) {
            return;
        }
        let wanted = match self.settings_of(account, user).await {
            Ok(s) => s.push.iter().any(|f| f == kind),
            Err(e) => {
                tracing::warn!(error = %e, "could not read notification settings");
                return;
            }
        };
        if wanted {
            self.deliver(account, user, kind, conversation, actor, message).await;
        }
    }

    /// Stores the notification and publishes it to the user's sockets, for a
    /// user known to want it.
    async fn deliver(
        &self,
        account: AccountId,
        user: UserId,
        kind: &'static str,
        conversation: ConversationId,
        actor: Option<(&'static str, i64)>,
        message: Option<MessageId>,
    ) {
        let n = NewNotification {
            account_id: account,
            user_id: user,
            kind,
            conversation_id: conversation,
            actor,
            message_id: message,
            now: self.now(),
        };
        match self.store().notify(&n).await {
            Ok(stored) => self.emit_notification(stored).await,
            Err(e) => tracing::warn!(error = %e, "could not store a notification"),
        }
    }

    /// A visitor's message in an assigned conversation, off its path: at most
    /// one write per recipient and conversation every [`REPEAT_AFTER`].
    pub(crate) fn notify_new_message(&self, m: &Message, assignee: UserId) {
        if !self.inner.recent.fresh((assignee, m.conversation_id)) {
            return;
        }
        let app = self.clone();
        let (account, conversation, message) = (m.account_id, m.conversation_id, m.id);
        let actor = contact_actor(m);
        tokio::spawn(
            async move { app.notify(account, assignee, NEW_MESSAGE, conversation, actor, Some(message)).await },
        );
    }

    /// A visitor's message in a pending, unassigned conversation: when a bot
    /// has it, the bot has nothing more to say (the greeter's one step is
    /// behind it) and the inbox's agents hear that someone waits. One row per
    /// agent and conversation, raised again at most every [`REPEAT_AFTER`];
    /// nothing after a takeover (the bot no longer has it).
    pub(crate) fn notify_handoff(&self, m: &Message) {
        if !self.inner.recent.fresh((UserId(0), m.conversation_id)) {
            return;
        }
        let app = self.clone();
        let m = m.clone();
        tokio::spawn(async move {
            let bot = match app.store().conversation_by_display_id(m.account_id, m.display_id).await {
                Ok(v) => v.conversation.agent_bot_id.is_some(),
                Err(e) => return tracing::warn!(error = %e, "could not read a bot's conversation"),
            };
            if !bot {
                return;
            }
            let users = match app.store().listeners(m.account_id, m.inbox_id, BOT_HANDOFF, true).await {
                Ok(u) => u,
                Err(e) => return tracing::warn!(error = %e, "could not read inbox members"),
            };
            let actor = contact_actor(&m);
            for user in users {
                app.deliver(m.account_id, user, BOT_HANDOFF, m.conversation_id, actor, Some(m.id)).await;
            }
        });
    }

    /// The users a comment mentions (teams through their members), the
    /// writer and those who may not see the inbox left out.
    pub(crate) async fn notify_mentions(&self, agent: &AgentCtx, m: &Message) {
        let (mut users, teams) = mentions(&m.content);
        for team in teams {
            match self.store().team_members(agent.account_id, team).await {
                Ok(members) => users.extend(members),
                Err(e) => tracing::warn!(error = %e, "could not read a mentioned team"),
            }
        }
        users.sort_by_key(|u| u.0);
        users.dedup();
        for user in users.into_iter().filter(|u| *u != agent.user.id) {
            let Ok(record) = self.store().user(user).await else { continue };
            let Ok(target) = self.agent_ctx(record, agent.account_id).await else { continue };
            if target.may_see(m.inbox_id) {
                let actor = Some(("user", agent.user.id.0));
                self.notify(agent.account_id, user, CONVERSATION_MENTION, m.conversation_id, actor, Some(m.id)).await;
            }
        }
    }

    /// A visitor's new conversation: the inbox's agents who asked for it, in
    /// one read (most ask for none).
    pub(crate) async fn notify_creation(&self, account: AccountId, inbox: InboxId, conversation: ConversationId) {
        let members = match self.store().listeners(account, inbox, CONVERSATION_CREATION, false).await {
            Ok(m) => m,
            Err(e) => return tracing::warn!(error = %e, "could not read inbox members"),
        };
        for user in members {
            self.deliver(account, user, CONVERSATION_CREATION, conversation, None, None).await;
        }
    }

    async fn emit_notification(&self, n: Notification) {
        if let Some(bus) = self.bus() {
            bus.send_notification(n.account_id, n.id).await;
        }
        self.hub().publish_notification(n);
    }
}
