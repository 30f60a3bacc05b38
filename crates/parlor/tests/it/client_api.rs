//! The visitor's Client API (`/public/api/v1/inboxes/{website_token}/…`): identity,
//! one open conversation per visitor, messages, bad input, isolation between
//! visitors, and the widget's rate limits.

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::*;

fn is_hex64(s: &str) -> bool {
    s.len() == 64 && s.chars().all(|c| c.is_ascii_hexdigit())
}

fn contents(messages: &[Value]) -> Vec<String> {
    messages.iter().map(|m| m["content"].as_str().unwrap_or_default().to_owned()).collect()
}

#[tokio::test]
async fn a_new_contact_gets_a_64_hex_source_id_and_pubsub_token_that_differ_per_visitor() {
    let app = TestApp::spawn().await;
    let a = app.visitor().await;
    let b = app.visitor().await;
    for token in [&a.source_id, &a.pubsub_token, &b.source_id, &b.pubsub_token] {
        assert!(is_hex64(token), "{token} is not 64 hex characters");
    }
    assert_ne!(a.source_id, b.source_id);
    assert_ne!(a.pubsub_token, b.pubsub_token);
    assert_ne!(a.source_id, a.pubsub_token);
    assert_ne!(a.contact_id, b.contact_id);

    // The identifier names the contact; the secrets are never shown again.
    let (status, shown) = app.send(Method::GET, &app.client_api(&format!("/contacts/{}", a.source_id)), None).await;
    assert_eq!(status, 200);
    assert_eq!(shown["id"], a.contact_id);
    assert!(shown.get("source_id").is_none() && shown.get("pubsub_token").is_none(), "{shown}");
    app.stop().await;
}

#[tokio::test]
async fn creating_a_conversation_twice_returns_the_visitors_open_one() {
    let app = TestApp::spawn().await;
    let (v, first) = app.visitor_with_conversation().await;
    let (status, again) = app
        .send(Method::POST, &app.client_api(&format!("/contacts/{}/conversations", v.source_id)), Some(json!({})))
        .await;
    assert_eq!(status, 200);
    assert_eq!(again["id"], first);
    let (_, list) =
        app.send(Method::GET, &app.client_api(&format!("/contacts/{}/conversations", v.source_id)), None).await;
    assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");
    app.stop().await;
}

#[tokio::test]
async fn two_concurrent_conversation_creates_of_one_visitor_give_the_same_conversation() {
    let app = TestApp::spawn().await;
    for _ in 0..3 {
        let v = app.visitor().await;
        let url = app.client_api(&format!("/contacts/{}/conversations", v.source_id));
        let (a, b) =
            tokio::join!(app.send(Method::POST, &url, Some(json!({}))), app.send(Method::POST, &url, Some(json!({}))));
        assert_eq!((a.0, b.0), (200, 200), "{} / {}", a.1, b.1);
        assert_eq!(a.1["id"], b.1["id"]);
        let (_, list) = app.send(Method::GET, &url, None).await;
        assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");
    }
    app.stop().await;
}

#[tokio::test]
async fn visitor_messages_are_stored_and_listed_oldest_first() {
    let app = TestApp::spawn().await;
    let (v, c) = app.visitor_with_conversation().await;
    let sent = app.visitor_says(&v, c, "Hello").await;
    assert_eq!(sent["content"], "Hello");
    assert_eq!(sent["message_type"], 0);
    assert_eq!(sent["conversation_id"], c);
    assert_eq!(sent["sender"]["type"], "contact");
    app.visitor_says(&v, c, "Anyone there?").await;
    let listed = app.visitor_messages(&v, c).await;
    assert_eq!(contents(&listed), ["Hello", "Anyone there?"]);
    assert_eq!(listed[0]["id"], sent["id"]);
    // The team sees the same two messages.
    assert_eq!(contents(&app.agent_messages(&app.admin_token, c).await), ["Hello", "Anyone there?"]);
    app.stop().await;
}

#[tokio::test]
async fn a_resend_with_the_same_echo_id_is_stored_once() {
    let app = TestApp::spawn().await;
    let (v, c) = app.visitor_with_conversation().await;
    let url = app.conv_path(&v, c, "/messages");
    let body = json!({"content": "Only once", "echo_id": "client-1"});
    let first = app.send(Method::POST, &url, Some(body.clone())).await;
    let second = app.send(Method::POST, &url, Some(body)).await;
    assert_eq!((first.0, second.0), (200, 200));
    assert_eq!(first.1["id"], second.1["id"]);
    assert_eq!(first.1["echo_id"], "client-1");
    assert_eq!(contents(&app.visitor_messages(&v, c).await), ["Only once"]);
    app.stop().await;
}

#[tokio::test]
async fn two_concurrent_sends_with_the_same_echo_id_are_stored_once() {
    let app = TestApp::spawn().await;
    let (v, c) = app.visitor_with_conversation().await;
    let url = app.conv_path(&v, c, "/messages");
    for n in 0..3 {
        let body = json!({"content": format!("Race {n}"), "echo_id": format!("race-{n}")});
        let (a, b) =
            tokio::join!(app.send(Method::POST, &url, Some(body.clone())), app.send(Method::POST, &url, Some(body)));
        assert_eq!((a.0, b.0), (200, 200), "{} / {}", a.1, b.1);
        assert_eq!(a.1["id"], b.1["id"]);
    }
    assert_eq!(contents(&app.visitor_messages(&v, c).await), ["Race 0", "Race 1", "Race 2"]);
    app.stop().await;
}

#[tokio::test]
async fn an_empty_or_blank_message_is_refused_with_empty_message_and_not_stored() {
    let app = TestApp::spawn().await;
    let (v, c) = app.visitor_with_conversation().await;
    app.visitor_says(&v, c, "before").await;
    for blank in ["", "   ", "\n\t  \n"] {
        let got = app.send(Method::POST, &app.conv_path(&v, c, "/messages"), Some(json!({"content": blank}))).await;
        assert_error(&got, 422, "empty_message");
    }
    assert_eq!(contents(&app.visitor_messages(&v, c).await), ["before"]);
    app.stop().await;
}

#[tokio::test]
async fn a_message_of_150001_characters_is_refused_while_150000_are_accepted() {
    let app = TestApp::spawn().await;
    let (v, c) = app.visitor_with_conversation().await;
    let url = app.conv_path(&v, c, "/messages");
    let too_long = "a".repeat(150_001);
    let got = app.send(Method::POST, &url, Some(json!({"content": too_long}))).await;
    assert_error(&got, 422, "message_too_long");
    assert!(app.visitor_messages(&v, c).await.is_empty());

    // The limit counts characters, not bytes: 150,000 two-byte characters pass.
    let at_limit = "é".repeat(150_000);
    let (status, stored) = app.send(Method::POST, &url, Some(json!({"content": at_limit}))).await;
    assert_eq!(status, 200, "{}", stored["code"]);
    let listed = app.visitor_messages(&v, c).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["content"].as_str(), Some(at_limit.as_str()));
    app.stop().await;
}

#[tokio::test]
async fn malformed_json_is_a_400_malformed_json_and_stores_nothing() {
    let app = TestApp::spawn().await;
    let (v, c) = app.visitor_with_conversation().await;
    for body in ["{\"content\": \"hi\"", "content=hi", "{'content': 'hi'}"] {
        let got = app.post_raw(None, &app.conv_path(&v, c, "/messages"), body).await;
        assert_error(&got, 400, "malformed_json");
    }
    assert!(app.visitor_messages(&v, c).await.is_empty());
    app.stop().await;
}

#[tokio::test]
async fn an_object_or_array_where_text_belongs_is_a_400_invalid_type_and_stores_nothing() {
    let app = TestApp::spawn().await;
    let (v, c) = app.visitor_with_conversation().await;
    let bodies = [
        json!({"content": {"a": 1}}),
        json!([1]),
        json!({"content": ["hi"]}),
        json!({"content": 5}),
        // A struct must not be read from an array either (positional fields).
        json!(["hi", null]),
        json!("hi"),
        json!(null),
    ];
    for body in bodies {
        let got = app.send(Method::POST, &app.conv_path(&v, c, "/messages"), Some(body.clone())).await;
        assert_eq!(got.0, 400, "{body} gave {}", got.1);
        assert_error(&got, 400, "invalid_type");
    }
    assert!(app.visitor_messages(&v, c).await.is_empty());
    app.stop().await;
}

#[tokio::test]
async fn an_unknown_inbox_token_is_a_404_and_creates_no_contact() {
    let app = TestApp::spawn().await;
    let unknown = format!("{}/public/api/v1/inboxes/{}", app.url, "0".repeat(32));
    assert_error(&app.send(Method::GET, &unknown, None).await, 404, "not_found");
    assert_error(&app.send(Method::POST, &format!("{unknown}/contacts"), Some(json!({}))).await, 404, "not_found");
    let (_, contacts) = app.get(&app.admin_token, &app.api("/contacts")).await;
    assert_eq!(contacts["meta"]["count"], 0, "{contacts}");
    app.stop().await;
}

#[tokio::test]
async fn an_unknown_contact_identifier_is_a_404_everywhere() {
    let app = TestApp::spawn().await;
    let (_, c) = app.visitor_with_conversation().await;
    let ghost = Visitor { source_id: "f".repeat(64), pubsub_token: String::new(), contact_id: 0 };
    let contact = app.client_api(&format!("/contacts/{}", ghost.source_id));
    assert_error(&app.send(Method::GET, &contact, None).await, 404, "not_found");
    assert_error(&app.send(Method::GET, &format!("{contact}/conversations"), None).await, 404, "not_found");
    assert_error(&app.send(Method::POST, &format!("{contact}/conversations"), Some(json!({}))).await, 404, "not_found");
    let got = app.send(Method::POST, &app.conv_path(&ghost, c, "/messages"), Some(json!({"content": "hi"}))).await;
    assert_error(&got, 404, "not_found");
    let (_, list) = app.get(&app.admin_token, &app.api("/conversations?status=all")).await;
    assert_eq!(list["data"]["meta"]["all_count"], 1, "no conversation was created");
    assert!(app.agent_messages(&app.admin_token, c).await.is_empty());
    app.stop().await;
}

#[tokio::test]
async fn another_visitor_naming_my_conversation_gets_the_same_404_as_for_a_nonexistent_one() {
    let app = TestApp::spawn().await;
    let (a, c) = app.visitor_with_conversation().await;
    app.visitor_says(&a, c, "private to A").await;
    let (b, _) = app.visitor_with_conversation().await;
    let before = app.conversation(&app.admin_token, c).await;

    let calls: [(Method, &str, Option<Value>); 6] = [
        (Method::GET, "", None),
        (Method::GET, "/messages", None),
        (Method::POST, "/messages", Some(json!({"content": "injected"}))),
        (Method::POST, "/toggle_typing", Some(json!({"typing_status": "on"}))),
        (Method::POST, "/toggle_status", Some(json!({}))),
        (Method::POST, "/update_last_seen", Some(json!({}))),
    ];
    for (method, rest, body) in calls {
        let theirs = app.send(method.clone(), &app.conv_path(&b, c, rest), body.clone()).await;
        let nowhere = app.send(method.clone(), &app.conv_path(&b, 999_999, rest), body).await;
        assert_error(&theirs, 404, "not_found");
        assert_eq!(theirs, nowhere, "{method} {rest}: the answers must not tell the two apart");
    }

    assert_eq!(contents(&app.visitor_messages(&a, c).await), ["private to A"]);
    let after = app.conversation(&app.admin_token, c).await;
    assert_eq!(after["status"], "open");
    assert_eq!(after["seq"], before["seq"], "no event was added");
    assert_eq!(after["contact_last_seen_at"], before["contact_last_seen_at"]);
    app.stop().await;
}

/// A visitor's message is checked to be in its own conversation by the
/// statement that writes it (store/src/batch_pg.rs), and a known `echo_id` is
/// answered with the stored message: another visitor naming my conversation
/// and my `echo_id` must get the same 404, never my message.
#[tokio::test]
async fn another_visitor_resending_my_echo_id_into_my_conversation_gets_404_not_my_message() {
    let app = TestApp::spawn().await;
    let (a, c) = app.visitor_with_conversation().await;
    let body = json!({"content": "my address is 1 Main St", "echo_id": "a-1"});
    let (status, mine) = app.send(Method::POST, &app.conv_path(&a, c, "/messages"), Some(body)).await;
    assert_eq!(status, 200, "{mine}");
    let (b, theirs_c) = app.visitor_with_conversation().await;
    let before = app.conversation(&app.admin_token, c).await;

    for echo in ["a-1", "b-1"] {
        let body = json!({"content": "injected", "echo_id": echo});
        let theirs = app.send(Method::POST, &app.conv_path(&b, c, "/messages"), Some(body.clone())).await;
        let nowhere = app.send(Method::POST, &app.conv_path(&b, 999_999, "/messages"), Some(body)).await;
        assert_error(&theirs, 404, "not_found");
        assert_eq!(theirs, nowhere, "echo_id {echo}: the answers must not tell the two apart");
    }
    // Echo ids are per conversation: the same one in B's own is B's new message.
    let body = json!({"content": "hello", "echo_id": "a-1"});
    let (status, own) = app.send(Method::POST, &app.conv_path(&b, theirs_c, "/messages"), Some(body)).await;
    assert_eq!(status, 200, "{own}");
    assert_ne!(own["id"], mine["id"]);

    assert_eq!(contents(&app.visitor_messages(&a, c).await), ["my address is 1 Main St"]);
    assert_eq!(contents(&app.visitor_messages(&b, theirs_c).await), ["hello"]);
    assert_eq!(app.conversation(&app.admin_token, c).await["seq"], before["seq"], "no event was added");
    app.stop().await;
}

#[tokio::test]
async fn an_agents_private_comment_never_reaches_the_client_api() {
    let app = TestApp::spawn().await;
    let (v, c) = app.visitor_with_conversation().await;
    app.visitor_says(&v, c, "Question").await;
    app.agent_says(&app.admin_token, c, "Reply for the visitor", false).await;
    app.agent_says(&app.admin_token, c, "SECRET internal note", true).await;

    let list = app.send(Method::GET, &app.client_api(&format!("/contacts/{}/conversations", v.source_id)), None).await;
    let show = app.send(Method::GET, &app.conv_path(&v, c, ""), None).await;
    let messages = app.send(Method::GET, &app.conv_path(&v, c, "/messages"), None).await;
    for (status, body) in [&list, &show, &messages] {
        assert_eq!(*status, 200);
        let text = body.to_string();
        assert!(text.contains("Reply for the visitor"), "public reply missing in {text}");
        assert!(!text.contains("SECRET"), "private comment leaked: {text}");
        assert!(!text.contains("\"private\":true"), "private message leaked: {text}");
    }
    // The team still has it.
    let agent = app.agent_messages(&app.admin_token, c).await;
    assert!(agent.iter().any(|m| m["content"] == "SECRET internal note" && m["private"] == true));
    app.stop().await;
}

#[tokio::test]
async fn html_in_a_message_is_stored_and_returned_exactly_as_sent() {
    let app = TestApp::spawn().await;
    let (v, c) = app.visitor_with_conversation().await;
    let payload = "<img src=x onerror=alert(1)> & <script>alert(\"x\")</script> 'q'";
    let sent = app.visitor_says(&v, c, payload).await;
    assert_eq!(sent["content"], payload);
    assert_eq!(app.visitor_messages(&v, c).await[0]["content"], payload);
    assert_eq!(app.agent_messages(&app.admin_token, c).await[0]["content"], payload);
    app.stop().await;
}

#[tokio::test]
async fn a_visitor_can_resolve_its_conversation() {
    let app = TestApp::spawn().await;
    let (v, c) = app.visitor_with_conversation().await;
    let (status, body) = app.send(Method::POST, &app.conv_path(&v, c, "/toggle_status"), None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "resolved");
    assert_eq!(app.conversation(&app.admin_token, c).await["status"], "resolved");
    app.stop().await;
}

#[tokio::test]
async fn a_visitor_writing_into_a_resolved_conversation_reopens_it() {
    let app = TestApp::spawn().await;
    let (v, c) = app.visitor_with_conversation().await;
    let (status, _) = app
        .post(&app.admin_token, &app.api(&format!("/conversations/{c}/toggle_status")), json!({"status": "resolved"}))
        .await;
    assert_eq!(status, 200);
    assert_eq!(app.send(Method::GET, &app.conv_path(&v, c, ""), None).await.1["status"], "resolved");

    app.visitor_says(&v, c, "One more question").await;
    assert_eq!(app.send(Method::GET, &app.conv_path(&v, c, ""), None).await.1["status"], "open");
    assert_eq!(app.conversation(&app.admin_token, c).await["status"], "open");
    app.stop().await;
}

#[tokio::test]
async fn where_the_chat_started_shows_up_in_the_agents_conversation() {
    let app = TestApp::spawn().await;
    let v = app.visitor().await;
    let attrs = json!({
        "initiated_at_url": "https://shop.example/pricing?plan=pro",
        "initiated_at_title": "Pricing – Shop",
        "browser_language": "de-DE",
        "referer": "https://search.example/"
    });
    let (status, created) = app
        .send(
            Method::POST,
            &app.client_api(&format!("/contacts/{}/conversations", v.source_id)),
            Some(json!({"additional_attributes": attrs})),
        )
        .await;
    assert_eq!(status, 200);
    let conversation = app.conversation(&app.admin_token, created["id"].as_i64().expect("id")).await;
    for key in ["initiated_at_url", "initiated_at_title", "browser_language", "referer"] {
        assert_eq!(conversation["additional_attributes"][key], attrs[key], "{key}");
    }
    app.stop().await;
}

#[tokio::test]
async fn the_fourth_contact_creation_in_a_minute_is_rate_limited() {
    let app = TestApp::spawn_with(|c| c.rate_limit_visitors_per_minute = 3).await;
    for _ in 0..3 {
        app.visitor().await;
    }
    let res = app.http.post(app.client_api("/contacts")).json(&json!({})).send().await.expect("send");
    assert_eq!(res.status(), 429);
    let retry: u64 = res
        .headers()
        .get("retry-after")
        .and_then(|h| h.to_str().ok())
        .and_then(|s| s.parse().ok())
        .expect("a Retry-After in seconds");
    assert!((1..=60).contains(&retry), "Retry-After {retry}");
    let body: Value = res.json().await.expect("json");
    assert_error(&(429, body), 429, "rate_limited");
    let (_, contacts) = app.get(&app.admin_token, &app.api("/contacts")).await;
    assert_eq!(contacts["meta"]["count"], 3, "the refused contact was not created");
    app.stop().await;
}

#[tokio::test]
async fn a_burst_of_visitor_messages_beyond_four_is_rate_limited() {
    // A stopped clock: however slow this machine, the bucket does not refill
    // during the burst; moving it a second gives one message back.
    let (app, clock) = TestApp::spawn_on_manual_clock(|c| c.rate_limit_visitor_messages_per_second = 1).await;
    let (v, c) = app.visitor_with_conversation().await;
    for n in 0..4 {
        app.visitor_says(&v, c, &format!("burst {n}")).await;
    }
    let res = app
        .http
        .post(app.conv_path(&v, c, "/messages"))
        .json(&json!({"content": "one too many"}))
        .send()
        .await
        .expect("send");
    assert_eq!(res.status(), 429);
    assert!(res.headers().contains_key("retry-after"));
    let body: Value = res.json().await.expect("json");
    assert_error(&(429, body), 429, "rate_limited");
    assert_eq!(contents(&app.visitor_messages(&v, c).await), ["burst 0", "burst 1", "burst 2", "burst 3"]);
    clock.advance(1000);
    app.visitor_says(&v, c, "a second later").await;
    let again = app.send(Method::POST, &app.conv_path(&v, c, "/messages"), Some(json!({"content": "too soon"}))).await;
    assert_error(&again, 429, "rate_limited");
    app.stop().await;
}
