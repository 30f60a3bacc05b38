//! Labels (Chatwoot's): an account's coloured tags, and which conversations
//! and contacts carry them. A conversation's titles are also kept, sorted and
//! comma-joined, in `cached_label_list`, rewritten in the transaction that
//! changes them, so every view reads them in its one row.

use std::collections::BTreeMap;

use domain::*;

use crate::query::q;
use crate::{Conflict, EventRecord, Result, Store, StoreError, Tx};

type LabelRow = (i64, i64, String, String, String, bool);

const LABEL_COLUMNS: &str = "id, account_id, title, description, color, show_on_sidebar";

fn label(r: LabelRow) -> Label {
    let (id, account_id, title, description, color, show_on_sidebar) = r;
    Label { id: LabelId(id), account_id: AccountId(account_id), title, description, color, show_on_sidebar }
}

/// A label's fields as saved.
pub struct LabelFields<'a> {
    pub title: &'a str,
    pub description: &'a str,
    pub color: &'a str,
    pub show_on_sidebar: bool,
}

/// A unique violation on a label is its title (the only unique column).
fn title_taken(e: StoreError) -> StoreError {
    match e {
        StoreError::Conflict(_) => StoreError::Conflict(Conflict::LabelTitle),
        e => e,
    }
}

/// The titles of the labels a conversation or contact carries, as stored in
/// `cached_label_list`.
pub fn label_list(titles: &[String]) -> String {
    let mut sorted: Vec<&str> = titles.iter().map(String::as_str).collect();
    sorted.sort_unstable();
    sorted.dedup();
    sorted.join(",")
}

/// `cached_label_list` back as titles.
pub fn parse_label_list(list: &str) -> Vec<String> {
    list.split(',').filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

impl Store {
    pub async fn labels(&self, account_id: AccountId) -> Result<Vec<Label>> {
        let sql = format!("SELECT {LABEL_COLUMNS} FROM labels WHERE account_id = $1 ORDER BY title, id");
        let rows: Vec<LabelRow> = self.read_all(q(&sql).bind(account_id.0)).await?;
        Ok(rows.into_iter().map(label).collect())
    }

    pub async fn label(&self, account_id: AccountId, id: LabelId) -> Result<Label> {
        let sql = format!("SELECT {LABEL_COLUMNS} FROM labels WHERE account_id = $1 AND id = $2");
        Ok(label(self.read_one(q(&sql).bind(account_id.0).bind(id.0)).await?))
    }

    /// `Conflict(LabelTitle)` when the account has a label of that title.
    pub async fn create_label(&self, account_id: AccountId, f: &LabelFields<'_>, now: Millis) -> Result<Label> {
        let sql = format!(
            "INSERT INTO labels (account_id, title, description, color, show_on_sidebar, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING {LABEL_COLUMNS}"
        );
        let query = q(&sql).bind(account_id.0).bind(f.title).bind(f.description).bind(f.color).bind(f.show_on_sidebar);
        Ok(label(self.write_one(query.bind(now)).await.map_err(title_taken)?))
    }

    /// Saves a label; a new title (only) is rewritten into the lists of the
    /// conversations that carry it, in the same transaction, each with a
    /// team-only `conversation.updated` event.
    pub async fn update_label(
        &self,
        account_id: AccountId,
        id: LabelId,
        f: &LabelFields<'_>,
        now: Millis,
    ) -> Result<(Label, Vec<EventRecord>)> {
        let mut tx = self.begin().await?;
        let old: Option<(String,)> = tx
            .fetch_optional(
                q("SELECT title FROM labels WHERE account_id = $1 AND id = $2").bind(account_id.0).bind(id.0),
            )
            .await?;
        let Some((old_title,)) = old else { return Err(StoreError::NotFound) };
        let sql = format!(
            "UPDATE labels SET title = $3, description = $4, color = $5, show_on_sidebar = $6 \
             WHERE account_id = $1 AND id = $2 RETURNING {LABEL_COLUMNS}"
        );
        let query = q(&sql).bind(account_id.0).bind(id.0).bind(f.title).bind(f.description).bind(f.color);
        let row: Option<LabelRow> = tx.fetch_optional(query.bind(f.show_on_sidebar)).await.map_err(title_taken)?;
        let saved = label(row.ok_or(StoreError::NotFound)?);
        // Lists hold titles only: a new colour or description changes none.
        let records = if saved.title == old_title {
            Vec::new()
        } else {
            let carriers = tx.conversations_with_label(account_id, id).await?;
            tx.refresh_label_lists(account_id, &carriers, now).await?
        };
        tx.commit().await?;
        Ok((saved, records))
    }

    /// Deletes a label: it leaves every conversation and contact that carried
    /// it, in the same transaction.
    pub async fn delete_label(&self, account_id: AccountId, id: LabelId, now: Millis) -> Result<Vec<EventRecord>> {
        let mut tx = self.begin().await?;
        let carriers = tx.conversations_with_label(account_id, id).await?;
        let both = (account_id.0, id.0);
        tx.execute(
            q("DELETE FROM conversation_labels WHERE account_id = $1 AND label_id = $2").bind(both.0).bind(both.1),
        )
        .await?;
        tx.execute(q("DELETE FROM contact_labels WHERE account_id = $1 AND label_id = $2").bind(both.0).bind(both.1))
            .await?;
        let gone =
            tx.execute(q("DELETE FROM labels WHERE account_id = $1 AND id = $2").bind(both.0).bind(both.1)).await?;
        if gone == 0 {
            return Err(StoreError::NotFound);
        }
        let records = tx.refresh_label_lists(account_id, &carriers, now).await?;
        tx.commit().await?;
        Ok(records)
    }

    /// The contact's labels' titles, sorted.
    pub async fn contact_labels(&self, account_id: AccountId, contact: ContactId) -> Result<Vec<String>> {
        let rows: Vec<(String,)> = self
            .read_all(
                q("SELECT l.title FROM contact_labels cl JOIN labels l ON l.id = cl.label_id \
                   WHERE cl.account_id = $1 AND cl.contact_id = $2 ORDER BY l.title")
                .bind(account_id.0)
                .bind(contact.0),
            )
            .await?;
        Ok(rows.into_iter().map(|(t,)| t).collect())
    }

    /// Replaces the contact's labels with `labels` (the account's, resolved
    /// by the caller). `NotFound` when the contact is not the account's.
    pub async fn set_contact_labels(
        &self,
        account_id: AccountId,
        contact: ContactId,
        labels: &[LabelId],
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let found: Option<(i64,)> = tx
            .fetch_optional(
                q("SELECT id FROM contacts WHERE account_id = $1 AND id = $2").bind(account_id.0).bind(contact.0),
            )
            .await?;
        if found.is_none() {
            return Err(StoreError::NotFound);
        }
        tx.execute(
            q("DELETE FROM contact_labels WHERE account_id = $1 AND contact_id = $2")
                .bind(account_id.0)
                .bind(contact.0),
        )
        .await?;
        for l in labels {
            tx.execute(
                q("INSERT INTO contact_labels (account_id, contact_id, label_id) VALUES ($1, $2, $3)")
                    .bind(account_id.0)
                    .bind(contact.0)
                    .bind(l.0),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

impl Tx {
    /// Replaces the conversation's labels with `labels` (the account's),
    /// under the caller's lock of it; its `cached_label_list` follows.
    pub async fn set_conversation_labels(
        &mut self,
        account_id: AccountId,
        conversation: ConversationId,
        labels: &[Label],
    ) -> Result<()> {
        self.execute(
            q("DELETE FROM conversation_labels WHERE account_id = $1 AND conversation_id = $2")
                .bind(account_id.0)
                .bind(conversation.0),
        )
        .await?;
        for l in labels {
            self.execute(
                q("INSERT INTO conversation_labels (account_id, conversation_id, label_id) VALUES ($1, $2, $3)")
                    .bind(account_id.0)
                    .bind(conversation.0)
                    .bind(l.id.0),
            )
            .await?;
        }
        let titles: Vec<String> = labels.iter().map(|l| l.title.clone()).collect();
        self.execute(
            q("UPDATE conversations SET cached_label_list = $3 WHERE account_id = $1 AND id = $2")
                .bind(account_id.0)
                .bind(conversation.0)
                .bind(label_list(&titles)),
        )
        .await?;
        Ok(())
    }

    /// The conversation's labels' titles now, sorted (read under its lock).
    pub async fn conversation_label_titles(
        &mut self,
        account_id: AccountId,
        conversation: ConversationId,
    ) -> Result<Vec<String>> {
        let rows: Vec<(String,)> = self
            .fetch_all(
                q("SELECT l.title FROM conversation_labels cl JOIN labels l ON l.id = cl.label_id \
                   WHERE cl.account_id = $1 AND cl.conversation_id = $2 ORDER BY l.title")
                .bind(account_id.0)
                .bind(conversation.0),
            )
            .await?;
        Ok(rows.into_iter().map(|(t,)| t).collect())
    }

    async fn conversations_with_label(&mut self, account_id: AccountId, id: LabelId) -> Result<Vec<i64>> {
        let rows: Vec<(i64,)> = self
            .fetch_all(
                q("SELECT conversation_id FROM conversation_labels WHERE account_id = $1 AND label_id = $2 \
                   ORDER BY conversation_id")
                .bind(account_id.0)
                .bind(id.0),
            )
            .await?;
        Ok(rows.into_iter().map(|(c,)| c).collect())
    }

    /// Rewrites the `cached_label_list` of `conversations` from their join
    /// rows (after a label was renamed or deleted), each with its event.
    async fn refresh_label_lists(
        &mut self,
        account_id: AccountId,
        conversations: &[i64],
        now: Millis,
    ) -> Result<Vec<EventRecord>> {
        let mut records = Vec::with_capacity(conversations.len());
        for chunk in conversations.chunks(500) {
            let ids = chunk.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
            let sql = format!(
                "SELECT cl.conversation_id, l.title FROM conversation_labels cl JOIN labels l ON l.id = cl.label_id \
                 WHERE cl.account_id = $1 AND cl.conversation_id IN ({ids})"
            );
            let rows: Vec<(i64, String)> = self.fetch_all(q(&sql).bind(account_id.0)).await?;
            let mut lists: BTreeMap<i64, Vec<String>> = chunk.iter().map(|c| (*c, Vec::new())).collect();
            for (c, title) in rows {
                lists.entry(c).or_default().push(title);
            }
            for (c, titles) in lists {
                self.execute(
                    q("UPDATE conversations SET cached_label_list = $3 WHERE account_id = $1 AND id = $2")
                        .bind(account_id.0)
                        .bind(c)
                        .bind(label_list(&titles)),
                )
                .await?;
                records.push(
                    self.append_team_event(account_id, ConversationId(c), EventKind::ConversationUpdated, now).await?,
                );
            }
        }
        Ok(records)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_label_list_is_sorted_unique_and_reads_back() {
        let list = label_list(&["vip".into(), "billing".into(), "vip".into()]);
        assert_eq!(list, "billing,vip");
        assert_eq!(parse_label_list(&list), vec!["billing", "vip"]);
        assert!(parse_label_list("").is_empty());
    }
}
