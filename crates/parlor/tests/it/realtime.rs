//! Real-time delivery over `/ws` (docs/realtime.md): who receives which events,
//! typing, sequence numbers, and resuming after a disconnect. The socket's
//! guards (close codes, Origin) are in realtime_guards.rs.

use domain::Role;
use serde_json::{json, Value};

use crate::helpers::*;

async fn visitor_socket(app: &TestApp, v: &Visitor, since: Option<Value>) -> (Ws, Value) {
    let mut frame = json!({"event": "authenticate", "pubsub_token": v.pubsub_token});
    if let Some(s) = since {
        frame["since"] = s;
    }
    app.ws_auth(frame).await
}

async fn agent_socket(app: &TestApp, token: &str, since: Option<i64>) -> (Ws, Value) {
    let mut frame = json!({"event": "authenticate", "access_token": token});
    if let Some(s) = since {
        frame["since"] = json!(s);
    }
    app.ws_auth(frame).await
}

async fn assign_to_admin(app: &TestApp, c: i64) {
    let me = app.get(&app.admin_token, &format!("{}/api/v1/profile", app.url)).await.1["id"].clone();
    let (status, _) = app
        .post(&app.admin_token, &app.api(&format!("/conversations/{c}/assignments")), json!({"assignee_id": me}))
        .await;
    assert_eq!(status, 200);
}

async fn typing(app: &TestApp, token: &str, c: i64, on: bool, private: bool) {
    let body = json!({"typing_status": if on { "on" } else { "off" }, "is_private": private});
    let (status, _) = app.post(token, &app.api(&format!("/conversations/{c}/toggle_typing_status")), body).await;
    assert_eq!(status, 200);
}

fn seq(frame: &Value) -> i64 {
    frame["seq"].as_i64().unwrap_or_else(|| panic!("no seq in {frame}"))
}

#[tokio::test]
async fn a_visitor_receives_an_agents_reply_live_with_the_senders_name() {
    let app = TestApp::spawn().await;
    let (v, c) = app.visitor_with_conversation().await;
    let (mut ws, hello) = visitor_socket(&app, &v, None).await;
    assert_eq!(hello["role"], "visitor");
    assert_eq!(hello["contact_id"], v.contact_id);
    let sent = app.agent_says(&app.admin_token, c, "Hello from the team", false).await;
    let got = next_event(&mut ws, "message.created").await;
    assert_eq!(got["data"]["id"], sent["id"]);
    assert_eq!(got["data"]["content"], "Hello from the team");
    assert_eq!(got["data"]["conversation_id"], c);
    assert_eq!(got["data"]["message_type"], 1);
    assert_eq!(got["data"]["private"], false);
    assert_eq!(got["data"]["sender"]["type"], "user");
    assert_eq!(got["data"]["sender"]["name"], "owner");
    app.stop().await;
}

#[tokio::test]
async fn a_visitor_never_receives_a_private_comment_by_any_path() {
    let app = TestApp::spawn().await;
    let (v, c) = app.visitor_with_conversation().await;
    assign_to_admin(&app, c).await;
    let (mut ws, _) = visitor_socket(&app, &v, None).await;
    // Every path a comment has: the message, its typing, a teammate composing
    // it in the viewer bar, and the notification of a mention in it.
    let (anna, anna_token) = app.create_user(1, "anna@example.com", Role::Agent).await;
    let (mut agent, _) = agent_socket(&app, &app.admin_token, None).await;
    let composing = json!({"event": "viewing", "conversation": c, "composing": "comment"});
    send_text(&mut agent, &composing.to_string()).await;
    let note = format!("internal: VIP customer, [@anna](mention://user/{anna}/anna)");
    app.agent_says(&app.admin_token, c, &note, true).await;
    typing(&app, &app.admin_token, c, true, true).await;
    typing(&app, &app.admin_token, c, false, true).await;
    let (mut anna_ws, _) = agent_socket(&app, &anna_token, None).await;
    // The notification was written: Anna's list has it (after commit, so wait).
    for _ in 0..100 {
        if app.get(&anna_token, &app.api("/notifications")).await.1["data"]["meta"]["count"] == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    drop(anna_ws.close(None).await);
    // Past a viewers batch, so the composing state went out to agents.
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    // A barrier: the visitor's frames keep the order they were published in,
    // so when the public reply is the very next frame, nothing private came
    // before it (next_frame skips no event: presence and viewers included).
    app.agent_says(&app.admin_token, c, "public reply", false).await;
    let next = next_frame(&mut ws).await;
    assert_eq!(next["event"], "message.created");
    assert_eq!(next["data"]["content"], "public reply");
    app.stop().await;
}

#[tokio::test]
async fn an_agent_receives_the_visitors_conversation_messages_typing_and_status_changes() {
    let app = TestApp::spawn().await;
    let (mut ws, hello) = agent_socket(&app, &app.admin_token, None).await;
    assert_eq!(hello["role"], "agent");
    assert_eq!(hello["account_id"], 1);
    let (v, c) = app.visitor_with_conversation().await;
    let created = next_event(&mut ws, "conversation.created").await;
    assert_eq!(created["data"]["id"], c);
    assert_eq!(created["data"]["meta"]["sender"]["id"], v.contact_id);

    let typing_url = app.conv_path(&v, c, "/toggle_typing");
    assert_eq!(app.send(reqwest::Method::POST, &typing_url, Some(json!({"typing_status": "on"}))).await.0, 200);
    let on = next_event(&mut ws, "conversation.typing_on").await;
    assert_eq!(on["data"]["conversation"]["id"], c);
    assert_eq!(on["data"]["user"]["type"], "contact");
    assert_eq!(on["data"]["user"]["id"], v.contact_id);
    assert!(on.get("seq").is_none(), "typing carries no seq: {on}");
    assert_eq!(app.send(reqwest::Method::POST, &typing_url, Some(json!({"typing_status": "off"}))).await.0, 200);
    assert_eq!(next_event(&mut ws, "conversation.typing_off").await["data"]["conversation"]["id"], c);

    app.visitor_says(&v, c, "Is anyone there?").await;
    let message = next_event(&mut ws, "message.created").await;
    assert_eq!(message["data"]["content"], "Is anyone there?");
    assert_eq!(message["data"]["message_type"], 0);

    let (status, _) = app.send(reqwest::Method::POST, &app.conv_path(&v, c, "/toggle_status"), None).await;
    assert_eq!(status, 200);
    let changed = next_event(&mut ws, "conversation.status_changed").await;
    assert_eq!(changed["data"]["id"], c);
    assert_eq!(changed["data"]["status"], "resolved");
    app.stop().await;
}

#[tokio::test]
async fn a_visitor_sees_an_agent_typing_but_not_its_own_typing() {
    let app = TestApp::spawn().await;
    let (v, c) = app.visitor_with_conversation().await;
    let (mut ws, _) = visitor_socket(&app, &v, None).await;
    let typing_url = app.conv_path(&v, c, "/toggle_typing");
    assert_eq!(app.send(reqwest::Method::POST, &typing_url, Some(json!({"typing_status": "on"}))).await.0, 200);
    typing(&app, &app.admin_token, c, true, false).await;
    // The first frame is the agent's typing, not the visitor's own.
    let on = next_json(&mut ws).await;
    assert_eq!(on["event"], "conversation.typing_on");
    assert_eq!(on["data"]["user"]["type"], "user");
    assert_eq!(on["data"]["user"]["name"], "owner");
    assert_eq!(on["data"]["is_private"], false);
    assert_eq!(on["data"]["conversation"]["id"], c);
    typing(&app, &app.admin_token, c, false, false).await;
    assert_eq!(next_json(&mut ws).await["event"], "conversation.typing_off");
    app.stop().await;
}

#[tokio::test]
async fn a_visitor_resuming_with_since_gets_exactly_the_missed_public_messages_once_then_live_ones() {
    let app = TestApp::spawn().await;
    let (v, c) = app.visitor_with_conversation().await;
    assign_to_admin(&app, c).await;
    let (mut ws, _) = visitor_socket(&app, &v, None).await;
    app.visitor_says(&v, c, "before").await;
    let last_seen = seq(&next_event(&mut ws, "message.created").await);
    ws.close(None).await.expect("close");
    drop(ws);

    app.agent_says(&app.admin_token, c, "one", false).await;
    app.agent_says(&app.admin_token, c, "internal note", true).await;
    app.agent_says(&app.admin_token, c, "two", false).await;
    let three = app.agent_says(&app.admin_token, c, "three", false).await;

    let (mut ws, hello) = visitor_socket(&app, &v, Some(json!({ c.to_string(): last_seen }))).await;
    assert_eq!(hello["cursors"][c.to_string()], three["seq"], "{hello}");
    let mut seqs = vec![last_seen];
    for expected in ["one", "two", "three"] {
        let frame = next_json(&mut ws).await;
        assert_eq!(frame["event"], "message.created", "{frame}");
        assert_eq!(frame["data"]["content"], expected);
        seqs.push(seq(&frame));
    }
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
    // Then live: the next frame is the next message, nothing replayed twice.
    app.agent_says(&app.admin_token, c, "four", false).await;
    let live = next_json(&mut ws).await;
    assert_eq!(live["data"]["content"], "four", "{live}");
    assert!(seq(&live) > seqs[3]);
    app.stop().await;
}

#[tokio::test]
async fn an_agent_resuming_with_since_gets_the_missed_account_events_in_order() {
    let app = TestApp::spawn().await;
    let (_, anna) = app.create_user(1, "anna@example.com", Role::Agent).await;
    let (v, c) = app.visitor_with_conversation().await;
    assign_to_admin(&app, c).await;
    let (mut ws, hello) = agent_socket(&app, &anna, None).await;
    app.visitor_says(&v, c, "first").await;
    let last_seen = seq(&next_event(&mut ws, "message.created").await);
    assert!(last_seen > hello["seq"].as_i64().expect("seq"));
    ws.close(None).await.expect("close");
    drop(ws);

    app.visitor_says(&v, c, "while you were away").await;
    app.agent_says(&app.admin_token, c, "colleague's note", true).await;
    let (status, _) = app
        .post(&app.admin_token, &app.api(&format!("/conversations/{c}/toggle_status")), json!({"status": "resolved"}))
        .await;
    assert_eq!(status, 200);

    let (mut ws, hello) = agent_socket(&app, &anna, Some(last_seen)).await;
    let expected = [
        ("message.created", json!("while you were away")),
        ("message.created", json!("colleague's note")),
        ("message.created", Value::Null), // the activity line "…marked resolved…"
        ("conversation.status_changed", Value::Null),
    ];
    let mut seqs = vec![last_seen];
    for (event, content) in expected {
        let frame = next_json(&mut ws).await;
        assert_eq!(frame["event"], event, "{frame}");
        if !content.is_null() {
            assert_eq!(frame["data"]["content"], content);
        }
        seqs.push(seq(&frame));
    }
    assert_eq!(seqs, (last_seen..=last_seen + 4).collect::<Vec<_>>(), "one account, every event once and in order");
    assert_eq!(hello["seq"], last_seen + 4);
    app.visitor_says(&v, c, "back again").await;
    let live = next_json(&mut ws).await;
    assert_eq!(live["data"]["content"], "back again", "{live}");
    assert_eq!(seq(&live), last_seen + 5);
    app.stop().await;
}

#[tokio::test]
async fn reconnecting_without_since_replays_nothing() {
    let app = TestApp::spawn().await;
    let (v, c) = app.visitor_with_conversation().await;
    assign_to_admin(&app, c).await;
    app.visitor_says(&v, c, "old visitor message").await;
    app.agent_says(&app.admin_token, c, "old reply", false).await;

    let (mut visitor, _) = visitor_socket(&app, &v, None).await;
    let (mut agent, _) = agent_socket(&app, &app.admin_token, None).await;
    app.agent_says(&app.admin_token, c, "new reply", false).await;
    assert_eq!(next_json(&mut visitor).await["data"]["content"], "new reply");
    // The first message the agent's socket hears is the new one (a
    // notification of the old visitor message, written after its commit,
    // may come first: it is no replay).
    assert_eq!(next_event(&mut agent, "message.created").await["data"]["content"], "new reply");
    app.stop().await;
}

#[tokio::test]
async fn sequence_numbers_strictly_increase_for_visitors_and_agents() {
    let app = TestApp::spawn().await;
    let (v, c) = app.visitor_with_conversation().await;
    let (mut agent, _) = agent_socket(&app, &app.admin_token, None).await;
    let (mut visitor, _) = visitor_socket(&app, &v, None).await;
    app.visitor_says(&v, c, "a").await;
    app.agent_says(&app.admin_token, c, "b", false).await; // also assigns: activity + assignee.changed
    app.agent_says(&app.admin_token, c, "c (internal)", true).await;
    app.visitor_says(&v, c, "d").await;
    app.post(&app.admin_token, &app.api(&format!("/conversations/{c}/toggle_status")), json!({"status": "resolved"}))
        .await;

    for (who, ws) in [("agent", &mut agent), ("visitor", &mut visitor)] {
        let mut seqs = Vec::new();
        loop {
            let frame = next_json(ws).await;
            if let Some(s) = frame["seq"].as_i64() {
                seqs.push(s);
            }
            if frame["event"] == "conversation.status_changed" {
                break;
            }
        }
        assert!(seqs.len() >= 6, "{who}: {seqs:?}");
        assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{who}: {seqs:?}");
        if who == "agent" {
            // An administrator sees every event of the account: no gaps.
            assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1), "{seqs:?}");
        } else {
            // The internal comment took a number the visitor never sees.
            assert!(seqs.windows(2).any(|w| w[1] > w[0] + 1), "{seqs:?}");
        }
    }
    app.stop().await;
}

#[tokio::test]
async fn another_visitors_socket_never_sees_this_visitors_conversation() {
    let app = TestApp::spawn().await;
    let (a, ca) = app.visitor_with_conversation().await;
    let (b, cb) = app.visitor_with_conversation().await;
    let (mut b_ws, _) = visitor_socket(&app, &b, None).await;
    app.visitor_says(&a, ca, "A's secret").await;
    app.agent_says(&app.admin_token, ca, "reply to A", false).await;
    typing(&app, &app.admin_token, ca, true, false).await;
    app.post(&app.admin_token, &app.api(&format!("/conversations/{ca}/toggle_status")), json!({"status": "resolved"}))
        .await;
    // B's first frame is B's own message: nothing of A's came before it.
    app.visitor_says(&b, cb, "B here").await;
    let first = next_json(&mut b_ws).await;
    assert_eq!(first["data"]["content"], "B here", "{first}");
    assert_eq!(first["data"]["conversation_id"], cb);
    app.stop().await;
}

#[tokio::test]
async fn an_agent_socket_never_receives_events_of_an_inbox_the_agent_is_not_a_member_of() {
    let app = TestApp::spawn().await;
    let (anna, anna_token) = app.create_user(1, "anna@example.com", Role::Agent).await;
    let (sales, sales_token) = app.new_inbox(1, "Sales").await;
    app.sql(&format!("DELETE FROM inbox_members WHERE inbox_id = {sales} AND user_id = {anna}")).await;
    let (v, c) = app.visitor_with_conversation().await;
    let (mut ws, _) = agent_socket(&app, &anna_token, None).await;

    let (hidden_visitor, hidden) = app.conversation_in(&sales_token).await;
    let typing_url = format!(
        "{}/public/api/v1/inboxes/{sales_token}/contacts/{}/conversations/{hidden}/toggle_typing",
        app.url, hidden_visitor.source_id
    );
    assert_eq!(app.send(reqwest::Method::POST, &typing_url, Some(json!({"typing_status": "on"}))).await.0, 200);
    app.agent_says(&app.admin_token, hidden, "sales reply", false).await;
    app.visitor_says(&v, c, "in Anna's inbox").await;
    let first = next_json(&mut ws).await;
    assert_eq!(first["event"], "message.created", "{first}");
    assert_eq!(first["data"]["content"], "in Anna's inbox");

    // Nor on resume.
    ws.close(None).await.expect("close");
    drop(ws);
    let (mut ws, _) = agent_socket(&app, &anna_token, Some(0)).await;
    loop {
        let frame = next_json(&mut ws).await;
        assert_ne!(frame["data"]["inbox_id"], sales, "replayed from the Sales inbox: {frame}");
        if frame["data"]["content"] == "in Anna's inbox" {
            break;
        }
    }
    app.stop().await;
}

#[tokio::test]
async fn a_visitor_resuming_with_another_visitors_conversation_id_gets_nothing_of_it() {
    let app = TestApp::spawn().await;
    let (a, ca) = app.visitor_with_conversation().await;
    app.visitor_says(&a, ca, "A's private matter").await;
    app.agent_says(&app.admin_token, ca, "reply to A", false).await;
    let (b, cb) = app.visitor_with_conversation().await;

    let since = json!({ ca.to_string(): 0, cb.to_string(): 0 });
    let (mut ws, hello) = visitor_socket(&app, &b, Some(since)).await;
    assert!(hello["cursors"].get(ca.to_string()).is_none(), "{hello}");
    // B's own history is replayed (its conversation.created), then B's live message.
    let created = next_json(&mut ws).await;
    assert_eq!(created["event"], "conversation.created", "{created}");
    assert_eq!(created["data"]["id"], cb);
    app.visitor_says(&b, cb, "B here").await;
    let mine = next_json(&mut ws).await;
    assert_eq!(mine["data"]["content"], "B here", "{mine}");
    app.stop().await;
}
