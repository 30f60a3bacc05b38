//! The team as an administrator runs it: agents added, changed and removed,
//! one-time setup links (invitations and password resets), and who is in
//! which inbox. Every change to someone's rights reaches their open sockets
//! (`access_changed`).

use domain::*;
use store::{Member, SetupPurpose};

use crate::auth::AgentCtx;
use crate::{tokens, App, AppError, Result};

/// An agent whose last socket closed longer ago than this shows offline,
/// whatever they chose (a closed laptop is not "online").
pub const OFFLINE_AFTER: Millis = 5 * 60 * 1000;

/// How long a setup link works: long enough for an invitation sent on a
/// Friday, short enough that an old one in a mailbox is worthless.
pub const SETUP_LINK_DAYS: i64 = 7;

/// An agent just added: the member, and the setup link's token when a new
/// user was made (an existing user keeps their password, as in Chatwoot).
pub struct AddedAgent {
    pub member: Member,
    pub setup_token: Option<String>,
}

/// What an administrator changes about an agent; `None` leaves it.
#[derive(Default)]
pub struct AgentChange {
    pub name: Option<PersonName>,
    pub role: Option<Role>,
    pub availability: Option<Availability>,
}

fn admin_only(agent: &AgentCtx) -> Result<()> {
    match agent.role {
        Role::Administrator => Ok(()),
        Role::Agent => Err(AppError::Forbidden { message: "Only administrators manage the team." }),
    }
}

impl App {
    /// The account's members (every agent may list their teammates), each
    /// shown as available as they are.
    pub async fn agents(&self, agent: &AgentCtx) -> Result<Vec<Member>> {
        let members = self.store().members(agent.account_id).await?;
        Ok(members.into_iter().map(|m| self.with_presence(agent.account_id, m)).collect())
    }

    /// A member's shown availability: their choice while a socket of theirs is
    /// open or closed less than [`OFFLINE_AFTER`] ago, else offline.
    fn with_presence(&self, account: AccountId, mut m: Member) -> Member {
        let online = self.presence().is_online(account, crate::presence::Present::User { id: m.user.id.0 });
        let lately = m.last_seen_at.is_some_and(|t| self.now() - t < OFFLINE_AFTER);
        if !online && !lately {
            m.shown = Availability::Offline;
        }
        m
    }

    /// Adds a teammate by email. A new user gets a setup link to choose a
    /// password; a user who exists already (in another account) joins this
    /// one as they are. A member already: `Conflict(already_member)`.
    pub async fn add_agent(
        &self,
        admin: &AgentCtx,
        email: &EmailAddress,
        name: &PersonName,
        role: Role,
    ) -> Result<AddedAgent> {
        admin_only(admin)?;
        let account = admin.account_id;
        let now = self.now();
        let (user, setup_token) = match self.store().user_by_email(email).await? {
            Some(found) => {
                if self.store().access(account, found.user.id).await?.is_some() {
                    return Err(AppError::Conflict {
                        code: "already_member",
                        message: "This person is a member of the account already.".into(),
                    });
                }
                self.store().add_account_user(account, found.user.id, role, now).await?;
                (found.user.id, None)
            }
            None => {
                let new = store::NewUser {
                    account_id: account,
                    email,
                    name,
                    password_hash: "",
                    access_token_hash: &tokens::hash(&tokens::generate()),
                    role,
                };
                let user = self.store().create_user(new, now).await?;
                (user, Some(self.new_setup_token(user, SetupPurpose::Invitation).await?))
            }
        };
        let member = self.with_presence(account, self.store().member(account, user).await?);
        Ok(AddedAgent { member, setup_token })
    }

    /// Changes a teammate's name, role or availability. The last
    /// administrator cannot step down: someone must be able to run the team.
    pub async fn update_agent(&self, admin: &AgentCtx, user: UserId, change: AgentChange) -> Result<Member> {
        admin_only(admin)?;
        let account = admin.account_id;
        let before = self.store().member(account, user).await?;
        if let Some(name) = &change.name {
            self.store().rename_member(account, user, name).await?;
        }
        if let Some(a) = change.availability {
            self.store().set_availability(account, user, a).await?;
        }
        if let Some(role) = change.role.filter(|r| *r != before.role) {
            if before.role == Role::Administrator {
                self.keep_an_administrator(account, user).await?;
            }
            self.store().set_member_role(account, user, role).await?;
            self.access_changed(account, user).await;
        }
        Ok(self.with_presence(account, self.store().member(account, user).await?))
    }

    /// Removes a teammate from the account: their open conversations there
    /// are unassigned (a line each in the team's timeline), and their
    /// sockets in this account close. Their user stays (other accounts).
    /// Unassigning comes first, so a failure half-way leaves a member who can
    /// be removed again, never conversations assigned to someone gone; a
    /// second sweep after the removal catches one they took meanwhile.
    pub async fn remove_agent(&self, admin: &AgentCtx, user: UserId) -> Result<()> {
        admin_only(admin)?;
        let account = admin.account_id;
        let member = self.store().member(account, user).await?;
        if user == admin.user.id {
            return Err(InvalidInput::new("cannot_remove_self", "You cannot remove yourself from the account.").into());
        }
        if member.role == Role::Administrator {
            self.keep_an_administrator(account, user).await?;
        }
        let who = admin.user.available_name().to_owned();
        let activity = crate::activity(ActivityKind::AssigneeRemoved, Some(&who), Some(member.user.available_name()));
        for conversation in self.store().assigned_open(account, user).await? {
            self.unassign_removed(account, conversation, user, &activity).await?;
        }
        self.store().remove_account_user(account, user).await?;
        self.access_changed(account, user).await;
        for conversation in self.store().assigned_open(account, user).await? {
            self.unassign_removed(account, conversation, user, &activity).await?;
        }
        Ok(())
    }

    /// One conversation of a removed agent, unassigned with its line (unless
    /// it changed hands meanwhile).
    async fn unassign_removed(
        &self,
        account: AccountId,
        conversation: ConversationId,
        user: UserId,
        activity: &store::Activity,
    ) -> Result<()> {
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let locked = tx.lock_conversation(account, conversation).await?;
        if locked.assignee != Some(user) {
            tx.rollback().await?;
            return Ok(());
        }
        tx.set_assignee(&locked, None).await?;
        let records = vec![
            tx.insert_activity(account, conversation, activity, now).await?,
            tx.append_conversation_event(account, conversation, EventKind::AssigneeChanged, now).await?,
        ];
        tx.commit().await?;
        self.publish_records(&records).await;
        Ok(())
    }

    async fn keep_an_administrator(&self, account: AccountId, leaving: UserId) -> Result<()> {
        let members = self.store().members(account).await?;
        if !members.iter().any(|m| m.role == Role::Administrator && m.user.id != leaving) {
            return Err(InvalidInput::new(
                "last_administrator",
                "The account needs an administrator: make someone else one first.",
            )
            .into());
        }
        Ok(())
    }

    /// A fresh setup link for a teammate (an invitation again, or a reset
    /// when they have a password): the token to put in the link.
    pub async fn agent_setup_link(&self, admin: &AgentCtx, user: UserId) -> Result<String> {
        admin_only(admin)?;
        let member = self.store().member(admin.account_id, user).await?;
        // A password reset reaches every account of the user: one account's
        // administrator does not take over someone's access to another.
        if member.confirmed && self.store().memberships(user).await?.len() > 1 {
            return Err(AppError::Forbidden {
                message: "This user belongs to other accounts too; they reset their password themselves.",
            });
        }
        let purpose = if member.confirmed { SetupPurpose::Reset } else { SetupPurpose::Invitation };
        self.new_setup_token(user, purpose).await
    }

    /// The operator's password reset (the CLI): the user and a setup link's token.
    pub async fn reset_password_by_email(&self, email: &EmailAddress) -> Result<(UserId, String)> {
        let record = self.store().user_by_email(email).await?.ok_or(AppError::NotFound)?;
        Ok((record.user.id, self.new_setup_token(record.user.id, SetupPurpose::Reset).await?))
    }

    async fn new_setup_token(&self, user: UserId, purpose: SetupPurpose) -> Result<String> {
        let token = tokens::generate();
        let now = self.now();
        let expires = now + SETUP_LINK_DAYS * 24 * 3600 * 1000;
        self.store().create_setup_token(&tokens::hash(&token), user, purpose, now, expires).await?;
        Ok(token)
    }

    /// Whom a setup link is for and what for, while it works; `NotFound` otherwise.
    pub async fn setup_link_user(&self, token: &str) -> Result<(UserSummary, SetupPurpose)> {
        let found = self.store().setup_token_user(&tokens::hash(token), self.now()).await?;
        found.ok_or(AppError::NotFound)
    }

    /// Uses a setup link: the new password, every other session of the user
    /// ended (their sockets close), and a fresh session for this browser.
    /// `NotFound` when the link is unknown, used or expired.
    pub async fn complete_setup(&self, token: &str, password: &NewPassword) -> Result<String> {
        let hash = self.hash_password(password).await?;
        let user = self.store().use_setup_token(&tokens::hash(token), &hash, self.now()).await?;
        let user = user.ok_or(AppError::NotFound)?;
        self.publish_access(crate::access::AccessChange::SessionsEnded { user, keep: None }).await?;
        self.create_session(user).await
    }

    /// An agent's socket opened or closed: the agents page's "last seen".
    /// Best effort: a failed write costs a stale date, never the socket.
    pub async fn agent_seen(&self, account: AccountId, user: UserId) {
        if let Err(e) = self.store().touch_member(account, user, self.now()).await {
            tracing::debug!(error = %e, "last seen not recorded");
        }
    }

    /// An inbox's members.
    pub async fn inbox_members(&self, agent: &AgentCtx, inbox: InboxId) -> Result<Vec<Member>> {
        self.inbox(agent, inbox).await?;
        let ids = self.store().inbox_members(agent.account_id, inbox).await?;
        let all = self.agents(agent).await?;
        Ok(all.into_iter().filter(|m| ids.contains(&m.user.id)).collect())
    }

    /// Changes an inbox's members: adds `add`, removes `remove` (Chatwoot's
    /// POST and DELETE), or with `replace` makes `add` the whole set (PATCH).
    /// Every user named must be a member of the account (else
    /// `invalid_user`, nothing changed); whoever gained or lost the inbox
    /// sees it at once on their open sockets.
    pub async fn change_inbox_members(
        &self,
        admin: &AgentCtx,
        inbox: InboxId,
        users: &[UserId],
        change: MembersChange,
    ) -> Result<Vec<Member>> {
        self.inbox(admin, inbox).await?;
        admin_only(admin)?;
        let account = admin.account_id;
        let team = self.store().members(account).await?;
        if let Some(stranger) = users.iter().find(|u| !team.iter().any(|m| m.user.id == **u)) {
            return Err(
                InvalidInput::new("invalid_user", format!("User {} is not in this account.", stranger.0)).into()
            );
        }
        let before = self.store().inbox_members(account, inbox).await?;
        let (add, remove): (Vec<UserId>, Vec<UserId>) = match change {
            MembersChange::Add => (users.iter().filter(|u| !before.contains(u)).copied().collect(), vec![]),
            MembersChange::Remove => (vec![], users.iter().filter(|u| before.contains(u)).copied().collect()),
            MembersChange::Replace => (
                users.iter().filter(|u| !before.contains(u)).copied().collect(),
                before.iter().filter(|u| !users.contains(u)).copied().collect(),
            ),
        };
        self.store().add_inbox_members(account, inbox, &add).await?;
        self.store().remove_inbox_members(account, inbox, &remove).await?;
        for user in add.iter().chain(&remove) {
            self.access_changed(account, *user).await;
        }
        self.inbox_members(admin, inbox).await
    }
}

/// How [`App::change_inbox_members`] applies its list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MembersChange {
    Add,
    Remove,
    Replace,
}
