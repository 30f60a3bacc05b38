//! Fair automatic assignment: among the inbox's online, available agents, in
//! turn or by load, never past the limit; the rest wait and are assigned,
//! oldest first, as soon as an agent comes online or drops under the limit.

use domain::Role;
use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::*;

async fn auto_assign(app: &TestApp, config: Value) -> i64 {
    let inbox = app.get(&app.admin_token, &app.api("/inboxes")).await.1["payload"][0]["id"].as_i64().expect("inbox");
    let body = json!({"enable_auto_assignment": true, "auto_assignment_config": config});
    let (status, saved) =
        app.send_as(&app.admin_token, Method::PATCH, &app.api(&format!("/inboxes/{inbox}")), body).await;
    assert_eq!(status, 200, "{saved}");
    inbox
}

/// The conversation's assignee id once assignment settled (`None` if it waits).
async fn assignee(app: &TestApp, conversation: i64) -> Option<i64> {
    for _ in 0..50 {
        let c = app.conversation(&app.admin_token, conversation).await;
        if let Some(id) = c["meta"]["assignee"]["id"].as_i64() {
            return Some(id);
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    None
}

#[tokio::test]
async fn conversations_go_in_turn_to_online_agents_within_the_limit_and_the_rest_wait() {
    let app = TestApp::spawn().await;
    // The owner makes no socket: offline, never chosen.
    let (anna, anna_token) = app.create_user(1, "anna@example.com", Role::Agent).await;
    let (ben, ben_token) = app.create_user(1, "ben@example.com", Role::Agent).await;
    let (_anna_ws, _) = app.ws_auth(json!({"event": "authenticate", "access_token": anna_token})).await;
    let (_ben_ws, _) = app.ws_auth(json!({"event": "authenticate", "access_token": ben_token})).await;
    let bad = app
        .send_as(
            &app.admin_token,
            Method::PATCH,
            &app.api("/inboxes/1"),
            json!({"auto_assignment_config": {"max_assignment_limit": 0}}),
        )
        .await;
    assert_error(&bad, 422, "invalid_max_assignment_limit");
    auto_assign(&app, json!({"max_assignment_limit": 1, "assignment_order": "round_robin"})).await;

    let (_, first) = app.visitor_with_conversation().await;
    let (_, second) = app.visitor_with_conversation().await;
    let a = assignee(&app, first).await.expect("first assigned");
    let b = assignee(&app, second).await.expect("second assigned");
    assert_ne!(a, b, "in turn");
    assert!([anna, ben].contains(&a) && [anna, ben].contains(&b));
    let lines = app.agent_messages(&app.admin_token, first).await;
    assert!(lines.iter().any(|m| m["content_attributes"]["activity"] == "auto_assigned"), "{lines:?}");
    // Both are at the limit: the third waits in the unassigned queue.
    let (_, third) = app.visitor_with_conversation().await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert!(app.conversation(&app.admin_token, third).await["meta"]["assignee"].is_null());
    // Anna closes hers: the waiting one is hers now (an event, no sweep).
    let anna_first = if a == anna { first } else { second };
    let close = app.api(&format!("/conversations/{anna_first}/toggle_status"));
    assert_eq!(app.post(&anna_token, &close, json!({"status": "resolved"})).await.0, 200);
    assert_eq!(assignee(&app, third).await, Some(anna));
    app.stop().await;
}

#[tokio::test]
async fn balanced_goes_to_the_least_busy_and_an_agent_coming_online_takes_the_queue() {
    let app = TestApp::spawn().await;
    let (anna, anna_token) = app.create_user(1, "anna@example.com", Role::Agent).await;
    let (ben, ben_token) = app.create_user(1, "ben@example.com", Role::Agent).await;
    auto_assign(&app, json!({"max_assignment_limit": null, "assignment_order": "balanced"})).await;
    // Nobody online: it waits.
    let (_, waiting) = app.visitor_with_conversation().await;
    tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    assert!(app.conversation(&app.admin_token, waiting).await["meta"]["assignee"].is_null());
    // Anna comes online: the queue moves to her.
    let (_anna_ws, _) = app.ws_auth(json!({"event": "authenticate", "access_token": anna_token})).await;
    assert_eq!(assignee(&app, waiting).await, Some(anna));
    // Ben comes online with none: the next goes to him, the least busy.
    let (_ben_ws, _) = app.ws_auth(json!({"event": "authenticate", "access_token": ben_token})).await;
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    let (_, next) = app.visitor_with_conversation().await;
    assert_eq!(assignee(&app, next).await, Some(ben));
    // Busy agents are skipped.
    let busy = json!({"profile": {"account_id": 1, "availability": "busy"}});
    assert_eq!(app.post(&ben_token, &format!("{}/api/v1/profile/availability", app.url), busy).await.0, 200);
    let (_, third) = app.visitor_with_conversation().await;
    assert_eq!(assignee(&app, third).await, Some(anna));
    app.stop().await;
}

#[tokio::test]
async fn a_visitor_starting_a_chat_reads_its_agent_in_the_answer() {
    let app = TestApp::spawn().await;
    let (anna, anna_token) = app.create_user(1, "anna@example.com", Role::Agent).await;
    let (_anna_ws, _) = app.ws_auth(json!({"event": "authenticate", "access_token": anna_token})).await;
    auto_assign(&app, json!({"max_assignment_limit": null})).await;
    // The widget's socket may not listen yet when the chat starts: the
    // answer itself names the agent.
    let v = app.visitor().await;
    let url = app.client_api(&format!("/contacts/{}/conversations", v.source_id));
    let res = app.http.post(url).json(&json!({})).send().await.expect("send");
    assert_eq!(res.status(), 200);
    let c: Value = res.json().await.expect("json");
    assert_eq!(c["assignee"]["id"], anna, "{c}");
    assert!(c["assignee"]["available_name"].is_string(), "{c}");
    // Her notification says nobody in particular did it.
    let title = format!("Conversation #{} was assigned to you automatically", c["id"]);
    for _ in 0..100 {
        let (_, n) = app.get(&anna_token, &app.api("/notifications")).await;
        if n["data"]["payload"][0]["push_message_title"] == title.as_str() {
            return app.stop().await;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("no automatic assignment notification for Anna");
}
