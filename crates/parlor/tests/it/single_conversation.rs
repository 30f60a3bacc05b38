//! `lock_to_single_conversation` (issue 12, W2): with the flag (the default) a
//! visitor has at most one unresolved conversation per inbox, and a message
//! into a closed one while another is open goes into the open one with a line
//! for the team naming the closed one, never lost; without it a visitor has
//! several, each of which opens again when written to.

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::*;

async fn set_single(app: &TestApp, single: bool) {
    let (_, inboxes) = app.get(&app.admin_token, &app.api("/inboxes")).await;
    let id = inboxes["payload"][0]["id"].as_i64().expect("inbox");
    let body = json!({"lock_to_single_conversation": single});
    let (status, inbox) = app.send_as(&app.admin_token, Method::PATCH, &app.api(&format!("/inboxes/{id}")), body).await;
    assert_eq!(status, 200, "{inbox}");
    assert_eq!(inbox["lock_to_single_conversation"], single);
}

async fn start(app: &TestApp, v: &Visitor) -> Value {
    let url = app.client_api(&format!("/contacts/{}/conversations", v.source_id));
    let (status, c) = app.send(Method::POST, &url, Some(json!({}))).await;
    assert_eq!(status, 200, "{c}");
    c
}

async fn set_status(app: &TestApp, conversation: i64, status: &str) {
    let url = app.api(&format!("/conversations/{conversation}/toggle_status"));
    let (code, body) = app.post(&app.admin_token, &url, json!({"status": status})).await;
    assert_eq!(code, 200, "{body}");
}

async fn visitor_conversations(app: &TestApp, v: &Visitor) -> Vec<Value> {
    let url = app.client_api(&format!("/contacts/{}/conversations", v.source_id));
    let (status, list) = app.send(Method::GET, &url, None).await;
    assert_eq!(status, 200, "{list}");
    list.as_array().expect("a list").clone()
}

#[tokio::test]
async fn with_the_flag_a_message_into_a_closed_conversation_lands_in_the_open_one() {
    let app = TestApp::spawn().await;
    let (v, first) = app.visitor_with_conversation().await;
    // One open conversation: starting again returns it.
    assert_eq!(start(&app, &v).await["id"], first);
    app.visitor_says(&v, first, "first chat").await;
    set_status(&app, first, "resolved").await;
    let second = start(&app, &v).await["id"].as_i64().expect("id");
    assert_ne!(second, first);

    // An old tab writes into the closed one: it cannot open again (the second
    // is open), so the message goes into the second, with the team's line.
    let m = app.visitor_says(&v, first, "still about my order").await;
    assert_eq!(m["conversation_id"], second, "{m}");
    let agent_view = app.agent_messages(&app.admin_token, second).await;
    assert!(agent_view.iter().any(|x| x["content"] == "still about my order"));
    let line = agent_view
        .iter()
        .find(|x| x["content_attributes"]["activity"] == "moved_from_closed")
        .expect("the team's line naming the closed conversation");
    assert_eq!(line["private"], true, "housekeeping is the team's");
    assert_eq!(line["content_attributes"]["conversation_display_id"], first);
    assert!(line["content"].as_str().expect("text").contains(&format!("#{first}")), "{line}");
    // The visitor reads their message, not the line; the closed one stays closed.
    let visible = app.visitor_messages(&v, second).await;
    assert!(visible.iter().any(|x| x["content"] == "still about my order"));
    assert_eq!(activity_count(&visible, "moved_from_closed"), 0);
    assert_eq!(app.conversation(&app.admin_token, first).await["status"], "resolved");
    assert!(!app.agent_messages(&app.admin_token, first).await.iter().any(|x| x["content"] == "still about my order"));

    // With nothing else open, writing into a closed one opens it again, as before.
    set_status(&app, second, "resolved").await;
    let m = app.visitor_says(&v, first, "me again").await;
    assert_eq!(m["conversation_id"], first);
    assert_eq!(app.conversation(&app.admin_token, first).await["status"], "open");
    app.stop().await;
}

#[tokio::test]
async fn without_the_flag_a_visitor_has_several_conversations_and_each_opens_again() {
    let app = TestApp::spawn().await;
    set_single(&app, false).await;
    let (v, first) = app.visitor_with_conversation().await;
    let second = start(&app, &v).await["id"].as_i64().expect("id");
    assert_ne!(second, first, "every start is a new conversation");
    app.visitor_says(&v, first, "about an invoice").await;
    app.visitor_says(&v, second, "about a delivery").await;
    let listed: Vec<i64> = visitor_conversations(&app, &v).await.iter().filter_map(|c| c["id"].as_i64()).collect();
    assert_eq!(listed, vec![second, first], "the widget lists both, newest first");
    assert_eq!(app.conversation(&app.admin_token, first).await["status"], "open");
    assert_eq!(app.conversation(&app.admin_token, second).await["status"], "open");

    // A closed one opens again beside the open one; nothing moves.
    set_status(&app, first, "resolved").await;
    let m = app.visitor_says(&v, first, "one more thing").await;
    assert_eq!(m["conversation_id"], first);
    assert_eq!(app.conversation(&app.admin_token, first).await["status"], "open");
    assert_eq!(activity_count(&app.agent_messages(&app.admin_token, second).await, "moved_from_closed"), 0);

    // The flag back on: the visitor keeps both, and starting returns an open one
    // instead of failing or making a third.
    set_single(&app, true).await;
    let again = start(&app, &v).await["id"].as_i64().expect("id");
    assert!(again == first || again == second, "{again}");
    assert_eq!(visitor_conversations(&app, &v).await.len(), 2);
    // An agent's reopen under the flag is refused while another is open.
    set_status(&app, second, "resolved").await;
    set_status(&app, first, "resolved").await;
    let third = start(&app, &v).await["id"].as_i64().expect("id");
    let url = app.api(&format!("/conversations/{first}/toggle_status"));
    let refused = app.post(&app.admin_token, &url, json!({"status": "open"})).await;
    assert_error(&refused, 409, "conversation_already_open");
    assert_eq!(app.conversation(&app.admin_token, third).await["status"], "open");
    app.stop().await;
}

#[tokio::test]
async fn the_frame_tells_the_widget_whether_a_visitor_may_have_several() {
    let app = TestApp::spawn().await;
    let page = |app: &TestApp| {
        let url = format!("{}/widget/frame?website_token={}&lang=de", app.url, app.website_token);
        async move { reqwest::get(url).await.expect("send").text().await.expect("body") }
    };
    assert!(page(&app).await.contains(r#""single":true"#));
    set_single(&app, false).await;
    let html = page(&app).await;
    assert!(html.contains(r#""single":false"#));
    assert!(html.contains("Neue Unterhaltung") && html.contains("Ihre Unterhaltungen"), "German list strings");
    app.stop().await;
}
