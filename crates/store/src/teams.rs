//! Teams (Chatwoot's): named groups of an account's agents that conversations
//! are given to, and their members.

use domain::*;

use crate::query::q;
use crate::{Conflict, EventRecord, Result, Store, StoreError};

type TeamRow = (i64, i64, String, String, bool, i64);

const TEAM_COLUMNS: &str = "id, account_id, name, description, allow_auto_assign, created_at";

fn team(r: TeamRow) -> Team {
    let (id, account_id, name, description, allow_auto_assign, created_at) = r;
    Team { id: TeamId(id), account_id: AccountId(account_id), name, description, allow_auto_assign, created_at }
}

/// A team's fields as saved.
pub struct TeamFields<'a> {
    pub name: &'a str,
    pub description: &'a str,
    pub allow_auto_assign: bool,
}

/// A unique violation on a team is its name (the only unique column).
fn name_taken(e: StoreError) -> StoreError {
    match e {
        StoreError::Conflict(_) => StoreError::Conflict(Conflict::TeamName),
        e => e,
    }
}

impl Store {
    pub async fn teams(&self, account_id: AccountId) -> Result<Vec<Team>> {
        let sql = format!("SELECT {TEAM_COLUMNS} FROM teams WHERE account_id = $1 ORDER BY name, id");
        let rows: Vec<TeamRow> = self.read_all(q(&sql).bind(account_id.0)).await?;
        Ok(rows.into_iter().map(team).collect())
    }

    pub async fn team(&self, account_id: AccountId, id: TeamId) -> Result<Team> {
        let sql = format!("SELECT {TEAM_COLUMNS} FROM teams WHERE account_id = $1 AND id = $2");
        Ok(team(self.read_one(q(&sql).bind(account_id.0).bind(id.0)).await?))
    }

    /// `Conflict(TeamName)` when the account has a team of that name.
    pub async fn create_team(&self, account_id: AccountId, f: &TeamFields<'_>, now: Millis) -> Result<Team> {
        let sql = format!(
            "INSERT INTO teams (account_id, name, description, allow_auto_assign, created_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING {TEAM_COLUMNS}"
        );
        let query = q(&sql).bind(account_id.0).bind(f.name).bind(f.description).bind(f.allow_auto_assign).bind(now);
        Ok(team(self.write_one(query).await.map_err(name_taken)?))
    }

    pub async fn update_team(&self, account_id: AccountId, id: TeamId, f: &TeamFields<'_>) -> Result<Team> {
        let sql = format!(
            "UPDATE teams SET name = $3, description = $4, allow_auto_assign = $5 \
             WHERE account_id = $1 AND id = $2 RETURNING {TEAM_COLUMNS}"
        );
        let query = q(&sql).bind(account_id.0).bind(id.0).bind(f.name).bind(f.description).bind(f.allow_auto_assign);
        Ok(team(self.write_one(query).await.map_err(name_taken)?))
    }

    /// Deletes a team: its conversations keep their agent and lose the team,
    /// each with an `assignee.changed` event in the same transaction.
    pub async fn delete_team(&self, account_id: AccountId, id: TeamId, now: Millis) -> Result<Vec<EventRecord>> {
        let mut tx = self.begin().await?;
        let had: Vec<(i64,)> = tx
            .fetch_all(
                q("UPDATE conversations SET team_id = NULL WHERE account_id = $1 AND team_id = $2 RETURNING id")
                    .bind(account_id.0)
                    .bind(id.0),
            )
            .await?;
        tx.execute(q("DELETE FROM team_members WHERE account_id = $1 AND team_id = $2").bind(account_id.0).bind(id.0))
            .await?;
        let gone =
            tx.execute(q("DELETE FROM teams WHERE account_id = $1 AND id = $2").bind(account_id.0).bind(id.0)).await?;
        if gone == 0 {
            return Err(StoreError::NotFound);
        }
        let mut records = Vec::with_capacity(had.len());
        for (c,) in had {
            records.push(
                tx.append_conversation_event(account_id, ConversationId(c), EventKind::AssigneeChanged, now).await?,
            );
        }
        tx.commit().await?;
        Ok(records)
    }

    /// The teams a user is a member of.
    pub async fn teams_of(&self, account_id: AccountId, user: UserId) -> Result<Vec<TeamId>> {
        let sql = "SELECT team_id FROM team_members WHERE account_id = $1 AND user_id = $2 ORDER BY team_id";
        let ids: Vec<(i64,)> = self.read_all(q(sql).bind(account_id.0).bind(user.0)).await?;
        Ok(ids.into_iter().map(|(t,)| TeamId(t)).collect())
    }

    /// The team's members, by id.
    pub async fn team_members(&self, account_id: AccountId, id: TeamId) -> Result<Vec<UserId>> {
        let sql = "SELECT user_id FROM team_members WHERE account_id = $1 AND team_id = $2 ORDER BY user_id";
        let ids: Vec<(i64,)> = self.read_all(q(sql).bind(account_id.0).bind(id.0)).await?;
        Ok(ids.into_iter().map(|(u,)| UserId(u)).collect())
    }

    /// Adds members (those in already stay), and with `replace` removes
    /// everyone else. Only members of the account can join: the
    /// `INSERT … SELECT` from `account_users` makes sure.
    pub async fn set_team_members(
        &self,
        account_id: AccountId,
        id: TeamId,
        users: &[UserId],
        replace: bool,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        if replace {
            tx.execute(
                q("DELETE FROM team_members WHERE account_id = $1 AND team_id = $2").bind(account_id.0).bind(id.0),
            )
            .await?;
        }
        for user in users {
            tx.execute(
                q("INSERT INTO team_members (account_id, team_id, user_id) \
                   SELECT account_id, $2, user_id FROM account_users WHERE account_id = $1 AND user_id = $3 \
                   ON CONFLICT DO NOTHING")
                .bind(account_id.0)
                .bind(id.0)
                .bind(user.0),
            )
            .await?;
        }
        tx.commit().await
    }

    pub async fn remove_team_members(&self, account_id: AccountId, id: TeamId, users: &[UserId]) -> Result<()> {
        let mut tx = self.begin().await?;
        for user in users {
            tx.execute(
                q("DELETE FROM team_members WHERE account_id = $1 AND team_id = $2 AND user_id = $3")
                    .bind(account_id.0)
                    .bind(id.0)
                    .bind(user.0),
            )
            .await?;
        }
        tx.commit().await
    }
}
