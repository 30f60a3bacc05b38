//! The whole path once, as a first check: a visitor writes, an agent answers.

use serde_json::{json, Value};

use crate::helpers::*;

#[tokio::test]
async fn a_visitor_message_reaches_an_agent_socket_and_the_reply_comes_back() {
    let app = TestApp::spawn().await;
    let (mut agent_ws, hello) = app.ws_auth(json!({"event": "authenticate", "access_token": app.admin_token})).await;
    assert_eq!(hello["role"], "agent");
    let (v, conversation) = app.visitor_with_conversation().await;
    let created = next_event(&mut agent_ws, "conversation.created").await;
    assert_eq!(created["data"]["id"], conversation);

    let (mut visitor_ws, _) = app.ws_auth(json!({"event": "authenticate", "pubsub_token": v.pubsub_token})).await;
    let sent = app.visitor_says(&v, conversation, "Hallo").await;
    let got = next_event(&mut agent_ws, "message.created").await;
    assert_eq!(got["data"]["id"], sent["id"]);
    assert_eq!(got["data"]["content"], "Hallo");

    // The visitor's own socket echoes its message too (other tabs see it).
    let echo = next_event(&mut visitor_ws, "message.created").await;
    assert_eq!(echo["data"]["id"], sent["id"]);
    app.agent_says(&app.admin_token, conversation, "Hi! How can I help?", false).await;
    let reply = next_event(&mut visitor_ws, "message.created").await;
    assert_eq!(reply["data"]["content"], "Hi! How can I help?");
    assert_eq!(reply["data"]["message_type"], 1);
    app.stop().await;
}

#[tokio::test]
async fn activity_lines_carry_attributes_for_translation_and_visitors_read_only_who_joined() {
    let app = TestApp::spawn().await;
    let (v, conversation) = app.visitor_with_conversation().await;
    let (mut visitor_ws, _) = app.ws_auth(json!({"event": "authenticate", "pubsub_token": v.pubsub_token})).await;
    let (anna, _) = app.create_user(1, "anna@example.com", domain::Role::Agent).await;
    let assign = app.api(&format!("/conversations/{conversation}/assignments"));
    for who in [json!(anna), json!(null)] {
        assert_eq!(app.post(&app.admin_token, &assign, json!({"assignee_id": who})).await.0, 200);
    }
    let toggle = app.api(&format!("/conversations/{conversation}/toggle_status"));
    assert_eq!(app.post(&app.admin_token, &toggle, json!({"status": "resolved"})).await.0, 200);
    app.visitor_says(&v, conversation, "marker").await;

    // The team reads every line, in English from the catalogue, with what
    // clients translate from.
    let team = app.agent_messages(&app.admin_token, conversation).await;
    let kinds: Vec<&str> = team.iter().filter_map(|m| m["content_attributes"]["activity"].as_str()).collect();
    assert_eq!(kinds, ["assigned", "joined", "unassigned", "resolved", "reopened_by_visitor"]);
    let closed = team.iter().find(|m| m["content_attributes"]["activity"] == "resolved").expect("the closing line");
    assert_eq!(closed["content_attributes"]["actor_name"], "owner");
    assert_eq!(closed["content"], "Conversation was closed by owner", "the catalogue's English");
    assert_eq!(closed["private"], true, "housekeeping is the team's");

    // The visitor reads who joined, by REST and over its socket, and nothing else.
    let seen = app.visitor_messages(&v, conversation).await;
    let lines: Vec<&Value> = seen.iter().filter(|m| m["message_type"] == 2).collect();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0]["content"], "anna joined the chat");
    assert_eq!(lines[0]["content_attributes"]["assignee_name"], "anna");
    let mut live = Vec::new();
    loop {
        let f = next_event(&mut visitor_ws, "message.created").await;
        if f["data"]["content"] == "marker" {
            break;
        }
        live.push(f["data"]["content_attributes"]["activity"].as_str().unwrap_or("").to_owned());
    }
    assert_eq!(live, ["joined"]);
    app.stop().await;
}

/// Group commit (store/src/batch.rs) stores concurrent messages in shared
/// transactions: each must still be stored once, acknowledged with its own seq,
/// and reach the agent's socket once, in seq order.
#[tokio::test]
async fn concurrent_messages_are_each_stored_and_delivered_once_in_seq_order() {
    let app = TestApp::spawn().await;
    let (mut agent_ws, _) = app.ws_auth(json!({"event": "authenticate", "access_token": app.admin_token})).await;
    let (v, conversation) = app.visitor_with_conversation().await;
    next_event(&mut agent_ws, "conversation.created").await;
    let sends = (0..60).map(|i| {
        let url = app.conv_path(&v, conversation, "/messages");
        let http = app.http.clone();
        async move {
            let res =
                http.post(url).json(&json!({"content": format!("m{i}"), "echo_id": format!("e{i}")})).send().await;
            let body: serde_json::Value = res.expect("send").json().await.expect("json");
            body["seq"].as_i64().expect("seq")
        }
    });
    let mut seqs = futures_util::future::join_all(sends).await;
    seqs.sort_unstable();
    seqs.dedup();
    assert_eq!(seqs.len(), 60, "every message got its own seq");
    let mut last = 0;
    for _ in 0..60 {
        let f = next_event(&mut agent_ws, "message.created").await;
        let seq = f["seq"].as_i64().expect("seq");
        assert!(seq > last, "frames in seq order");
        last = seq;
    }
    assert_eq!(app.visitor_messages(&v, conversation).await.len(), 60);
    app.stop().await;
}

/// The tab counts are kept in a table (not counted); after creating, assigning,
/// closing and reopening they must equal what the lists contain.
#[tokio::test]
async fn kept_counts_match_the_lists_after_every_kind_of_change() {
    let app = TestApp::spawn().await;
    let mut ids = Vec::new();
    for _ in 0..4 {
        ids.push(app.visitor_with_conversation().await.1);
    }
    let profile = app.get(&app.admin_token, &format!("{}/api/v1/profile", app.url)).await.1;
    let my_id = profile["id"].as_i64().expect("id");
    let app_ref = &app;
    let post = |path: String, body: serde_json::Value| async move {
        let url = app_ref.api(&path);
        assert_eq!(app_ref.post(&app_ref.admin_token, &url, body).await.0, 200)
    };
    post(format!("/conversations/{}/assignments", ids[0]), json!({"assignee_id": my_id})).await;
    post(format!("/conversations/{}/assignments", ids[1]), json!({"assignee_id": my_id})).await;
    post(format!("/conversations/{}/toggle_status", ids[1]), json!({"status": "resolved"})).await;
    post(format!("/conversations/{}/toggle_status", ids[2]), json!({"status": "resolved"})).await;
    post(format!("/conversations/{}/toggle_status", ids[2]), json!({"status": "open"})).await;
    post(format!("/conversations/{}/assignments", ids[0]), json!({"assignee_id": null})).await;
    for status in ["open", "resolved", "all"] {
        let meta = app.get(&app.admin_token, &app.api(&format!("/conversations/meta?status={status}"))).await.1;
        for (tab, key) in [
            ("me", "mine_count"),
            ("unassigned", "unassigned_count"),
            ("assigned", "assigned_count"),
            ("all", "all_count"),
        ] {
            let list = app
                .get(&app.admin_token, &app.api(&format!("/conversations?status={status}&assignee_type={tab}")))
                .await
                .1;
            let n = list["data"]["payload"].as_array().expect("payload").len() as i64;
            assert_eq!(meta["meta"][key].as_i64(), Some(n), "{status}/{tab}: {meta}");
        }
    }
    app.stop().await;
}
