//! Who is looking and who is typing (I4): `viewing` frames, `viewers.update`
//! for the agents who may see the conversation, the reply guard
//! (`check_collision`) and the inbox's "only the assignee replies".

use domain::Role;
use serde_json::{json, Value};

use crate::helpers::*;

fn agent_auth(token: &str) -> Value {
    json!({"event": "authenticate", "access_token": token})
}

fn viewing(conversation: i64, composing: Option<&str>) -> String {
    json!({"event": "viewing", "conversation": conversation, "composing": composing}).to_string()
}

/// The viewers of `conversation` in the next `viewers.update` that names it.
async fn next_viewers_of(ws: &mut Ws, conversation: i64) -> Value {
    loop {
        let frame = next_event(ws, "viewers.update").await;
        let list = &frame["data"]["conversations"][conversation.to_string()];
        if !list.is_null() {
            return list.clone();
        }
    }
}

/// Waits until an update says `conversation`'s viewers are `expected`
/// (earlier batches may show a step before it).
async fn viewers_become(ws: &mut Ws, conversation: i64, expected: Value) {
    loop {
        if next_viewers_of(ws, conversation).await == expected {
            return;
        }
    }
}

#[tokio::test]
async fn two_agents_on_one_conversation_see_each_other_and_what_they_write() {
    let app = TestApp::spawn().await;
    let (anna, anna_token) = app.create_user(1, "anna@example.com", Role::Agent).await;
    let (_, conversation) = app.visitor_with_conversation().await;
    let (mut admin, hello) = app.ws_auth(agent_auth(&app.admin_token)).await;
    let admin_id = hello["user_id"].as_i64().expect("id");
    let first = next_event(&mut admin, "viewers.update").await;
    assert_eq!(first["data"]["full"], true, "{first}");
    let (mut ben, _) = app.ws_auth(agent_auth(&anna_token)).await;

    send_text(&mut admin, &viewing(conversation, None)).await;
    viewers_become(&mut ben, conversation, json!([{"id": admin_id, "composing": null}])).await;
    send_text(&mut ben, &viewing(conversation, Some("reply"))).await;
    let both = json!([{"id": admin_id, "composing": null}, {"id": anna, "composing": "reply"}]);
    viewers_become(&mut admin, conversation, both).await;
    send_text(&mut ben, &viewing(conversation, Some("comment"))).await;
    let comment = json!([{"id": admin_id, "composing": null}, {"id": anna, "composing": "comment"}]);
    viewers_become(&mut admin, conversation, comment).await;

    // A socket that connects now hears of both at once.
    let (mut third, _) = app.ws_auth(agent_auth(&app.admin_token)).await;
    let full = next_event(&mut third, "viewers.update").await;
    assert_eq!(full["data"]["conversations"][conversation.to_string()].as_array().map(Vec::len), Some(2), "{full}");

    // Closing the tab ends the sighting at once, not at its expiry.
    ben.close(None).await.expect("close");
    viewers_become(&mut admin, conversation, json!([{"id": admin_id, "composing": null}])).await;
    // Going elsewhere (null) ends it too.
    send_text(&mut admin, &json!({"event": "viewing", "conversation": null}).to_string()).await;
    viewers_become(&mut third, conversation, json!([])).await;
    app.stop().await;
}

#[tokio::test]
async fn viewers_stay_within_the_inboxes_an_agent_may_see_and_never_reach_a_visitor() {
    let app = TestApp::spawn().await;
    let (anna, anna_token) = app.create_user(1, "anna@example.com", Role::Agent).await;
    let (sales, sales_token) = app.new_inbox(1, "Sales").await;
    app.sql(&format!("DELETE FROM inbox_members WHERE inbox_id = {sales} AND user_id = {anna}")).await;
    let (_, hidden) = app.conversation_in(&sales_token).await;
    let (v, shown) = app.visitor_with_conversation().await;
    let (mut anna_ws, _) = app.ws_auth(agent_auth(&anna_token)).await;
    let (mut admin, _) = app.ws_auth(agent_auth(&app.admin_token)).await;
    let (mut visitor, _) = app.ws_auth(json!({"event": "authenticate", "pubsub_token": v.pubsub_token})).await;

    // Anna cannot announce herself in a conversation she may not see.
    send_text(&mut anna_ws, &viewing(hidden, Some("reply"))).await;
    let refused = next_event(&mut anna_ws, "viewing.error").await;
    assert_eq!(refused["data"], json!({"conversation": hidden, "code": "not_found"}));
    // The administrator views both; Anna hears only of the one she may see.
    send_text(&mut admin, &viewing(hidden, None)).await;
    send_text(&mut admin, &viewing(shown, Some("reply"))).await;
    let update = next_viewers_of(&mut anna_ws, shown).await;
    assert_eq!(update[0]["composing"], "reply");
    let (mut again, _) = app.ws_auth(agent_auth(&anna_token)).await;
    let full = next_event(&mut again, "viewers.update").await;
    assert!(full["data"]["conversations"].get(hidden.to_string()).is_none(), "{full}");
    assert!(full["data"]["conversations"].get(shown.to_string()).is_some(), "{full}");

    // The visitor's socket hears nothing of it; its next frame is the reply.
    app.agent_says(&app.admin_token, shown, "Hello", false).await;
    let next = next_json(&mut visitor).await;
    assert_eq!(next["event"], "message.created", "{next}");
    // A visitor's `viewing` frame is not part of its protocol.
    send_text(&mut visitor, &viewing(shown, None)).await;
    assert_eq!(close_code(&mut visitor).await, Some(1007));
    // Nor is a made-up composing state an agent's.
    send_text(&mut again, &viewing(shown, Some("dancing"))).await;
    assert_eq!(close_code(&mut again).await, Some(1007));
    app.stop().await;
}

#[tokio::test]
async fn a_reply_with_check_collision_waits_for_the_agent_who_is_replying() {
    let app = TestApp::spawn().await;
    let (_, anna_token) = app.create_user(1, "anna.berg@example.com", Role::Agent).await;
    let (_, conversation) = app.visitor_with_conversation().await;
    let (mut anna_ws, _) = app.ws_auth(agent_auth(&anna_token)).await;
    let (mut admin, _) = app.ws_auth(agent_auth(&app.admin_token)).await;
    send_text(&mut anna_ws, &viewing(conversation, Some("reply"))).await;
    next_viewers_of(&mut admin, conversation).await;

    let url = app.api(&format!("/conversations/{conversation}/messages"));
    let guarded = app.post(&app.admin_token, &url, json!({"content": "Mine", "check_collision": true})).await;
    assert_error(&guarded, 409, "reply_collision");
    assert_eq!(guarded.1["user"]["name"], "anna berg", "{}", guarded.1);
    assert!(guarded.1["message"].as_str().unwrap_or("").contains("anna berg"));
    // Nothing was stored.
    assert!(!app.agent_messages(&app.admin_token, conversation).await.iter().any(|m| m["content"] == "Mine"));
    // A comment is no collision, and neither is a request that does not ask.
    let comment = json!({"content": "Note", "private": true, "check_collision": true});
    assert_eq!(app.post(&app.admin_token, &url, comment).await.0, 200);
    assert_eq!(app.post(&app.admin_token, &url, json!({"content": "Send anyway"})).await.0, 200);
    // Anna writing a comment instead lets the guarded reply through.
    send_text(&mut anna_ws, &viewing(conversation, Some("comment"))).await;
    next_viewers_of(&mut admin, conversation).await;
    let ok = app.post(&app.admin_token, &url, json!({"content": "Now", "check_collision": "true"})).await;
    assert_eq!(ok.0, 200, "{}", ok.1);
    app.stop().await;
}

#[tokio::test]
async fn an_inbox_can_let_only_the_assignee_reply() {
    let app = TestApp::spawn().await;
    let (anna, anna_token) = app.create_user(1, "anna@example.com", Role::Agent).await;
    let (_, conversation) = app.visitor_with_conversation().await;
    let inbox = app.conversation(&app.admin_token, conversation).await["inbox_id"].as_i64().expect("inbox");
    let settings = app.api(&format!("/inboxes/{inbox}"));
    let (status, body) =
        app.send_as(&app.admin_token, reqwest::Method::PATCH, &settings, json!({"only_assignee_replies": true})).await;
    assert_eq!((status, &body["only_assignee_replies"]), (200, &json!(true)), "{body}");
    // An agent may not change it.
    let (status, _) =
        app.send_as(&anna_token, reqwest::Method::PATCH, &settings, json!({"only_assignee_replies": false})).await;
    assert_eq!(status, 403);

    let assign = app.api(&format!("/conversations/{conversation}/assignments"));
    assert_eq!(app.post(&app.admin_token, &assign, json!({"assignee_id": anna})).await.0, 200);
    let url = app.api(&format!("/conversations/{conversation}/messages"));
    // The administrator is not the assignee either: refused, with a reason.
    let refused = app.post(&app.admin_token, &url, json!({"content": "Hi"})).await;
    assert_error(&refused, 403, "assignee_only");
    // Comments stay open to everyone; the assignee replies.
    assert_eq!(app.post(&app.admin_token, &url, json!({"content": "Note", "private": true})).await.0, 200);
    assert_eq!(app.post(&anna_token, &url, json!({"content": "Hi, Anna here"})).await.0, 200);
    let contents: Vec<Value> =
        app.agent_messages(&app.admin_token, conversation).await.iter().map(|m| m["content"].clone()).collect();
    assert!(!contents.contains(&json!("Hi")), "{contents:?}");
    // Turned off, anyone replies again.
    app.send_as(&app.admin_token, reqwest::Method::PATCH, &settings, json!({"only_assignee_replies": false})).await;
    assert_eq!(app.post(&app.admin_token, &url, json!({"content": "Hi"})).await.0, 200);
    app.stop().await;
}
