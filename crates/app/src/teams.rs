//! Teams (Chatwoot's): administrators make them and choose their members;
//! every agent lists them, filters by them and gives conversations to them.

use domain::*;

use crate::auth::AgentCtx;
use crate::{App, AppError, Member, Result};

/// A team as an administrator saves it; `None` keeps the stored value.
#[derive(Debug, Default)]
pub struct TeamPatch {
    pub name: Option<String>,
    pub description: Option<String>,
    pub allow_auto_assign: Option<bool>,
}

fn admin_only(agent: &AgentCtx) -> Result<()> {
    match agent.role {
        Role::Administrator => Ok(()),
        Role::Agent => Err(AppError::Forbidden { message: "Only administrators manage teams." }),
    }
}

/// A team's name: trimmed, 1–60 characters, no control characters.
fn team_name(value: &str) -> Result<String> {
    let v = value.trim();
    if v.is_empty() || v.chars().count() > 60 || v.chars().any(char::is_control) {
        return Err(InvalidInput::new("invalid_team_name", "A team's name is 1 to 60 characters.").into());
    }
    Ok(v.to_owned())
}

fn description(value: &str) -> Result<String> {
    let v = value.trim();
    if v.chars().count() > 500 || v.chars().any(|c| c.is_control() && c != '\n') {
        return Err(InvalidInput::new("invalid_description", "A description is at most 500 characters.").into());
    }
    Ok(v.to_owned())
}

impl App {
    pub async fn teams(&self, agent: &AgentCtx) -> Result<Vec<Team>> {
        Ok(self.store().teams(agent.account_id).await?)
    }

    pub async fn team(&self, agent: &AgentCtx, id: TeamId) -> Result<Team> {
        Ok(self.store().team(agent.account_id, id).await?)
    }

    /// The teams the agent is a member of, for `is_member`.
    pub async fn my_teams(&self, agent: &AgentCtx) -> Result<Vec<TeamId>> {
        Ok(self.store().teams_of(agent.account_id, agent.user.id).await?)
    }

    pub async fn create_team(&self, admin: &AgentCtx, patch: TeamPatch) -> Result<Team> {
        admin_only(admin)?;
        let name = team_name(patch.name.as_deref().unwrap_or_default())?;
        let description = description(patch.description.as_deref().unwrap_or_default())?;
        let fields = store::TeamFields {
            name: &name,
            description: &description,
            allow_auto_assign: patch.allow_auto_assign.unwrap_or(true),
        };
        Ok(self.store().create_team(admin.account_id, &fields, self.now()).await?)
    }

    pub async fn update_team(&self, admin: &AgentCtx, id: TeamId, patch: TeamPatch) -> Result<Team> {
        admin_only(admin)?;
        let old = self.store().team(admin.account_id, id).await?;
        let name = match patch.name {
            Some(n) => team_name(&n)?,
            None => old.name,
        };
        let description = match patch.description {
            Some(d) => description(&d)?,
            None => old.description,
        };
        let allow_auto_assign = patch.allow_auto_assign.unwrap_or(old.allow_auto_assign);
        let fields = store::TeamFields { name: &name, description: &description, allow_auto_assign };
        Ok(self.store().update_team(admin.account_id, id, &fields).await?)
    }

    /// Deletes a team; its conversations stay with their agents.
    pub async fn delete_team(&self, admin: &AgentCtx, id: TeamId) -> Result<()> {
        admin_only(admin)?;
        let records = self.store().delete_team(admin.account_id, id, self.now()).await?;
        self.publish_records(&records).await;
        Ok(())
    }

    /// The team's members, as the agents list shows them.
    pub async fn team_members(&self, agent: &AgentCtx, id: TeamId) -> Result<Vec<Member>> {
        self.store().team(agent.account_id, id).await?;
        let ids = self.store().team_members(agent.account_id, id).await?;
        let all = self.agents(agent).await?;
        Ok(all.into_iter().filter(|m| ids.contains(&m.user.id)).collect())
    }

    /// Adds members, or with `replace` makes them the whole team (Chatwoot's
    /// `PATCH`); every id must be a member of the account.
    pub async fn set_team_members(
        &self,
        admin: &AgentCtx,
        id: TeamId,
        users: &[UserId],
        replace: bool,
    ) -> Result<Vec<Member>> {
        admin_only(admin)?;
        self.store().team(admin.account_id, id).await?;
        let members = self.store().members(admin.account_id).await?;
        if let Some(stranger) = users.iter().find(|u| !members.iter().any(|m| m.user.id == **u)) {
            return Err(InvalidInput::new(
                "invalid_user_ids",
                format!("User {stranger} is not a member of this account."),
            )
            .into());
        }
        self.store().set_team_members(admin.account_id, id, users, replace).await?;
        self.team_members(admin, id).await
    }

    pub async fn remove_team_members(&self, admin: &AgentCtx, id: TeamId, users: &[UserId]) -> Result<()> {
        admin_only(admin)?;
        self.store().team(admin.account_id, id).await?;
        Ok(self.store().remove_team_members(admin.account_id, id, users).await?)
    }

    /// Gives the conversation to a team, or takes it from its team
    /// (Chatwoot's assignments with `team_id`). The agent stays assigned.
    pub async fn assign_team(
        &self,
        agent: &AgentCtx,
        display_id: DisplayId,
        team: Option<TeamId>,
    ) -> Result<Option<Team>> {
        let view = self.conversation(agent, display_id).await?;
        let c = &view.conversation;
        let who = agent.user.available_name().to_owned();
        let target = match team {
            Some(id) => Some(self.store().team(agent.account_id, id).await.map_err(|e| match e {
                store::StoreError::NotFound => {
                    AppError::from(InvalidInput::new("invalid_team", "There is no such team in this account."))
                }
                e => e.into(),
            })?),
            None => None,
        };
        let activity = match &target {
            Some(t) => crate::activity(ActivityKind::TeamAssigned, Some(&who), Some(&t.name)),
            None => crate::activity(ActivityKind::TeamUnassigned, Some(&who), None),
        };
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let locked = tx.lock_conversation(c.account_id, c.id).await?;
        if locked.team_id == team {
            tx.rollback().await?;
            return Ok(target);
        }
        tx.set_team(&locked, team).await?;
        let a = tx.insert_activity(c.account_id, c.id, &activity, now).await?;
        let b = tx.append_conversation_event(c.account_id, c.id, EventKind::AssigneeChanged, now).await?;
        tx.commit().await?;
        self.publish_records(&[a, b]).await;
        Ok(target)
    }
}
