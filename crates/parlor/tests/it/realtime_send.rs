//! Visitors sending messages over their socket (docs/realtime.md, "Sending
//! messages"): acknowledged after commit with what the Client API returns,
//! deduplicated by echo_id, refused with the POST's codes, only into the
//! visitor's own conversations, rate limited with the POST's bucket.

use serde_json::{json, Value};

use crate::helpers::*;

async fn visitor_socket(app: &TestApp, v: &Visitor) -> Ws {
    app.ws_auth(json!({"event": "authenticate", "pubsub_token": v.pubsub_token})).await.0
}

async fn agent_socket(app: &TestApp) -> Ws {
    app.ws_auth(json!({"event": "authenticate", "access_token": app.admin_token})).await.0
}

/// Sends a `message` frame and returns the answer (`message.ack` or
/// `message.error`), skipping the live events in between.
async fn say(ws: &mut Ws, conversation: i64, content: &str, echo_id: &str) -> Value {
    let frame = json!({"event": "message", "conversation": conversation, "content": content, "echo_id": echo_id});
    send_text(ws, &frame.to_string()).await;
    answer(ws).await
}

async fn answer(ws: &mut Ws) -> Value {
    loop {
        let f = next_json(ws).await;
        if f["event"] == "message.ack" || f["event"] == "message.error" {
            return f;
        }
    }
}

#[track_caller]
fn assert_refused(got: &Value, echo_id: &str, code: &str) {
    assert_eq!(got["event"], "message.error", "{got}");
    assert_eq!(got["data"]["echo_id"], echo_id, "{got}");
    assert_eq!(got["data"]["code"], code, "{got}");
    assert!(got["data"]["message"].as_str().is_some_and(|m| !m.is_empty()), "a message in {got}");
}

fn contents(list: &[Value]) -> Vec<&str> {
    list.iter().filter(|m| m["message_type"] == 0).filter_map(|m| m["content"].as_str()).collect()
}

#[tokio::test]
async fn a_message_over_the_socket_is_acked_with_what_the_api_returns_and_reaches_the_agent() {
    let app = TestApp::spawn().await;
    let (v, c) = app.visitor_with_conversation().await;
    let mut agent = agent_socket(&app).await;
    let mut ws = visitor_socket(&app, &v).await;
    let ack = say(&mut ws, c, "Hello over the socket", "ws-1").await;
    assert_eq!(ack["event"], "message.ack", "{ack}");
    assert!(ack.get("seq").is_none(), "an ack is no event: {ack}");
    let data = &ack["data"];
    assert_eq!(data["echo_id"], "ws-1");
    assert_eq!(data["content"], "Hello over the socket");
    assert_eq!(data["conversation_id"], c);
    assert_eq!(data["message_type"], 0);

    let stored = app.visitor_messages(&v, c).await;
    let read = stored.iter().find(|m| m["id"] == data["id"]).expect("the acked message is stored");
    assert_eq!(read, data, "the ack is the message as the Client API reads it");

    let created = next_event(&mut agent, "message.created").await;
    assert_eq!(created["data"]["id"], data["id"]);
    assert_eq!(created["data"]["content"], "Hello over the socket");
    assert_eq!(created["data"]["sender"]["type"], "contact");
    // The visitor's own socket gets the event too, like after a POST.
    assert_eq!(next_event(&mut ws, "message.created").await["data"]["id"], data["id"]);
    app.stop().await;
}

#[tokio::test]
async fn a_resent_echo_id_stores_one_message_and_acks_the_stored_one() {
    let app = TestApp::spawn().await;
    let (v, c) = app.visitor_with_conversation().await;
    let mut ws = visitor_socket(&app, &v).await;
    let first = say(&mut ws, c, "only once", "resend-1").await;
    assert_eq!(first["event"], "message.ack", "{first}");
    // After a reconnect, the widget resends what was not acknowledged.
    drop(ws);
    let mut ws = visitor_socket(&app, &v).await;
    let again = say(&mut ws, c, "only once", "resend-1").await;
    assert_eq!(again["event"], "message.ack", "{again}");
    assert_eq!(again["data"], first["data"]);
    // The POST knows the same echo id: one write path.
    let (status, posted) = app
        .send(
            reqwest::Method::POST,
            &app.conv_path(&v, c, "/messages"),
            Some(json!({"content": "only once", "echo_id": "resend-1"})),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(posted["id"], first["data"]["id"]);
    assert_eq!(contents(&app.visitor_messages(&v, c).await), ["only once"]);
    app.stop().await;
}

#[tokio::test]
async fn bad_content_is_refused_with_the_apis_codes_and_the_socket_stays_usable() {
    let app = TestApp::spawn().await;
    let (v, c) = app.visitor_with_conversation().await;
    let mut ws = visitor_socket(&app, &v).await;
    assert_refused(&say(&mut ws, c, "", "e-1").await, "e-1", "empty_message");
    assert_refused(&say(&mut ws, c, " \n\t ", "e-2").await, "e-2", "empty_message");
    assert_refused(&say(&mut ws, c, "nul \0 inside", "e-3").await, "e-3", "invalid_message");
    assert_refused(&say(&mut ws, c, "fine", "not an echo id!").await, "not an echo id!", "invalid_echo_id");
    send_text(&mut ws, &json!({"event": "message", "conversation": c, "echo_id": "e-5"}).to_string()).await;
    assert_refused(&answer(&mut ws).await, "e-5", "invalid_params");
    // The same codes as the POST gives.
    let got = app.send(reqwest::Method::POST, &app.conv_path(&v, c, "/messages"), Some(json!({"content": " "}))).await;
    assert_error(&got, 422, "empty_message");

    let ok = say(&mut ws, c, "still here", "e-6").await;
    assert_eq!(ok["event"], "message.ack", "{ok}");
    assert_eq!(contents(&app.visitor_messages(&v, c).await), ["still here"]);
    app.stop().await;
}

#[tokio::test]
async fn a_message_frame_over_4096_bytes_closes_the_socket_and_stores_nothing() {
    // Longer messages (up to 150,000 characters) go through the POST, which
    // answers message_too_long beyond that; the widget picks the path by size.
    let app = TestApp::spawn().await;
    let (v, c) = app.visitor_with_conversation().await;
    let mut ws = visitor_socket(&app, &v).await;
    send_text(
        &mut ws,
        &json!({"event": "message", "conversation": c, "content": "x".repeat(4100), "echo_id": "big"}).to_string(),
    )
    .await;
    assert_eq!(close_code(&mut ws).await, Some(1009));
    assert!(contents(&app.visitor_messages(&v, c).await).is_empty());
    app.stop().await;
}

#[tokio::test]
async fn another_visitors_conversation_is_not_found_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let (mallory, own) = app.visitor_with_conversation().await;
    let (alice, theirs) = app.visitor_with_conversation().await;
    let (_, elsewhere) = app.conversation_in(&app.new_inbox(1, "Second site").await.1).await;
    let mut ws = visitor_socket(&app, &mallory).await;
    assert_refused(&say(&mut ws, theirs, "let me in", "x-1").await, "x-1", "not_found");
    assert_refused(&say(&mut ws, elsewhere, "let me in", "x-2").await, "x-2", "not_found");
    assert_refused(&say(&mut ws, 999_999, "anyone?", "x-3").await, "x-3", "not_found");
    assert!(contents(&app.visitor_messages(&alice, theirs).await).is_empty(), "nothing written into alice's");
    let agent_view = app.agent_messages(&app.admin_token, elsewhere).await;
    assert!(agent_view.iter().all(|m| m["content"] != "let me in"), "{agent_view:?}");
    assert_eq!(say(&mut ws, own, "my own", "x-4").await["event"], "message.ack");
    app.stop().await;
}

#[tokio::test]
async fn an_agent_socket_sending_a_message_frame_is_refused_and_stays_open() {
    let app = TestApp::spawn().await;
    let (v, c) = app.visitor_with_conversation().await;
    let mut ws = agent_socket(&app).await;
    assert_refused(&say(&mut ws, c, "as an agent", "a-1").await, "a-1", "forbidden");
    send_text(&mut ws, r#"{"event":"ping"}"#).await;
    assert_eq!(next_event(&mut ws, "pong").await["event"], "pong");
    let all = app.agent_messages(&app.admin_token, c).await;
    assert!(all.iter().all(|m| m["content"] != "as an agent"), "{all:?}");
    assert!(contents(&app.visitor_messages(&v, c).await).is_empty());
    app.stop().await;
}

#[tokio::test]
async fn a_burst_beyond_four_is_rate_limited_in_one_bucket_with_the_post() {
    // A stopped clock: the bucket cannot refill while the burst runs.
    let (app, clock) = TestApp::spawn_on_manual_clock(|c| c.rate_limit_visitor_messages_per_second = 1).await;
    let (v, c) = app.visitor_with_conversation().await;
    let mut ws = visitor_socket(&app, &v).await;
    for n in 0..3 {
        assert_eq!(say(&mut ws, c, &format!("burst {n}"), &format!("b-{n}")).await["event"], "message.ack");
    }
    app.visitor_says(&v, c, "burst 3").await;
    assert_refused(&say(&mut ws, c, "one too many", "b-4").await, "b-4", "rate_limited");
    let got = app
        .send(reqwest::Method::POST, &app.conv_path(&v, c, "/messages"), Some(json!({"content": "and by POST"})))
        .await;
    assert_error(&got, 429, "rate_limited");
    assert_eq!(contents(&app.visitor_messages(&v, c).await), ["burst 0", "burst 1", "burst 2", "burst 3"]);
    // Refused, not closed; a second later the socket may send one again.
    send_text(&mut ws, r#"{"event":"ping"}"#).await;
    assert_eq!(next_event(&mut ws, "pong").await["event"], "pong");
    clock.advance(1000);
    assert_eq!(say(&mut ws, c, "a second later", "b-5").await["event"], "message.ack");
    app.stop().await;
}
