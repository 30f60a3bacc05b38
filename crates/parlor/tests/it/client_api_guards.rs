//! What a visitor must not be able to do through the Client API: choose its
//! identity, take over another contact by email, escalate with extra fields,
//! store control characters, see the team's emails, or dodge the rate limits
//! (threats.md #3, #6, #9, #13, #33).

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::*;

async fn contact(app: &TestApp, body: Value) -> Value {
    let (status, created) = app.send(Method::POST, &app.client_api("/contacts"), Some(body)).await;
    assert_eq!(status, 200, "{created}");
    created
}

#[tokio::test]
async fn client_chosen_source_id_and_pubsub_token_are_never_adopted() {
    let app = TestApp::spawn().await;
    let victim = app.visitor().await;
    let chosen = json!({"source_id": victim.source_id, "pubsub_token": victim.pubsub_token, "identifier": "user-42"});
    let created = contact(&app, chosen).await;
    assert_ne!(created["source_id"], json!(victim.source_id));
    assert_ne!(created["pubsub_token"], json!(victim.pubsub_token));
    assert_ne!(created["id"], victim.contact_id);
    let (_, contacts) = app.get(&app.admin_token, &app.api("/contacts")).await;
    assert_eq!(contacts["meta"]["count"], 2, "a new contact, not the victim's");
    app.stop().await;
}

#[tokio::test]
async fn two_visitors_giving_the_same_email_stay_separate_and_cannot_read_each_other() {
    let app = TestApp::spawn().await;
    let (a, ca) = app.visitor_with_conversation().await;
    app.visitor_says(&a, ca, "my order number is 1234").await;
    let patch = app.client_api(&format!("/contacts/{}", a.source_id));
    assert_eq!(app.send(Method::PATCH, &patch, Some(json!({"email": "ceo@example.com"}))).await.0, 200);

    let b = contact(&app, json!({"email": "ceo@example.com", "name": "Not the CEO"})).await;
    assert_ne!(b["id"], a.contact_id);
    let b_source = b["source_id"].as_str().expect("source_id");
    let (_, b_list) =
        app.send(Method::GET, &app.client_api(&format!("/contacts/{b_source}/conversations")), None).await;
    assert_eq!(b_list, json!([]), "B inherits nothing of A's");
    let (_, a_contact) = app.get(&app.admin_token, &app.api(&format!("/contacts/{}", a.contact_id))).await;
    assert_eq!(a_contact["payload"]["name"], "", "A's contact unchanged");
    app.stop().await;
}

#[tokio::test]
async fn extra_fields_from_a_visitor_cannot_make_a_message_private_or_outgoing() {
    let app = TestApp::spawn().await;
    let (v, c) = app.visitor_with_conversation().await;
    let body = json!({"content": "I am the agent now", "private": true, "message_type": 1, "sender_type": "user", "sender_id": 1});
    let (status, sent) = app.send(Method::POST, &app.conv_path(&v, c, "/messages"), Some(body)).await;
    assert_eq!(status, 200);
    assert_eq!(sent["private"], false);
    assert_eq!(sent["message_type"], 0);
    assert_eq!(sent["sender"]["type"], "contact");
    let stored = app.agent_messages(&app.admin_token, c).await;
    assert_eq!(stored.len(), 1);
    assert_eq!((stored[0]["private"].clone(), stored[0]["sender_type"].clone()), (json!(false), json!("contact")));
    app.stop().await;
}

#[tokio::test]
async fn a_name_with_control_characters_is_refused_and_the_contact_unchanged() {
    let app = TestApp::spawn().await;
    let got = app.send(Method::POST, &app.client_api("/contacts"), Some(json!({"name": "Eve\u{7}"}))).await;
    assert_error(&got, 422, "invalid_name");
    let ada = contact(&app, json!({"name": "Ada"})).await;
    let url = app.client_api(&format!("/contacts/{}", ada["source_id"].as_str().expect("source_id")));
    for name in ["Ada\nBcc: x", "\u{1b}[31mred", "x".repeat(256).as_str()] {
        assert_error(&app.send(Method::PATCH, &url, Some(json!({"name": name}))).await, 422, "invalid_name");
    }
    assert_error(&app.send(Method::PATCH, &url, Some(json!({"email": "not an email"}))).await, 422, "invalid_email");
    let (_, shown) = app.send(Method::GET, &url, None).await;
    assert_eq!(shown["name"], "Ada");
    assert!(shown["email"].is_null());
    let (_, contacts) = app.get(&app.admin_token, &app.api("/contacts")).await;
    assert_eq!(contacts["meta"]["count"], 1, "the refused contact was not created");
    app.stop().await;
}

#[tokio::test]
async fn bad_additional_attributes_are_refused_and_no_conversation_is_created() {
    let app = TestApp::spawn().await;
    let v = app.visitor().await;
    let url = app.client_api(&format!("/contacts/{}/conversations", v.source_id));
    let many: serde_json::Map<String, Value> = (0..31).map(|i| (format!("k{i}"), json!("v"))).collect();
    for attrs in [
        json!({"initiated_at_url": {"nested": "object"}}),
        json!({"initiated_at_url": ["a"]}),
        json!({"initiated_at_title": "line\nbreak"}),
        json!({"initiated_at_url": "x".repeat(2049)}),
        Value::Object(many),
    ] {
        let got = app.send(Method::POST, &url, Some(json!({"additional_attributes": attrs}))).await;
        assert_error(&got, 422, "invalid_attributes");
    }
    let (_, list) = app.send(Method::GET, &url, None).await;
    assert_eq!(list, json!([]));
    app.stop().await;
}

#[tokio::test]
async fn an_invalid_echo_id_is_refused_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let (v, c) = app.visitor_with_conversation().await;
    let long = "e".repeat(101);
    for echo in ["", "has space", "<script>", long.as_str()] {
        let got = app
            .send(Method::POST, &app.conv_path(&v, c, "/messages"), Some(json!({"content": "x", "echo_id": echo})))
            .await;
        assert_error(&got, 422, "invalid_echo_id");
    }
    let got = app.send(Method::POST, &app.conv_path(&v, c, "/messages"), Some(json!({"content": "a\u{0}b"}))).await;
    assert_error(&got, 422, "invalid_message");
    assert!(app.visitor_messages(&v, c).await.is_empty());
    app.stop().await;
}

#[tokio::test]
async fn the_visitor_sees_the_assignees_name_but_never_the_email() {
    let app = TestApp::spawn().await;
    let (v, c) = app.visitor_with_conversation().await;
    app.agent_says(&app.admin_token, c, "Hi, I'm here", false).await; // assigns the owner
    let (status, shown) = app.send(Method::GET, &app.conv_path(&v, c, ""), None).await;
    assert_eq!(status, 200);
    assert_eq!(shown["assignee"]["name"], "owner");
    let (_, list) =
        app.send(Method::GET, &app.client_api(&format!("/contacts/{}/conversations", v.source_id)), None).await;
    let (_, messages) = app.send(Method::GET, &app.conv_path(&v, c, "/messages"), None).await;
    for body in [&shown, &list, &messages] {
        assert!(!body.to_string().contains("owner@example.com"), "an agent's email leaked: {body}");
    }
    app.stop().await;
}

#[tokio::test]
async fn conversation_creation_counts_against_the_new_visitor_limit() {
    let app = TestApp::spawn_with(|c| c.rate_limit_visitors_per_minute = 3).await;
    let v = app.visitor().await; // 1
    let url = app.client_api(&format!("/contacts/{}/conversations", v.source_id));
    assert_eq!(app.send(Method::POST, &url, Some(json!({}))).await.0, 200); // 2
    assert_eq!(app.send(Method::POST, &url, Some(json!({}))).await.0, 200); // 3, the same open one
    let got = app.send(Method::POST, &url, Some(json!({}))).await;
    assert_error(&got, 429, "rate_limited");
    let (_, all) = app.get(&app.admin_token, &app.api("/conversations?status=all")).await;
    assert_eq!(all["data"]["meta"]["all_count"], 1);
    app.stop().await;
}

#[tokio::test]
async fn a_burst_of_visitor_typing_events_is_rate_limited() {
    // A stopped clock, so the burst is the whole allowance (no refill while it runs).
    let (app, clock) = TestApp::spawn_on_manual_clock(|c| c.rate_limit_visitor_messages_per_second = 1).await;
    let (v, c) = app.visitor_with_conversation().await;
    let url = app.conv_path(&v, c, "/toggle_typing");
    let mut statuses = Vec::new();
    for n in 0..8 {
        let on = if n % 2 == 0 { "on" } else { "off" };
        let got = app.send(Method::POST, &url, Some(json!({"typing_status": on}))).await;
        if got.0 == 429 {
            assert_error(&got, 429, "rate_limited");
        }
        statuses.push(got.0);
    }
    assert_eq!(statuses, [200, 200, 200, 200, 429, 429, 429, 429]);
    // Two a second refill: half a second gives one back.
    clock.advance(500);
    assert_eq!(app.send(Method::POST, &url, Some(json!({"typing_status": "off"}))).await.0, 200);
    assert_eq!(app.send(Method::POST, &url, Some(json!({"typing_status": "off"}))).await.0, 429);
    app.stop().await;
}
