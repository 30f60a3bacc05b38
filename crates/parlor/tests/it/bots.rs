//! The greeter bot and taking over from it (B3, W3): the greeter is saved as
//! the inbox's chatflow versions; its conversations start `pending` with the
//! bot, which greets as `agent_bot`; taking over is one transaction, and no
//! bot message follows it, even when the visitor writes at that instant.

use std::io::Cursor;

use domain::Role;
use reqwest::multipart::{Form, Part};
use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::*;

const GREETING: &str = "Hi! I'm Robo. A person joins in a moment.";

async fn inbox_id(app: &TestApp) -> i64 {
    app.get(&app.admin_token, &app.api("/inboxes")).await.1["payload"][0]["id"].as_i64().expect("inbox")
}

pub(crate) async fn greeter_on(app: &TestApp) -> i64 {
    let inbox = inbox_id(app).await;
    let url = app.api(&format!("/inboxes/{inbox}/greeter"));
    let body = json!({"enabled": true, "name": "Robo", "greeting": GREETING});
    let (status, saved) = app.send_as(&app.admin_token, Method::PATCH, &url, body).await;
    assert_eq!(status, 200, "{saved}");
    inbox
}

/// The conversation's messages once the bot's greeting (or nothing) settled.
pub(crate) async fn until_greeted(app: &TestApp, conversation: i64) -> Vec<Value> {
    for _ in 0..100 {
        let messages = app.agent_messages(&app.admin_token, conversation).await;
        if messages.iter().any(|m| m["sender_type"] == "agent_bot") {
            return messages;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("no greeting in conversation {conversation}");
}

#[tokio::test]
async fn the_greeter_is_saved_as_chatflow_versions_by_administrators_with_a_picture() {
    let app = TestApp::spawn().await;
    let (_, anna_token) = app.create_user(1, "anna@example.com", Role::Agent).await;
    let inbox = inbox_id(&app).await;
    let url = app.api(&format!("/inboxes/{inbox}/greeter"));
    let (status, none) = app.get(&app.admin_token, &url).await;
    assert_eq!((status, &none["enabled"], &none["version"]), (200, &json!(false), &json!(0)));
    let refused = app.send_as(&anna_token, Method::PATCH, &url, json!({"enabled": false})).await;
    assert_error(&refused, 403, "forbidden");
    let empty = app.send_as(&app.admin_token, Method::PATCH, &url, json!({"enabled": true, "name": "Robo"})).await;
    assert_error(&empty, 422, "missing_greeting");
    let nameless = app.send_as(&app.admin_token, Method::PATCH, &url, json!({"name": "  ", "greeting": "Hi"})).await;
    assert_eq!(nameless.0, 422, "{}", nameless.1);
    greeter_on(&app).await;
    let (_, second) = app.send_as(&app.admin_token, Method::PATCH, &url, json!({"greeting": "Hello again"})).await;
    assert_eq!((&second["version"], &second["name"], &second["enabled"]), (&json!(2), &json!("Robo"), &json!(true)));
    assert_eq!(second["greeting"], "Hello again");

    let mut png = Vec::new();
    image::DynamicImage::new_rgb8(64, 64).write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png).expect("png");
    let form = Form::new().part("avatar", Part::bytes(png).file_name("robo.png"));
    let res = app
        .http
        .post(format!("{url}/avatar"))
        .header("api_access_token", &app.admin_token)
        .multipart(form)
        .send()
        .await
        .expect("send");
    assert_eq!(res.status(), 200);
    let with_photo: Value = res.json().await.expect("json");
    assert!(with_photo["avatar_url"].as_str().unwrap_or("").starts_with("/blobs/avatars/"), "{with_photo}");
    let (status, gone) = app.send_as(&app.admin_token, Method::DELETE, &format!("{url}/avatar"), json!({})).await;
    assert_eq!((status, &gone["avatar_url"]), (200, &json!("")));
    app.stop().await;
}

#[tokio::test]
async fn a_greeter_conversation_starts_pending_with_the_bot_which_greets_as_agent_bot() {
    let app = TestApp::spawn().await;
    greeter_on(&app).await;
    let (v, conversation) = app.visitor_with_conversation().await;
    let c = app.conversation(&app.admin_token, conversation).await;
    assert_eq!((&c["status"], &c["meta"]["agent_bot"]["name"]), (&json!("pending"), &json!("Robo")), "{c}");
    let messages = until_greeted(&app, conversation).await;
    let greeting = messages.iter().find(|m| m["sender_type"] == "agent_bot").expect("greeting");
    assert_eq!((&greeting["content"], &greeting["message_type"]), (&json!(GREETING), &json!(1)));
    assert_eq!((&greeting["sender"]["type"], &greeting["sender"]["name"]), (&json!("agent_bot"), &json!("Robo")));
    // The visitor sees the bot and its greeting.
    let public = app.visitor_messages(&v, conversation).await;
    assert!(public.iter().any(|m| m["content"] == GREETING && m["sender"]["type"] == "agent_bot"), "{public:?}");
    let (_, theirs) = app.send(Method::GET, &app.conv_path(&v, conversation, ""), None).await;
    assert_eq!(theirs["agent_bot"]["name"], "Robo", "{theirs}");
    // Agents find it among the pending ones; the greeter once, not per message.
    let (_, pending) = app.get(&app.admin_token, &app.api("/conversations?status=pending")).await;
    assert_eq!(pending["data"]["payload"][0]["id"], conversation);
    app.visitor_says(&v, conversation, "I need a person").await;
    app.app().run_due_jobs(now_secs() * 1000 + 5000).await.expect("jobs");
    let bot_lines = app.agent_messages(&app.admin_token, conversation).await;
    assert_eq!(bot_lines.iter().filter(|m| m["sender_type"] == "agent_bot").count(), 1);
    // Turned off, new conversations start open without a bot.
    let inbox = c["inbox_id"].as_i64().expect("inbox");
    app.send_as(
        &app.admin_token,
        Method::PATCH,
        &app.api(&format!("/inboxes/{inbox}/greeter")),
        json!({"enabled": false}),
    )
    .await;
    let (_, plain) = app.visitor_with_conversation().await;
    let p = app.conversation(&app.admin_token, plain).await;
    assert_eq!((&p["status"], &p["meta"]["agent_bot"]), (&json!("open"), &Value::Null));
    app.stop().await;
}

#[tokio::test]
async fn taking_over_is_one_step_and_the_bot_never_writes_after_it() {
    let app = TestApp::spawn().await;
    greeter_on(&app).await;
    let (v, conversation) = app.visitor_with_conversation().await;
    until_greeted(&app, conversation).await;
    let (mut visitor, _) = app.ws_auth(json!({"event": "authenticate", "pubsub_token": v.pubsub_token})).await;
    let me = app.get(&app.admin_token, &format!("{}/api/v1/profile", app.url)).await.1["id"].as_i64().expect("me");

    // The visitor writes at the very instant the agent takes over.
    let assign = app.api(&format!("/conversations/{conversation}/assignments"));
    let (said, took) = tokio::join!(
        app.visitor_says(&v, conversation, "Hello? Anyone?"),
        app.post(&app.admin_token, &assign, json!({"assignee_id": me}))
    );
    assert_eq!(said["content"], "Hello? Anyone?");
    assert_eq!(took.0, 200, "{}", took.1);
    let c = app.conversation(&app.admin_token, conversation).await;
    assert_eq!(
        (&c["status"], &c["meta"]["assignee"]["id"], &c["meta"]["agent_bot"]),
        (&json!("open"), &json!(me), &Value::Null)
    );
    // A late bot step (a job still queued) finds the bot gone and writes nothing.
    let flow = app.get(&app.admin_token, &app.api(&format!("/inboxes/{}/greeter", c["inbox_id"]))).await.1;
    assert_eq!(flow["enabled"], true);
    app.sql(&format!(
        "INSERT INTO jobs (account_id, kind, conversation_id, payload, run_at, attempts, idempotency_key) \
         SELECT 1, 'chatflow_step', id, '{{\"flow\": 1, \"step\": 0}}', 0, 0, 'late' FROM conversations WHERE display_id = {conversation}"
    ))
    .await;
    app.app().run_due_jobs(now_secs() * 1000).await.expect("jobs");
    let messages = app.agent_messages(&app.admin_token, conversation).await;
    let took_at = messages.iter().find(|m| m["content_attributes"]["activity"] == "took_over").expect("took-over line");
    assert_eq!(took_at["private"], true);
    let after: Vec<&Value> = messages.iter().filter(|m| m["seq"].as_i64() > took_at["seq"].as_i64()).collect();
    assert!(after.iter().all(|m| m["sender_type"] != "agent_bot"), "a bot message after the takeover: {after:?}");
    assert_eq!(messages.iter().filter(|m| m["sender_type"] == "agent_bot").count(), 1);
    // The visitor hears who joined, live, and the new owner.
    let changed = loop {
        let f = next_event(&mut visitor, "assignee.changed").await;
        if !f["data"]["assignee"].is_null() {
            break f;
        }
    };
    assert!(changed["data"]["agent_bot"].is_null(), "{changed}");
    let public = app.visitor_messages(&v, conversation).await;
    assert!(
        public.iter().all(|m| m["content_attributes"]["activity"] != "took_over"),
        "the team's line stays the team's"
    );
    assert!(public.iter().any(|m| m["content_attributes"]["activity"] == "joined"));
    app.stop().await;
}

#[tokio::test]
async fn a_reply_through_the_api_takes_over_by_itself_and_opening_by_hand_releases_the_bot() {
    let app = TestApp::spawn().await;
    let (anna, anna_token) = app.create_user(1, "anna@example.com", Role::Agent).await;
    greeter_on(&app).await;
    let (_, first) = app.visitor_with_conversation().await;
    until_greeted(&app, first).await;
    let reply = app.agent_says(&anna_token, first, "Anna here, how can I help?", false).await;
    assert_eq!(reply["sender_type"], "user");
    let c = app.conversation(&app.admin_token, first).await;
    assert_eq!(
        (&c["status"], &c["meta"]["assignee"]["id"], &c["meta"]["agent_bot"]),
        (&json!("open"), &json!(anna), &Value::Null)
    );
    // A comment does not take it over.
    let (_, second) = app.visitor_with_conversation().await;
    app.agent_says(&anna_token, second, "Looks like a refund", true).await;
    assert_eq!(app.conversation(&app.admin_token, second).await["status"], "pending");
    // Opening it by hand hands it to the team, unassigned, without the bot.
    let toggle = app.api(&format!("/conversations/{second}/toggle_status"));
    assert_eq!(app.post(&app.admin_token, &toggle, json!({"status": "open"})).await.0, 200);
    let c = app.conversation(&app.admin_token, second).await;
    assert_eq!(
        (&c["status"], &c["meta"]["agent_bot"], &c["meta"]["assignee"]),
        (&json!("open"), &Value::Null, &Value::Null)
    );
    app.stop().await;
}
