//! Contacts (visitors and other people the team talks to) and their inbox sessions.

use domain::*;

use crate::query::q;
use crate::rows::*;
use crate::{Result, Store};

/// The fields a contact update may change; `None` leaves one as it is.
#[derive(Default)]
pub struct ContactPatch {
    pub name: Option<String>,
    pub email: Option<Option<String>>,
    pub phone_number: Option<Option<String>>,
    pub additional_attributes: Option<serde_json::Map<String, serde_json::Value>>,
}

impl Store {
    /// Creates a contact with its session in one inbox. The tokens are stored as
    /// hashes only; the caller shows the plain ones to the visitor once.
    pub async fn create_visitor(
        &self,
        inbox: &Inbox,
        name: &str,
        source_id_hash: &str,
        pubsub_token_hash: &str,
        now: Millis,
    ) -> Result<(Contact, i64)> {
        let (contact, ci) = self
            .batch
            .visitor(crate::batch::OwnedVisitor {
                account_id: inbox.account_id,
                inbox_id: inbox.id,
                name: name.to_owned(),
                source_id_hash: source_id_hash.to_owned(),
                pubsub_token_hash: pubsub_token_hash.to_owned(),
                now,
            })
            .await?;
        self.memo.visitors.put(source_id_hash, (inbox.id, contact.id, ci));
        Ok((contact, ci))
    }

    /// The contact and inbox session behind a Client API contact identifier, in
    /// this inbox only. Asked by every visitor request, answered from memory
    /// after the first time (an identifier never changes hands).
    pub async fn visitor_by_source(&self, inbox_id: InboxId, source_id_hash: &str) -> Result<Option<(ContactId, i64)>> {
        if let Some((inbox, contact, ci)) = self.memo.visitors.get(source_id_hash) {
            return Ok((inbox == inbox_id).then_some((contact, ci)));
        }
        let sql = "SELECT contact_id, id FROM contact_inboxes WHERE inbox_id = $1 AND source_id_hash = $2";
        let row: Option<(i64, i64)> = self.point_optional(q(sql).bind(inbox_id.0).bind(source_id_hash)).await?;
        Ok(row.map(|(contact, ci)| {
            self.memo.visitors.put(source_id_hash, (inbox_id, ContactId(contact), ci));
            (ContactId(contact), ci)
        }))
    }

    /// The visitor behind a socket token: account, inbox, contact and inbox
    /// session. A visitor's contact has exactly one session (`create_visitor`);
    /// should a contact ever have several, the first one is answered, which
    /// only narrows what the socket may reach (`VisitorCtx` checks the inbox).
    pub async fn visitor_by_pubsub_hash(
        &self,
        pubsub_token_hash: &str,
    ) -> Result<Option<(AccountId, InboxId, ContactId, i64)>> {
        let sql = "SELECT ct.account_id, ci.inbox_id, ct.id, ci.id FROM contacts ct \
             JOIN contact_inboxes ci ON ci.contact_id = ct.id AND ci.account_id = ct.account_id \
             WHERE ct.pubsub_token_hash = $1 ORDER BY ci.id LIMIT 1";
        let row: Option<(i64, i64, i64, i64)> = self.point_optional(q(sql).bind(pubsub_token_hash)).await?;
        Ok(row.map(|(a, i, c, ci)| (AccountId(a), InboxId(i), ContactId(c), ci)))
    }

    pub async fn contact(&self, account_id: AccountId, id: ContactId) -> Result<Contact> {
        let sql = format!("SELECT {CONTACT_COLUMNS} FROM contacts ct WHERE ct.account_id = $1 AND ct.id = $2");
        let row: ContactRow = self.point_one(q(&sql).bind(account_id.0).bind(id.0)).await?;
        Ok(row.into())
    }

    /// A contact as an agent who sees `visible` inboxes (`None`: all) may see it:
    /// one with a session or conversation in one of them (`visible_to`).
    pub async fn visible_contact(
        &self,
        account_id: AccountId,
        visible: Option<&[InboxId]>,
        id: ContactId,
    ) -> Result<Contact> {
        let sql = format!(
            "SELECT {CONTACT_COLUMNS} FROM contacts ct WHERE ct.account_id = $1 AND ct.id = $2 AND {}",
            visible_to(visible)
        );
        let row: ContactRow = self.point_one(q(&sql).bind(account_id.0).bind(id.0)).await?;
        Ok(row.into())
    }

    /// Contacts of an account an agent who sees `visible` inboxes may see,
    /// newest first; `query` matches name, email, phone number or identifier
    /// (case-insensitive substring).
    pub async fn contacts(
        &self,
        account_id: AccountId,
        visible: Option<&[InboxId]>,
        query: Option<&str>,
        page: i64,
    ) -> Result<(Vec<Contact>, i64)> {
        let pattern = query.map(|q| format!("%{}%", escape_like(&q.to_lowercase())));
        let filter = format!(
            "ct.account_id = $1 AND {} AND ($2 IS NULL OR LOWER(ct.name) LIKE $2 ESCAPE '\\' \
             OR LOWER(COALESCE(ct.email, '')) LIKE $2 ESCAPE '\\' OR COALESCE(ct.phone_number, '') LIKE $2 ESCAPE '\\' \
             OR LOWER(COALESCE(ct.identifier, '')) LIKE $2 ESCAPE '\\')",
            visible_to(visible)
        );
        let offset = (page.max(1) - 1) * 15;
        let list =
            format!("SELECT {CONTACT_COLUMNS} FROM contacts ct WHERE {filter} ORDER BY ct.id DESC LIMIT 15 OFFSET $3");
        let rows: Vec<ContactRow> =
            self.read_all(q(&list).bind(account_id.0).bind(pattern.as_deref()).bind(offset)).await?;
        let count = format!("SELECT COUNT(*) FROM contacts ct WHERE {filter}");
        let (count,): (i64,) = self.read_one(q(&count).bind(account_id.0).bind(pattern.as_deref())).await?;
        Ok((rows.into_iter().map(Into::into).collect(), count))
    }

    pub async fn update_contact(
        &self,
        account_id: AccountId,
        id: ContactId,
        patch: ContactPatch,
        now: Millis,
    ) -> Result<Contact> {
        let current = self.contact(account_id, id).await?;
        let name = patch.name.unwrap_or(current.name);
        let email = patch.email.unwrap_or(current.email);
        let phone = patch.phone_number.unwrap_or(current.phone_number);
        let mut attrs = current.additional_attributes;
        if let Some(extra) = patch.additional_attributes {
            attrs.extend(extra);
        }
        let attrs = serde_json::Value::Object(attrs).to_string();
        let sql = format!(
            "UPDATE contacts SET name = $3, email = $4, phone_number = $5, additional_attributes = $6, \
             last_activity_at = $7 WHERE account_id = $1 AND id = $2 RETURNING {CONTACT_RETURNING}"
        );
        let row: ContactRow = self
            .write_one(q(&sql).bind(account_id.0).bind(id.0).bind(name).bind(email).bind(phone).bind(attrs).bind(now))
            .await?;
        Ok(row.into())
    }
}

/// Agents see a contact with a contact inbox (a widget session; an email
/// thread later) in one of their inboxes: every conversation has one.
/// Administrators (`None`) see every contact of the account.
fn visible_to(visible: Option<&[InboxId]>) -> String {
    match visible {
        None => "TRUE".to_owned(),
        Some(ids) => format!(
            "EXISTS (SELECT 1 FROM contact_inboxes ci WHERE ci.contact_id = ct.id AND ci.account_id = ct.account_id \
             AND {})",
            crate::query::in_inboxes("ci.inbox_id", ids)
        ),
    }
}

fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}
