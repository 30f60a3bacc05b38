//! The hot write path answers without reading back: the batch builds the stored
//! message from what it wrote and what the caller knew (store/src/batch.rs), and
//! on SQLite a second writer connection shares the write gate with the rest
//! (store/src/batch_sqlite.rs). These tests hold both to what a later read says.

use serde_json::{json, Value};

use crate::helpers::*;

/// The fields a visitor's and an agent's message list shows for one message.
fn find(list: &[Value], id: &Value) -> Value {
    list.iter().find(|m| &m["id"] == id).cloned().expect("the message in the list")
}

#[tokio::test]
async fn an_acknowledged_message_is_exactly_what_later_reads_return() {
    let app = TestApp::spawn().await;
    let (mut agent_ws, _) = app.ws_auth(json!({"event": "authenticate", "access_token": app.admin_token})).await;
    let (v, conversation) = app.visitor_with_conversation().await;
    next_event(&mut agent_ws, "conversation.created").await;
    // A name given after the visitor was created (and after its identifier was
    // first resolved) must show on the message: nothing stale from a cache.
    let (status, _) = app
        .send(
            reqwest::Method::PATCH,
            &app.client_api(&format!("/contacts/{}", v.source_id)),
            Some(json!({"name": "Ada Lovelace"})),
        )
        .await;
    assert_eq!(status, 200);

    let sent = app.visitor_says(&v, conversation, "Is the <b>roast</b> in stock?").await;
    let live = next_event(&mut agent_ws, "message.created").await;
    let stored = find(&app.visitor_messages(&v, conversation).await, &sent["id"]);
    assert_eq!(sent, stored, "the visitor's acknowledgement differs from the stored message");
    let for_agent = find(&app.agent_messages(&app.admin_token, conversation).await, &sent["id"]);
    assert_eq!(live["data"], for_agent, "the agent's live event differs from the stored message");
    assert_eq!(for_agent["sender"]["name"], "Ada Lovelace");

    let reply = app.agent_says(&app.admin_token, conversation, "Yes, 250 g and 1 kg.", false).await;
    let live = next_event(&mut agent_ws, "message.created").await;
    let stored = find(&app.agent_messages(&app.admin_token, conversation).await, &reply["id"]);
    assert_eq!(reply, stored, "the agent's acknowledgement differs from the stored message");
    assert_eq!(live["data"], stored);
    app.stop().await;
}

/// Messages go through the group-commit writer, status changes through the
/// other writer connection: at the same time, every one commits (no 503 from a
/// busy database) and each message is stored once.
#[tokio::test]
async fn messages_and_status_changes_at_the_same_time_all_commit() {
    let app = TestApp::spawn().await;
    let (v, conversation) = app.visitor_with_conversation().await;
    let messages = (0..40).map(|i| {
        let url = app.conv_path(&v, conversation, "/messages");
        let app = &app;
        async move { app.send(reqwest::Method::POST, &url, Some(json!({"content": format!("m{i}")}))).await.0 }
    });
    let toggles = (0..20).map(|i| {
        let url = app.api(&format!("/conversations/{conversation}/toggle_status"));
        let status = if i % 2 == 0 { "pending" } else { "open" };
        let app = &app;
        async move { app.post(&app.admin_token, &url, json!({"status": status})).await.0 }
    });
    let (a, b) = tokio::join!(futures_util::future::join_all(messages), futures_util::future::join_all(toggles));
    assert!(a.iter().chain(b.iter()).all(|s| *s == 200), "refused: messages {a:?}, status changes {b:?}");

    let list = app.agent_messages(&app.admin_token, conversation).await;
    let mut texts: Vec<&str> =
        list.iter().filter(|m| m["message_type"] == 0).filter_map(|m| m["content"].as_str()).collect();
    texts.sort_unstable();
    let mut want: Vec<String> = (0..40).map(|i| format!("m{i}")).collect();
    want.sort_unstable();
    assert_eq!(texts, want);
    app.stop().await;
}
