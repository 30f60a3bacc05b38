//! Labels (Chatwoot's API): administrators keep the list; agents label
//! conversations and contacts by title; the list filters by them; a rename or
//! a delete reaches every conversation; the visitor never learns of them.

use domain::Role;
use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::*;

async fn create(app: &TestApp, body: Value) -> Value {
    let (status, label) = app.post(&app.admin_token, &app.api("/labels"), body).await;
    assert_eq!(status, 200, "{label}");
    label
}

async fn set(app: &TestApp, token: &str, conversation: i64, labels: Value) -> (u16, Value) {
    app.post(token, &app.api(&format!("/conversations/{conversation}/labels")), json!({"labels": labels})).await
}

#[tokio::test]
async fn administrators_keep_the_labels_in_chatwoots_shape_and_bad_ones_are_refused() {
    let app = TestApp::spawn().await;
    let (_, anna_token) = app.create_user(1, "anna@example.com", Role::Agent).await;
    let billing =
        create(&app, json!({"label": {"title": "Billing", "description": "Invoices", "color": "#FF0000"}})).await;
    assert_eq!(
        (&billing["title"], &billing["color"], &billing["show_on_sidebar"]),
        (&json!("billing"), &json!("#ff0000"), &json!(true))
    );
    let vip = create(&app, json!({"title": "vip"})).await;
    assert_eq!(vip["color"], "#1f93ff", "Chatwoot's default colour");

    let url = app.api("/labels");
    assert_error(&app.post(&app.admin_token, &url, json!({"title": "BILLING"})).await, 409, "label_title_taken");
    assert_error(&app.post(&app.admin_token, &url, json!({"title": "two words"})).await, 422, "invalid_label_title");
    assert_error(
        &app.post(&app.admin_token, &url, json!({"title": "x", "color": "red;}"})).await,
        422,
        "invalid_color",
    );
    assert_error(
        &app.post(&app.admin_token, &url, json!({"description": "no title"})).await,
        422,
        "invalid_label_title",
    );
    assert_error(&app.post(&anna_token, &url, json!({"title": "mine"})).await, 403, "forbidden");
    let one = app.api(&format!("/labels/{}", vip["id"]));
    assert_error(&app.send_as(&anna_token, Method::PATCH, &one, json!({"color": "#000000"})).await, 403, "forbidden");
    assert_error(&app.send_as(&anna_token, Method::DELETE, &one, json!({})).await, 403, "forbidden");
    let rename = app.send_as(&app.admin_token, Method::PATCH, &one, json!({"title": "billing"})).await;
    assert_error(&rename, 409, "label_title_taken");
    assert_error(&app.get(&anna_token, &app.api("/labels/99999")).await, 404, "not_found");

    // Everyone reads the list, sorted by title.
    let (status, list) = app.get(&anna_token, &url).await;
    assert_eq!(status, 200);
    let titles: Vec<&Value> = list["payload"].as_array().expect("payload").iter().map(|l| &l["title"]).collect();
    assert_eq!(titles, [&json!("billing"), &json!("vip")]);
    app.stop().await;
}

#[tokio::test]
async fn a_conversations_labels_are_replaced_with_a_line_for_the_team_and_never_reach_the_visitor() {
    let app = TestApp::spawn().await;
    create(&app, json!({"title": "billing"})).await;
    create(&app, json!({"title": "vip"})).await;
    let (v, conversation) = app.visitor_with_conversation().await;
    let (mut visitor, _) = app.ws_auth(json!({"event": "authenticate", "pubsub_token": v.pubsub_token})).await;
    let (mut agent, _) = app.ws_auth(json!({"event": "authenticate", "access_token": app.admin_token})).await;

    let (status, now) = set(&app, &app.admin_token, conversation, json!(["vip", "Billing", "vip"])).await;
    assert_eq!((status, &now["payload"]), (200, &json!(["billing", "vip"])), "{now}");
    let live = next_event(&mut agent, "conversation.updated").await;
    assert_eq!(live["data"]["labels"], json!(["billing", "vip"]), "{live}");
    assert_eq!(app.conversation(&app.admin_token, conversation).await["labels"], json!(["billing", "vip"]));
    let (_, got) = app.get(&app.admin_token, &app.api(&format!("/conversations/{conversation}/labels"))).await;
    assert_eq!(got["payload"], json!(["billing", "vip"]));

    // An unknown label is refused by name, and nothing changes.
    let (status, bad) = set(&app, &app.admin_token, conversation, json!(["vip", "ghost"])).await;
    assert_error(&(status, bad.clone()), 422, "unknown_label");
    assert!(bad["message"].as_str().unwrap_or_default().contains("ghost"), "{bad}");
    assert_error(&set(&app, &app.admin_token, conversation, json!(["a b"])).await, 422, "invalid_label_title");
    assert_eq!(app.conversation(&app.admin_token, conversation).await["labels"], json!(["billing", "vip"]));

    assert_eq!(set(&app, &app.admin_token, conversation, json!(["vip"])).await.0, 200);
    let lines: Vec<Value> = app
        .agent_messages(&app.admin_token, conversation)
        .await
        .into_iter()
        .filter(|m| m["content_attributes"]["activity"].as_str().is_some_and(|a| a.starts_with("labels_")))
        .collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert_eq!(lines[0]["content_attributes"]["assignee_name"], "billing, vip");
    assert_eq!(lines[1]["content_attributes"]["activity"], "labels_removed");
    assert!(lines.iter().all(|m| m["private"] == true));

    // The visitor: no label in its conversation, no line, no frame.
    let public = app.visitor_messages(&v, conversation).await;
    assert!(public.iter().all(|m| !m["content_attributes"]["activity"].as_str().unwrap_or("").starts_with("labels")));
    let res = app.http.get(app.conv_path(&v, conversation, "")).send().await.expect("send");
    let body: Value = res.json().await.expect("json");
    assert!(!body.to_string().contains("vip"), "{body}");
    app.agent_says(&app.admin_token, conversation, "After the labels", false).await;
    let next = next_json(&mut visitor).await;
    assert_eq!(next["event"], "message.created", "the visitor's next frame is the reply: {next}");
    app.stop().await;
}

#[tokio::test]
async fn the_list_filters_by_labels_and_a_rename_or_delete_reaches_every_conversation() {
    let app = TestApp::spawn().await;
    let vip = create(&app, json!({"title": "vip"})).await;
    create(&app, json!({"title": "billing"})).await;
    let (_, first) = app.visitor_with_conversation().await;
    let (_, second) = app.visitor_with_conversation().await;
    let (_, _third) = app.visitor_with_conversation().await;
    set(&app, &app.admin_token, first, json!(["vip"])).await;
    set(&app, &app.admin_token, second, json!(["billing", "vip"])).await;

    let ids = |list: &Value| -> Vec<i64> {
        list["data"]["payload"].as_array().expect("payload").iter().filter_map(|c| c["id"].as_i64()).collect()
    };
    let (_, both) = app.get(&app.admin_token, &app.api("/conversations?labels[]=vip")).await;
    assert_eq!(ids(&both), [second, first]);
    assert_eq!(both["data"]["meta"]["all_count"], 2, "{both}");
    let (_, any) = app.get(&app.admin_token, &app.api("/conversations?labels[]=billing&labels[]=ghost")).await;
    assert_eq!(ids(&any), [second]);
    let (_, comma) = app.get(&app.admin_token, &app.api("/conversations?labels=billing,vip")).await;
    assert_eq!(ids(&comma).len(), 2);
    let (_, none) = app.get(&app.admin_token, &app.api("/conversations?labels[]=ghost")).await;
    assert_eq!((ids(&none).len(), &none["data"]["meta"]["all_count"]), (0, &json!(0)));
    let (_, meta) = app.get(&app.admin_token, &app.api("/conversations/meta?labels[]=billing")).await;
    assert_eq!(meta["meta"]["all_count"], 1);

    // A new colour changes no conversation (their lists hold titles only).
    let one = app.api(&format!("/labels/{}", vip["id"]));
    let seq = app.conversation(&app.admin_token, second).await["seq"].clone();
    assert_eq!(app.send_as(&app.admin_token, Method::PATCH, &one, json!({"color": "#00aa00"})).await.0, 200);
    assert_eq!(app.conversation(&app.admin_token, second).await["seq"], seq);
    // Renamed: every conversation reads the new title, and filters by it.
    let (status, renamed) = app.send_as(&app.admin_token, Method::PATCH, &one, json!({"title": "gold"})).await;
    assert_eq!((status, &renamed["title"]), (200, &json!("gold")), "{renamed}");
    assert_eq!(app.conversation(&app.admin_token, second).await["labels"], json!(["billing", "gold"]));
    let (_, gold) = app.get(&app.admin_token, &app.api("/conversations?labels[]=gold")).await;
    assert_eq!(ids(&gold).len(), 2);
    // Deleted: gone from them all.
    assert_eq!(app.send_as(&app.admin_token, Method::DELETE, &one, json!({})).await.0, 200);
    assert_eq!(app.conversation(&app.admin_token, first).await["labels"], json!([]));
    assert_eq!(app.conversation(&app.admin_token, second).await["labels"], json!(["billing"]));
    app.stop().await;
}

#[tokio::test]
async fn a_contacts_labels_are_replaced_by_agents_who_may_see_the_contact() {
    let app = TestApp::spawn().await;
    create(&app, json!({"title": "returning"})).await;
    let (v, _) = app.visitor_with_conversation().await;
    let url = app.api(&format!("/contacts/{}/labels", v.contact_id));
    let (status, got) = app.post(&app.admin_token, &url, json!({"labels": ["returning"]})).await;
    assert_eq!((status, &got["payload"]), (200, &json!(["returning"])), "{got}");
    assert_eq!(app.get(&app.admin_token, &url).await.1["payload"], json!(["returning"]));
    assert_error(&app.post(&app.admin_token, &url, json!({"labels": ["nope"]})).await, 422, "unknown_label");
    assert_eq!(app.get(&app.admin_token, &url).await.1["payload"], json!(["returning"]));
    let ghost = app.api("/contacts/99999/labels");
    assert_error(&app.post(&app.admin_token, &ghost, json!({"labels": []})).await, 404, "not_found");
    app.stop().await;
}
