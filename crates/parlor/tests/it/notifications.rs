//! Notifications (I10, Chatwoot's API): assignment, a new message in an
//! assigned conversation (one row, updated), mentions in comments (users and
//! teams), settings; live on the user's socket; nothing for one's own actions
//! and nothing of another user's.

use domain::Role;
use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::*;

async fn list(app: &TestApp, token: &str) -> Value {
    let (status, body) = app.get(token, &app.api("/notifications")).await;
    assert_eq!(status, 200, "{body}");
    body["data"].clone()
}

/// Waits for the user's notifications to say `count` and list as many (they
/// are written after commit, and the list and its count are two reads).
async fn until_count(app: &TestApp, token: &str, count: i64) -> Value {
    for _ in 0..250 {
        let data = list(app, token).await;
        let listed = data["payload"].as_array().map_or(0, Vec::len) as i64;
        if data["meta"]["count"] == count && listed == count {
            return data;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("never {count} notifications: {}", list(app, token).await);
}

#[tokio::test]
async fn an_assignment_notifies_the_assignee_live_and_the_api_reads_and_deletes_it() {
    let app = TestApp::spawn().await;
    let (anna, anna_token) = app.create_user(1, "anna@example.com", Role::Agent).await;
    let (_, ben_token) = app.create_user(1, "ben@example.com", Role::Agent).await;
    let (_, conversation) = app.visitor_with_conversation().await;
    let (mut anna_ws, _) = app.ws_auth(json!({"event": "authenticate", "access_token": anna_token})).await;
    let (mut ben_ws, _) = app.ws_auth(json!({"event": "authenticate", "access_token": ben_token})).await;
    let assign = app.api(&format!("/conversations/{conversation}/assignments"));
    app.post(&app.admin_token, &assign, json!({"assignee_id": anna})).await;
    let live = next_event(&mut anna_ws, "notification.created").await;
    assert_eq!(live["data"]["notification_type"], "conversation_assignment", "{live}");
    assert_eq!(live["data"]["primary_actor_id"], conversation);
    assert_eq!(live["data"]["secondary_actor_type"], "User");
    // Ben's socket hears nothing of it: his next frame is the next stored event.
    app.agent_says(&app.admin_token, conversation, "Note for the team", true).await;
    let next = next_json(&mut ben_ws).await;
    assert_ne!(next["event"], "notification.created", "{next}");
    let data = until_count(&app, &anna_token, 1).await;
    assert_eq!(data["meta"]["unread_count"], 1);
    let id = data["payload"][0]["id"].as_i64().expect("id");
    assert_eq!(list(&app, &ben_token).await["meta"]["count"], 0);
    // Self-assignment notifies nobody.
    app.post(&app.admin_token, &assign, json!({"assignee_id": null})).await;
    let (_, me) = app.get(&app.admin_token, &format!("{}/api/v1/profile", app.url)).await;
    app.post(&app.admin_token, &assign, json!({"assignee_id": me["id"]})).await;
    assert_eq!(list(&app, &app.admin_token).await["meta"]["count"], 0);

    let one = app.api(&format!("/notifications/{id}"));
    // Another user's notification does not exist for them.
    assert_error(&app.send_as(&ben_token, Method::PATCH, &one, json!({})).await, 404, "not_found");
    assert_error(&app.send_as(&ben_token, Method::DELETE, &one, json!({})).await, 404, "not_found");
    let (status, read) = app.send_as(&anna_token, Method::PATCH, &one, json!({"read_at": 1})).await;
    assert_eq!((status, read["read_at"].is_number()), (200, true), "{read}");
    let (_, unread) = app.send_as(&anna_token, Method::PATCH, &one, json!({"read_at": null})).await;
    assert!(unread["read_at"].is_null());
    assert_eq!(app.post(&anna_token, &app.api("/notifications/read_all"), json!({})).await.0, 200);
    assert_eq!(list(&app, &anna_token).await["meta"]["unread_count"], 0);
    assert_eq!(app.send_as(&anna_token, Method::DELETE, &one, json!({})).await.0, 200);
    assert_eq!(list(&app, &anna_token).await["meta"]["count"], 0);
    app.stop().await;
}

#[tokio::test]
async fn new_messages_in_an_assigned_conversation_are_one_notification_updated() {
    let app = TestApp::spawn().await;
    let (anna, anna_token) = app.create_user(1, "anna@example.com", Role::Agent).await;
    let (v, conversation) = app.visitor_with_conversation().await;
    let assign = app.api(&format!("/conversations/{conversation}/assignments"));
    app.post(&app.admin_token, &assign, json!({"assignee_id": anna})).await;
    until_count(&app, &anna_token, 1).await;
    app.visitor_says(&v, conversation, "first").await;
    let data = until_count(&app, &anna_token, 2).await;
    let kinds: Vec<&Value> =
        data["payload"].as_array().expect("payload").iter().map(|n| &n["notification_type"]).collect();
    assert!(kinds.contains(&&json!("assigned_conversation_new_message")), "{kinds:?}");
    app.visitor_says(&v, conversation, "second").await;
    app.visitor_says(&v, conversation, "third").await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(list(&app, &anna_token).await["meta"]["count"], 2, "one row per conversation");
    // Read, then another message: the same row is unread again.
    app.post(&anna_token, &app.api("/notifications/read_all"), json!({})).await;
    app.visitor_says(&v, conversation, "fourth").await;
    for _ in 0..250 {
        if list(&app, &anna_token).await["meta"]["unread_count"] == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let data = list(&app, &anna_token).await;
    assert_eq!((&data["meta"]["unread_count"], &data["meta"]["count"]), (&json!(1), &json!(2)), "{data}");
    app.stop().await;
}

#[tokio::test]
async fn a_comment_mentioning_a_teammate_or_a_team_notifies_them_but_not_the_writer() {
    let app = TestApp::spawn().await;
    let (anna, anna_token) = app.create_user(1, "anna@example.com", Role::Agent).await;
    let (ben, ben_token) = app.create_user(1, "ben@example.com", Role::Agent).await;
    let (cleo, cleo_token) = app.create_user(1, "cleo@example.com", Role::Agent).await;
    let (_, conversation) = app.visitor_with_conversation().await;
    let inbox = app.conversation(&app.admin_token, conversation).await["inbox_id"].as_i64().expect("inbox");
    // Cleo may not see the inbox: a mention does not reach her.
    app.sql(&format!("DELETE FROM inbox_members WHERE inbox_id = {inbox} AND user_id = {cleo}")).await;
    let team = app.post(&app.admin_token, &app.api("/teams"), json!({"name": "Billing"})).await.1["id"]
        .as_i64()
        .expect("team");
    app.post(&app.admin_token, &app.api(&format!("/teams/{team}/team_members")), json!({"user_ids": [ben, anna]}))
        .await;

    let note = format!(
        "[@anna](mention://user/{anna}/anna) and [@Billing](mention://team/{team}/Billing), also [@cleo](mention://user/{cleo}/cleo)"
    );
    app.agent_says(&anna_token, conversation, &note, true).await;
    let ben_data = until_count(&app, &ben_token, 1).await;
    assert_eq!(ben_data["payload"][0]["notification_type"], "conversation_mention");
    assert_eq!(ben_data["payload"][0]["secondary_actor"]["name"], "anna");
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    assert_eq!(list(&app, &anna_token).await["meta"]["count"], 0, "no self-mention");
    assert_eq!(list(&app, &cleo_token).await["meta"]["count"], 0, "not her inbox");
    // A reply's text is not a mention.
    app.agent_says(&app.admin_token, conversation, &format!("mention://user/{ben}/x"), false).await;
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    assert_eq!(list(&app, &ben_token).await["meta"]["count"], 1);
    app.stop().await;
}

#[tokio::test]
async fn notification_settings_choose_what_arrives() {
    let app = TestApp::spawn().await;
    let (anna, anna_token) = app.create_user(1, "anna@example.com", Role::Agent).await;
    let url = app.api("/notification_settings");
    let (_, defaults) = app.get(&anna_token, &url).await;
    let push = &defaults["notification_settings"]["selected_push_flags"];
    assert!(push.as_array().expect("flags").contains(&json!("push_conversation_assignment")), "{defaults}");
    let bad = app
        .send_as(
            &anna_token,
            Method::PUT,
            &url,
            json!({"notification_settings": {"selected_push_flags": ["push_nonsense"]}}),
        )
        .await;
    assert_error(&bad, 422, "invalid_flag");
    let body = json!({"notification_settings": {"selected_push_flags": ["push_conversation_mention"], "sound": false}});
    let (status, saved) = app.send_as(&anna_token, Method::PUT, &url, body).await;
    assert_eq!((status, &saved["notification_settings"]["sound"]), (200, &json!(false)), "{saved}");
    let (_, conversation) = app.visitor_with_conversation().await;
    app.post(
        &app.admin_token,
        &app.api(&format!("/conversations/{conversation}/assignments")),
        json!({"assignee_id": anna}),
    )
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    assert_eq!(list(&app, &anna_token).await["meta"]["count"], 0, "assignment is off for her");
    app.stop().await;
}

#[tokio::test]
async fn a_new_conversation_notifies_only_the_members_who_asked_for_it() {
    let app = TestApp::spawn().await;
    let (_, anna_token) = app.create_user(1, "anna@example.com", Role::Agent).await;
    let (_, ben_token) = app.create_user(1, "ben@example.com", Role::Agent).await;
    let flags = json!({"notification_settings": {"selected_push_flags": ["push_conversation_creation"]}});
    assert_eq!(app.send_as(&anna_token, Method::PUT, &app.api("/notification_settings"), flags).await.0, 200);
    let (_, conversation) = app.visitor_with_conversation().await;
    let data = until_count(&app, &anna_token, 1).await;
    assert_eq!(data["payload"][0]["notification_type"], "conversation_creation");
    assert_eq!(data["payload"][0]["primary_actor_id"], conversation);
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    assert_eq!(list(&app, &ben_token).await["meta"]["count"], 0, "off by default");
    app.stop().await;
}

#[tokio::test]
async fn a_visitor_writing_to_the_greeter_is_a_handoff_for_the_inbox_until_someone_takes_over() {
    let app = TestApp::spawn().await;
    crate::bots::greeter_on(&app).await;
    let (_, anna_token) = app.create_user(1, "anna@example.com", Role::Agent).await;
    let (_, ben_token) = app.create_user(1, "ben@example.com", Role::Agent).await;
    let flags = json!({"notification_settings": {"selected_push_flags": ["push_conversation_mention"]}});
    assert_eq!(app.send_as(&ben_token, Method::PUT, &app.api("/notification_settings"), flags).await.0, 200);
    let (mut anna_ws, _) = app.ws_auth(json!({"event": "authenticate", "access_token": anna_token})).await;

    let (v, conversation) = app.visitor_with_conversation().await;
    crate::bots::until_greeted(&app, conversation).await;
    // The greeting alone is no handoff: the visitor has not asked for anything yet.
    assert_eq!(list(&app, &anna_token).await["meta"]["count"], 0);
    app.visitor_says(&v, conversation, "Can a person help me?").await;
    let live = next_event(&mut anna_ws, "notification.created").await;
    assert_eq!(live["data"]["notification_type"], "conversation_bot_handoff", "{live}");
    assert_eq!(live["data"]["primary_actor_id"], conversation);
    assert_eq!(live["data"]["secondary_actor_type"], "Contact");
    // A visitor who gave no name is named as the inbox names one.
    let title = format!("Visitor #{} is waiting for a person in conversation #{conversation}", v.contact_id);
    assert_eq!(live["data"]["push_message_title"], title);
    // More messages raise the same row, not new ones.
    app.visitor_says(&v, conversation, "Hello?").await;
    let data = until_count(&app, &anna_token, 1).await;
    assert_eq!(data["payload"][0]["notification_type"], "conversation_bot_handoff");

    // A conversation taken over before the visitor writes is no bot's: nobody is told.
    let (v2, second) = app.visitor_with_conversation().await;
    crate::bots::until_greeted(&app, second).await;
    let take = app.api(&format!("/conversations/{second}/assignments"));
    let (_, me) = app.get(&app.admin_token, &format!("{}/api/v1/profile", app.url)).await;
    assert_eq!(app.post(&app.admin_token, &take, json!({"assignee_id": me["id"]})).await.0, 200);
    app.visitor_says(&v2, second, "Thanks for joining").await;
    tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    assert_eq!(list(&app, &anna_token).await["meta"]["count"], 1, "{}", list(&app, &anna_token).await);
    assert_eq!(list(&app, &ben_token).await["meta"]["count"], 0, "Ben turned it off");
    app.stop().await;
}
