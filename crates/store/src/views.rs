//! A conversation as the lists and threads show it: with its contact, its
//! assignee, team, bot and last message, read in one row.

use domain::*;

use crate::rows::*;

/// One conversation with its contact, assignee and last message, in one row.
#[derive(sqlx::FromRow)]
pub(crate) struct ViewRow {
    #[sqlx(flatten)]
    conversation: ConversationRow,
    channel_type: String,
    ct_name: String,
    ct_email: Option<String>,
    ct_phone_number: Option<String>,
    ct_identifier: Option<String>,
    ct_additional_attributes: String,
    ct_created_at: i64,
    ct_last_activity_at: i64,
    au_name: Option<String>,
    au_display_name: Option<String>,
    au_email: Option<String>,
    /// Last in the column list, read by name (added later).
    au_avatar_key: Option<String>,
    lm_id: Option<i64>,
    lm_seq: Option<i64>,
    lm_content: Option<String>,
    lm_message_type: Option<i64>,
    lm_private: Option<bool>,
    lm_sender_type: Option<String>,
    lm_sender_id: Option<i64>,
    lm_echo_id: Option<String>,
    lm_created_at: Option<i64>,
    tm_name: Option<String>,
    ab_name: Option<String>,
    ab_avatar_key: Option<String>,
    cached_label_list: String,
}

pub(crate) const VIEW_SELECT: &str = "SELECT c.id, c.account_id, c.display_id, c.inbox_id, \
    c.contact_id, c.status, c.assignee_id, c.last_seq, c.unread_count, c.last_activity_at, \
    c.agent_last_seen_at, c.contact_last_seen_at, c.additional_attributes, c.created_at, \
    i.channel_type, \
    ct.name AS ct_name, ct.email AS ct_email, ct.phone_number AS ct_phone_number, ct.identifier AS ct_identifier, \
    ct.additional_attributes AS ct_additional_attributes, ct.created_at AS ct_created_at, \
    ct.last_activity_at AS ct_last_activity_at, \
    au.name AS au_name, au.display_name AS au_display_name, au.email AS au_email, \
    lm.id AS lm_id, lm.seq AS lm_seq, lm.content AS lm_content, lm.message_type AS lm_message_type, \
    lm.private AS lm_private, lm.sender_type AS lm_sender_type, lm.sender_id AS lm_sender_id, \
    lm.echo_id AS lm_echo_id, lm.created_at AS lm_created_at, c.snoozed_until, au.avatar_key AS au_avatar_key, \
    c.team_id, c.agent_bot_id, tm.name AS tm_name, ab.name AS ab_name, ab.avatar_key AS ab_avatar_key, \
    c.cached_label_list, c.waiting_since \
    FROM conversations c \
    JOIN inboxes i ON i.id = c.inbox_id \
    JOIN contacts ct ON ct.id = c.contact_id \
    LEFT JOIN users au ON au.id = c.assignee_id \
    LEFT JOIN messages lm ON lm.id = c.last_message_id \
    LEFT JOIN teams tm ON tm.id = c.team_id \
    LEFT JOIN agent_bots ab ON ab.id = c.agent_bot_id";

/// The columns of [`VIEW_SELECT`], in order, from a rusqlite row.
impl<'a> TryFrom<&'a rusqlite::Row<'a>> for ViewRow {
    type Error = rusqlite::Error;
    fn try_from(r: &'a rusqlite::Row<'a>) -> rusqlite::Result<Self> {
        Ok(ViewRow {
            conversation: ConversationRow::try_from(r)?,
            channel_type: r.get(14)?,
            ct_name: r.get(15)?,
            ct_email: r.get(16)?,
            ct_phone_number: r.get(17)?,
            ct_identifier: r.get(18)?,
            ct_additional_attributes: r.get(19)?,
            ct_created_at: r.get(20)?,
            ct_last_activity_at: r.get(21)?,
            au_name: r.get(22)?,
            au_display_name: r.get(23)?,
            au_email: r.get(24)?,
            au_avatar_key: r.get("au_avatar_key")?,
            lm_id: r.get(25)?,
            lm_seq: r.get(26)?,
            lm_content: r.get(27)?,
            lm_message_type: r.get(28)?,
            lm_private: r.get(29)?,
            lm_sender_type: r.get(30)?,
            lm_sender_id: r.get(31)?,
            lm_echo_id: r.get(32)?,
            lm_created_at: r.get(33)?,
            tm_name: r.get("tm_name")?,
            ab_name: r.get("ab_name")?,
            ab_avatar_key: r.get("ab_avatar_key")?,
            cached_label_list: r.get("cached_label_list")?,
        })
    }
}

impl From<ViewRow> for ConversationView {
    fn from(r: ViewRow) -> Self {
        let conversation = Conversation::from(r.conversation);
        let contact = Contact {
            id: conversation.contact_id,
            account_id: conversation.account_id,
            name: r.ct_name,
            email: r.ct_email,
            phone_number: r.ct_phone_number,
            identifier: r.ct_identifier,
            additional_attributes: crate::json_map(&r.ct_additional_attributes),
            created_at: r.ct_created_at,
            last_activity_at: r.ct_last_activity_at,
        };
        let assignee = match (conversation.assignee_id, r.au_name, r.au_email) {
            (Some(id), Some(name), Some(email)) => {
                Some(UserSummary { id, name, display_name: r.au_display_name, email, avatar: r.au_avatar_key })
            }
            _ => None,
        };
        let last_message = r.lm_id.map(|id| {
            let sender = Sender::from_columns(r.lm_sender_type.as_deref().unwrap_or_default(), r.lm_sender_id);
            let sender_name = match sender {
                Sender::Contact(_) => Some(contact.name.clone()),
                _ => None,
            };
            Message {
                id: MessageId(id),
                account_id: conversation.account_id,
                inbox_id: conversation.inbox_id,
                conversation_id: conversation.id,
                display_id: conversation.display_id,
                seq: r.lm_seq.unwrap_or(0),
                content: r.lm_content.unwrap_or_default(),
                message_type: r.lm_message_type.and_then(MessageType::from_code).unwrap_or(MessageType::Activity),
                private: r.lm_private.unwrap_or(false),
                sender,
                sender_name,
                echo_id: r.lm_echo_id,
                content_attributes: Default::default(),
                created_at: r.lm_created_at.unwrap_or(0),
            }
        });
        let team = match (conversation.team_id, r.tm_name) {
            (Some(id), Some(name)) => Some(TeamSummary { id, name }),
            _ => None,
        };
        let bot = match (conversation.agent_bot_id, r.ab_name) {
            (Some(id), Some(name)) => Some(BotSummary { id, name, avatar: r.ab_avatar_key }),
            _ => None,
        };
        let labels = crate::labels::parse_label_list(&r.cached_label_list);
        ConversationView {
            conversation,
            contact,
            assignee,
            team,
            bot,
            last_message,
            channel_type: r.channel_type,
            labels,
        }
    }
}
