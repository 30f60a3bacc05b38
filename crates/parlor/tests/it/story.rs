//! The store's story (Atuin's `db_story.rs`): one conversation written
//! through every path that inserts into `messages` and `events` (the group
//! commit for an agent's and a visitor's message, a resend, a refused write,
//! activity lines and conversation events in a use case's transaction), with
//! a fixed clock. The stored rows are checked column by column against what
//! each write answered, and on the PostgreSQL pass the same story on SQLite
//! and on PostgreSQL must leave identical rows.

use domain::*;
use sqlx::Connection;
use store::{Activity, Appended, NewConversation, NewMessage, NewUser, NewVisitorMessage, Store, StoreConfig};

use crate::helpers::*;

/// A `messages` row, every column.
#[derive(Debug, PartialEq, sqlx::FromRow)]
struct MessageRow {
    id: i64,
    account_id: i64,
    inbox_id: i64,
    conversation_id: i64,
    seq: i64,
    content: String,
    message_type: i64,
    private: bool,
    sender_type: String,
    sender_id: Option<i64>,
    echo_id: Option<String>,
    content_attributes: String,
    created_at: i64,
}
type EventRow = (i64, i64, i64, i64, i64, String, bool, Option<i64>, i64);

const MESSAGES: &str = "SELECT id, account_id, inbox_id, conversation_id, seq, content, message_type, private, \
    sender_type, sender_id, echo_id, content_attributes, created_at FROM messages ORDER BY id";
const EVENTS: &str = "SELECT account_id, seq, inbox_id, conversation_id, conversation_seq, kind, private, \
    message_id, created_at FROM events ORDER BY account_id, seq";

const T0: Millis = 1_750_000_000_000;

/// Writes the story; returns the messages as each write answered them.
async fn write_story(store: &Store) -> Vec<Message> {
    let (account, _) = store.ensure_first_account("Story", T0).await.expect("account");
    let color = HexColor::parse("#123456").expect("color");
    let inbox = store
        .create_inbox(
            store::NewInbox {
                account_id: account,
                name: "Website",
                website_token: "story-token",
                website_url: "",
                widget_color: &color,
                welcome_title: "",
                welcome_tagline: "",
            },
            T0,
        )
        .await
        .expect("inbox");
    let email = EmailAddress::parse("anna@example.com").expect("email");
    let name = PersonName::parse("Anna").expect("name");
    let user = store
        .create_user(
            NewUser {
                account_id: account,
                email: &email,
                name: &name,
                password_hash: "x",
                access_token_hash: "story-access",
                role: Role::Agent,
            },
            T0,
        )
        .await
        .expect("user");
    let (contact, ci) =
        store.create_visitor(&inbox, "Vera", "story-source", "story-pubsub", T0 + 1).await.expect("visitor");
    let (other, other_ci) =
        store.create_visitor(&inbox, "Otto", "other-source", "other-pubsub", T0 + 1).await.expect("other");

    let mut tx = store.begin().await.expect("begin");
    let new = |contact: &Contact, ci| NewConversation {
        account_id: account,
        inbox_id: inbox.id,
        contact_id: contact.id,
        contact_inbox_id: ci,
        additional_attributes: Default::default(),
        bot: None,
    };
    let (conversation, _) = tx.create_conversation(&new(&contact, ci), T0 + 2).await.expect("conversation");
    let (_, _) = tx.create_conversation(&new(&other, other_ci), T0 + 2).await.expect("other's conversation");
    tx.commit().await.expect("commit");
    let display = store.conversation_view(account, conversation).await.expect("view").conversation.display_id;

    let mut answered = Vec::new();
    let hello = MessageBody::parse("hello".into()).expect("body");
    let echo = EchoId::parse("echo-1".into()).expect("echo");
    let visitor_message = |body, echo, display_id, now| NewVisitorMessage {
        account_id: account,
        inbox_id: inbox.id,
        contact_id: contact.id,
        display_id,
        body,
        echo_id: echo,
        now,
    };
    match store.append_visitor_message(visitor_message(&hello, Some(&echo), display, T0 + 3)).await.expect("visitor") {
        Appended::New(m, ..) => answered.push(m),
        Appended::Existing(_) => panic!("a first send is new"),
    }
    // The same echo_id again writes nothing and answers the stored message.
    match store.append_visitor_message(visitor_message(&hello, Some(&echo), display, T0 + 4)).await.expect("resend") {
        Appended::Existing(m) => assert_eq!(m.id, answered[0].id),
        Appended::New(..) => panic!("a resend stored a second message"),
    }
    // Otto's conversation is not Vera's: nothing is written.
    let not_hers = store.append_visitor_message(visitor_message(&hello, None, DisplayId(display.0 + 1), T0 + 4)).await;
    assert!(matches!(not_hers, Err(store::StoreError::NotFound)), "wrote into another visitor's conversation");

    let reply = MessageBody::parse("hi, how can I help?".into()).expect("body");
    let agent_message = |body, private, now| NewMessage {
        account_id: account,
        conversation_id: conversation,
        body,
        message_type: MessageType::Outgoing,
        private,
        sender: Sender::User(user),
        echo_id: None,
        display_id: display,
        sender_name: Some("Anna".into()),
        now,
    };
    for (body, private, now) in [(&reply, false, T0 + 5), (&reply, true, T0 + 6)] {
        match store.append_message(agent_message(body, private, now)).await.expect("agent") {
            Appended::New(m, ..) => answered.push(m),
            Appended::Existing(_) => panic!("no echo_id, so new"),
        }
    }

    let mut tx = store.begin().await.expect("begin");
    let activity = Activity {
        text: "Conversation was marked resolved by Anna".into(),
        attributes: serde_json::json!({"activity": "resolved", "actor_name": "Anna"}),
        private: true,
    };
    tx.insert_activity(account, conversation, &activity, T0 + 7).await.expect("activity");
    tx.append_conversation_event(account, conversation, EventKind::StatusChanged, T0 + 7).await.expect("event");
    tx.commit().await.expect("commit");
    answered
}

async fn sqlite_rows(conn: &mut sqlx::SqliteConnection) -> (Vec<MessageRow>, Vec<EventRow>) {
    let messages = sqlx::query_as(MESSAGES).fetch_all(&mut *conn).await.expect("messages");
    (messages, sqlx::query_as(EVENTS).fetch_all(&mut *conn).await.expect("events"))
}

async fn pg_rows(conn: &mut sqlx::PgConnection) -> (Vec<MessageRow>, Vec<EventRow>) {
    let messages = sqlx::query_as(MESSAGES).fetch_all(&mut *conn).await.expect("messages");
    (messages, sqlx::query_as(EVENTS).fetch_all(&mut *conn).await.expect("events"))
}

/// The story's rows, checked against what the writes answered.
fn check(messages: &[MessageRow], events: &[EventRow], answered: &[Message]) {
    assert_eq!(messages.len(), 4, "three messages and one activity line: {messages:#?}");
    for (row, m) in messages.iter().zip(answered) {
        let (sender_type, sender_id) = m.sender.columns();
        let expected = MessageRow {
            id: m.id.0,
            account_id: m.account_id.0,
            inbox_id: m.inbox_id.0,
            conversation_id: m.conversation_id.0,
            seq: m.seq,
            content: m.content.clone(),
            message_type: m.message_type.code(),
            private: m.private,
            sender_type: sender_type.into(),
            sender_id,
            echo_id: m.echo_id.clone(),
            content_attributes: "{}".into(),
            created_at: m.created_at,
        };
        assert_eq!(row, &expected, "a stored message differs from the answer");
    }
    let activity = &messages[3];
    assert_eq!(
        (activity.message_type, activity.private, activity.sender_type.as_str(), activity.sender_id),
        (2, true, "system", None)
    );
    assert_eq!(activity.content_attributes, r#"{"activity":"resolved","actor_name":"Anna"}"#);
    // Seqs: the conversation's run 1 (created) … 6 without gaps; the
    // account's run without gaps over both conversations.
    let ours: Vec<i64> = events.iter().filter(|e| e.3 == messages[0].conversation_id).map(|e| e.4).collect();
    assert_eq!(ours, [1, 2, 3, 4, 5, 6]);
    let seqs: Vec<i64> = events.iter().map(|e| e.1).collect();
    assert_eq!(seqs, (1..=events.len() as i64).collect::<Vec<_>>());
    let kinds: Vec<&str> = events.iter().map(|e| e.5.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "conversation.created",
            "conversation.created",
            "message.created",
            "message.created",
            "message.created",
            "message.created",
            "conversation.status_changed"
        ]
    );
    for (e, m) in events.iter().filter(|e| e.7.is_some()).zip(messages) {
        assert_eq!(
            (e.7, e.6, e.4, e.8),
            (Some(m.id), m.private, m.seq, m.created_at),
            "a message's event differs from its row"
        );
    }
}

async fn sqlite_story() -> (Vec<MessageRow>, Vec<EventRow>) {
    let dir = tempfile_dir::TempDir::new();
    let path = dir.0.join("story.sqlite3");
    let store = Store::open(&StoreConfig::Sqlite { path: path.clone() }).await.expect("open SQLite");
    let answered = write_story(&store).await;
    store.close().await;
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display())).await.expect("open");
    let (messages, events) = sqlite_rows(&mut conn).await;
    check(&messages, &events, &answered);
    (messages, events)
}

#[tokio::test]
async fn every_write_path_stores_the_rows_it_answers() {
    let sqlite = sqlite_story().await;
    let (_dir, Some(url)) = fresh_database().await else { return };
    let store = Store::open(&StoreConfig::Postgres { url: url.clone() }).await.expect("open PostgreSQL");
    let answered = write_story(&store).await;
    store.close().await;
    let mut conn = sqlx::PgConnection::connect(&url).await.expect("connect");
    let (messages, events) = pg_rows(&mut conn).await;
    check(&messages, &events, &answered);
    assert_eq!(messages, sqlite.0, "SQLite and PostgreSQL stored different messages");
    assert_eq!(events, sqlite.1, "SQLite and PostgreSQL stored different events");
}
