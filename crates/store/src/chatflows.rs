//! Bots and inboxes' chatflows: an inbox's flow is a series of immutable
//! versions (a save writes the next one) run by the inbox's bot.

use domain::*;

use crate::query::q;
use crate::{Result, Store, StoreError};

type FlowRow = (i64, i64, i64, i64, bool, String, i64, i64, String, Option<String>);

const FLOW_SELECT: &str = "SELECT f.id, f.account_id, f.inbox_id, f.version, f.enabled, f.definition, f.created_at, \
    b.id, b.name, b.avatar_key FROM chatflows f JOIN agent_bots b ON b.id = f.agent_bot_id";

fn flow(r: FlowRow) -> Chatflow {
    let (id, account_id, inbox_id, version, enabled, definition, created_at, bot_id, name, avatar) = r;
    Chatflow {
        id,
        account_id: AccountId(account_id),
        inbox_id: InboxId(inbox_id),
        version,
        enabled,
        bot: BotSummary { id: AgentBotId(bot_id), name, avatar },
        // Written from `Definition` only; an unreadable one does nothing.
        definition: serde_json::from_str(&definition).unwrap_or_default(),
        created_at,
    }
}

impl Store {
    /// The inbox's chatflow in force (its highest version), if it has one.
    pub async fn chatflow(&self, account_id: AccountId, inbox: InboxId) -> Result<Option<Chatflow>> {
        let sql = format!("{FLOW_SELECT} WHERE f.account_id = $1 AND f.inbox_id = $2 ORDER BY f.version DESC LIMIT 1");
        let row: Option<FlowRow> = self.read_optional(q(&sql).bind(account_id.0).bind(inbox.0)).await?;
        Ok(row.map(flow))
    }

    /// One version by id, for a job that runs its steps.
    pub async fn chatflow_version(&self, account_id: AccountId, id: i64) -> Result<Chatflow> {
        let sql = format!("{FLOW_SELECT} WHERE f.account_id = $1 AND f.id = $2");
        Ok(flow(self.read_one(q(&sql).bind(account_id.0).bind(id)).await?))
    }

    /// Saves the next version of the inbox's flow, run by its bot (made on
    /// the first save, renamed on later ones).
    pub async fn save_chatflow(
        &self,
        account_id: AccountId,
        inbox: InboxId,
        bot_name: &str,
        enabled: bool,
        definition: &Definition,
        now: Millis,
    ) -> Result<Chatflow> {
        let json = serde_json::to_string(definition).map_err(|e| StoreError::Other(e.to_string()))?;
        let mut tx = self.begin().await?;
        let last: Option<(i64, i64)> = tx
            .fetch_optional(
                q("SELECT agent_bot_id, version FROM chatflows WHERE account_id = $1 AND inbox_id = $2 \
                   ORDER BY version DESC LIMIT 1")
                .bind(account_id.0)
                .bind(inbox.0),
            )
            .await?;
        let (bot, version) = match last {
            Some((bot, version)) => {
                tx.execute(
                    q("UPDATE agent_bots SET name = $3 WHERE account_id = $1 AND id = $2")
                        .bind(account_id.0)
                        .bind(bot)
                        .bind(bot_name),
                )
                .await?;
                (bot, version + 1)
            }
            None => {
                let (bot,): (i64,) = tx
                    .fetch_one(
                        q("INSERT INTO agent_bots (account_id, name, created_at) VALUES ($1, $2, $3) RETURNING id")
                            .bind(account_id.0)
                            .bind(bot_name)
                            .bind(now),
                    )
                    .await?;
                (bot, 1)
            }
        };
        let (id,): (i64,) = tx
            .fetch_one(
                q("INSERT INTO chatflows (account_id, inbox_id, agent_bot_id, version, enabled, definition, created_at) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id")
                .bind(account_id.0)
                .bind(inbox.0)
                .bind(bot)
                .bind(version)
                .bind(enabled)
                .bind(json)
                .bind(now),
            )
            .await?;
        tx.commit().await?;
        self.chatflow_version(account_id, id).await
    }

    /// Sets (or clears) a bot's picture; returns the key it replaces.
    pub async fn set_bot_avatar_key(
        &self,
        account_id: AccountId,
        bot: AgentBotId,
        key: Option<&str>,
    ) -> Result<Option<String>> {
        let mut tx = self.begin().await?;
        let (old,): (Option<String>,) = tx
            .fetch_one(
                q("SELECT avatar_key FROM agent_bots WHERE account_id = $1 AND id = $2").bind(account_id.0).bind(bot.0),
            )
            .await?;
        tx.execute(
            q("UPDATE agent_bots SET avatar_key = $3 WHERE account_id = $1 AND id = $2")
                .bind(account_id.0)
                .bind(bot.0)
                .bind(key),
        )
        .await?;
        tx.commit().await?;
        Ok(old)
    }
}
