//! Presence: agents see which agents and which visitors have a socket open,
//! only for inboxes they may see; visitors never receive it.

use domain::Role;
use futures_util::SinkExt;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message as WsMessage;

use crate::helpers::*;

fn agent_auth(token: &str) -> Value {
    json!({"event": "authenticate", "access_token": token})
}

fn visitor_auth(v: &Visitor) -> Value {
    json!({"event": "authenticate", "pubsub_token": v.pubsub_token})
}

/// The next `presence.update` that says something about `key` (`users` or
/// `contacts`) `id`; returns its state there.
async fn next_presence_of(ws: &mut Ws, key: &str, id: i64) -> Value {
    loop {
        let frame = next_event(ws, "presence.update").await;
        let state = &frame["data"][key][id.to_string()];
        if !state.is_null() {
            return state.clone();
        }
    }
}

#[tokio::test]
async fn an_agent_sees_everyone_online_first_then_visitors_arriving_and_leaving() {
    let app = TestApp::spawn().await;
    let (mut agent, hello) = app.ws_auth(agent_auth(&app.admin_token)).await;
    let me = hello["user_id"].as_i64().expect("user id");
    let first = next_event(&mut agent, "presence.update").await;
    assert_eq!(first["data"]["full"], true, "{first}");
    assert_eq!(first["data"]["account_id"], 1);

    let (v, _) = app.visitor_with_conversation().await;
    let (mut visitor, _) = app.ws_auth(visitor_auth(&v)).await;
    assert_eq!(next_presence_of(&mut agent, "contacts", v.contact_id).await, "online");
    // A second agent socket is told everyone online at once, the agent itself included.
    let (mut second, _) = app.ws_auth(agent_auth(&app.admin_token)).await;
    let full = next_event(&mut second, "presence.update").await;
    assert_eq!(full["data"]["full"], true);
    assert_eq!(full["data"]["contacts"][v.contact_id.to_string()], "online", "{full}");
    assert_eq!(full["data"]["users"][me.to_string()], "online", "{full}");

    visitor.close(None).await.expect("close");
    assert_eq!(next_presence_of(&mut agent, "contacts", v.contact_id).await, "offline");
    app.stop().await;
}

#[tokio::test]
async fn visitors_of_an_inbox_an_agent_may_not_see_stay_hidden_and_visitors_get_no_presence() {
    let app = TestApp::spawn().await;
    let (anna, anna_token) = app.create_user(1, "anna@example.com", Role::Agent).await;
    let (sales, sales_token) = app.new_inbox(1, "Sales").await;
    app.sql(&format!("DELETE FROM inbox_members WHERE inbox_id = {sales} AND user_id = {anna}")).await;
    let (hidden, _) = app.conversation_in(&sales_token).await;
    let (shown, _) = app.visitor_with_conversation().await;
    let (mut agent, _) = app.ws_auth(agent_auth(&anna_token)).await;
    next_event(&mut agent, "presence.update").await;

    let (mut hidden_ws, _) = app.ws_auth(visitor_auth(&hidden)).await;
    let (_shown_ws, _) = app.ws_auth(visitor_auth(&shown)).await;
    // Both arrive in one batch or two; Anna hears of the one she may see only.
    let update = next_event(&mut agent, "presence.update").await;
    let mut contacts = update["data"]["contacts"].as_object().expect("contacts").clone();
    if !contacts.contains_key(&shown.contact_id.to_string()) {
        let more = next_event(&mut agent, "presence.update").await;
        contacts.extend(more["data"]["contacts"].as_object().expect("contacts").clone());
    }
    assert_eq!(Value::Object(contacts), json!({ shown.contact_id.to_string(): "online" }));
    // The administrator sees both.
    let (mut admin, _) = app.ws_auth(agent_auth(&app.admin_token)).await;
    let full = next_event(&mut admin, "presence.update").await;
    assert_eq!(full["data"]["contacts"][hidden.contact_id.to_string()], "online", "{full}");

    // By now presence was flushed at least once while the visitor was
    // connected: its next frame is the answer to its ping, nothing before it.
    hidden_ws.send(WsMessage::text(json!({"event": "ping"}).to_string())).await.expect("ping");
    assert_eq!(next_frame(&mut hidden_ws).await["event"], "pong");
    app.stop().await;
}
