//! The Application API (`/api/v1/…`) for agents: authentication, profile, inboxes,
//! the conversation list with its filters and counts, status, assignment,
//! messages and contacts. Tenancy and inbox membership are in tenancy.rs.

use domain::Role;
use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::*;

fn ids(list: &Value) -> Vec<i64> {
    let mut ids: Vec<i64> =
        list["data"]["payload"].as_array().expect("payload").iter().filter_map(|c| c["id"].as_i64()).collect();
    ids.sort_unstable();
    ids
}

fn counts(meta: &Value) -> [i64; 4] {
    ["mine_count", "unassigned_count", "assigned_count", "all_count"].map(|k| meta[k].as_i64().unwrap_or(-1))
}

#[tokio::test]
async fn a_request_without_a_token_is_401_unauthorized_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let (v, c) = app.visitor_with_conversation().await;
    app.visitor_says(&v, c, "hi").await;
    assert_error(&app.send(Method::GET, &app.api("/conversations"), None).await, 401, "unauthorized");
    assert_error(&app.send(Method::GET, &format!("{}/api/v1/profile", app.url), None).await, 401, "unauthorized");
    let url = app.api(&format!("/conversations/{c}/messages"));
    assert_error(&app.send(Method::POST, &url, Some(json!({"content": "forged"}))).await, 401, "unauthorized");
    let url = app.api(&format!("/conversations/{c}/toggle_status"));
    assert_error(&app.send(Method::POST, &url, Some(json!({"status": "resolved"}))).await, 401, "unauthorized");
    assert_eq!(app.agent_messages(&app.admin_token, c).await.len(), 1);
    assert_eq!(app.conversation(&app.admin_token, c).await["status"], "open");
    app.stop().await;
}

#[tokio::test]
async fn a_wrong_token_is_401_unauthorized_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let (_, c) = app.visitor_with_conversation().await;
    let wrong = "0".repeat(64);
    assert_error(&app.get(&wrong, &app.api("/conversations")).await, 401, "unauthorized");
    assert_error(&app.get(&wrong, &format!("{}/api/v1/profile", app.url)).await, 401, "unauthorized");
    let got = app.post(&wrong, &app.api(&format!("/conversations/{c}/messages")), json!({"content": "forged"})).await;
    assert_error(&got, 401, "unauthorized");
    // A token with one character changed is just as wrong.
    let mut almost = app.admin_token.clone();
    let last = if almost.ends_with('0') { "1" } else { "0" };
    almost.replace_range(63.., last);
    assert_error(&app.get(&almost, &app.api("/conversations")).await, 401, "unauthorized");
    assert!(app.agent_messages(&app.admin_token, c).await.is_empty());
    app.stop().await;
}

#[tokio::test]
async fn the_profile_names_the_user_its_role_and_its_account() {
    let app = TestApp::spawn().await;
    let (status, me) = app.get(&app.admin_token, &format!("{}/api/v1/profile", app.url)).await;
    assert_eq!(status, 200);
    assert_eq!(me["email"], "owner@example.com");
    assert_eq!(me["role"], "administrator");
    assert_eq!(me["account_id"], 1);
    assert_eq!(me["accounts"][0]["id"], 1);
    let (id, token) = app.create_user(1, "anna@example.com", Role::Agent).await;
    let (_, anna) = app.get(&token, &format!("{}/api/v1/profile", app.url)).await;
    assert_eq!(anna["id"], id);
    assert_eq!(anna["role"], "agent");
    assert!(anna.get("access_token").is_none() && anna.get("password_hash").is_none(), "{anna}");
    app.stop().await;
}

#[tokio::test]
async fn the_inbox_list_gives_the_website_token_as_the_inbox_identifier() {
    let app = TestApp::spawn().await;
    let (status, list) = app.get(&app.admin_token, &app.api("/inboxes")).await;
    assert_eq!(status, 200);
    let inboxes = list["payload"].as_array().expect("payload");
    assert_eq!(inboxes.len(), 1);
    assert_eq!(inboxes[0]["website_token"], app.website_token.as_str());
    assert_eq!(inboxes[0]["inbox_identifier"], app.website_token.as_str());
    let id = inboxes[0]["id"].as_i64().expect("id");
    let (status, one) = app.get(&app.admin_token, &app.api(&format!("/inboxes/{id}"))).await;
    assert_eq!(status, 200);
    assert_eq!(one["inbox_identifier"], app.website_token.as_str());
    app.stop().await;
}

#[tokio::test]
async fn the_conversation_list_shows_open_ones_by_default_and_filters_by_status() {
    let app = TestApp::spawn().await;
    let (_, open) = app.visitor_with_conversation().await;
    let (_, resolved) = app.visitor_with_conversation().await;
    let url = app.api(&format!("/conversations/{resolved}/toggle_status"));
    assert_eq!(app.post(&app.admin_token, &url, json!({"status": "resolved"})).await.0, 200);

    let (status, default) = app.get(&app.admin_token, &app.api("/conversations")).await;
    assert_eq!(status, 200);
    assert_eq!(ids(&default), [open]);
    assert_eq!(default["data"]["meta"]["all_count"], 1);
    let (_, only_resolved) = app.get(&app.admin_token, &app.api("/conversations?status=resolved")).await;
    assert_eq!(ids(&only_resolved), [resolved]);
    let (_, all) = app.get(&app.admin_token, &app.api("/conversations?status=all")).await;
    assert_eq!(ids(&all), [open, resolved]);
    assert_eq!(all["data"]["meta"]["all_count"], 2);
    app.stop().await;
}

#[tokio::test]
async fn assignee_filters_and_their_counts_follow_assignments() {
    let app = TestApp::spawn().await;
    let me = app.get(&app.admin_token, &format!("{}/api/v1/profile", app.url)).await.1["id"].as_i64().expect("id");
    let (anna, _) = app.create_user(1, "anna@example.com", Role::Agent).await;
    let (_, mine) = app.visitor_with_conversation().await;
    let (_, annas) = app.visitor_with_conversation().await;
    let (_, nobodys) = app.visitor_with_conversation().await;
    for (c, who) in [(mine, me), (annas, anna)] {
        let (status, body) = app
            .post(&app.admin_token, &app.api(&format!("/conversations/{c}/assignments")), json!({"assignee_id": who}))
            .await;
        assert_eq!(status, 200, "{body}");
    }

    let a = &app;
    let list = |q: &str| {
        let url = a.api(&format!("/conversations?{q}"));
        async move { a.get(&a.admin_token, &url).await }
    };
    let (_, me_list) = list("assignee_type=me").await;
    assert_eq!(ids(&me_list), [mine]);
    assert_eq!(counts(&me_list["data"]["meta"]), [1, 1, 2, 3], "{}", me_list["data"]["meta"]);
    let (_, unassigned) = list("assignee_type=unassigned").await;
    assert_eq!(ids(&unassigned), [nobodys]);
    let (_, assigned) = list("assignee_type=assigned").await;
    assert_eq!(ids(&assigned), [mine, annas]);
    let (_, all) = list("assignee_type=all").await;
    assert_eq!(ids(&all), [mine, annas, nobodys]);
    assert_eq!(counts(&all["data"]["meta"]), [1, 1, 2, 3]);

    let (status, meta) = app.get(&app.admin_token, &app.api("/conversations/meta")).await;
    assert_eq!(status, 200);
    assert_eq!(counts(&meta["meta"]), [1, 1, 2, 3], "{meta}");
    // Resolved ones leave the open counts.
    app.post(
        &app.admin_token,
        &app.api(&format!("/conversations/{mine}/toggle_status")),
        json!({"status": "resolved"}),
    )
    .await;
    let (_, meta) = app.get(&app.admin_token, &app.api("/conversations/meta")).await;
    assert_eq!(counts(&meta["meta"]), [0, 1, 1, 2], "{meta}");
    app.stop().await;
}

#[tokio::test]
async fn an_invalid_status_or_assignee_type_filter_is_a_clear_422() {
    let app = TestApp::spawn().await;
    app.visitor_with_conversation().await;
    assert_error(&app.get(&app.admin_token, &app.api("/conversations?status=closed")).await, 422, "invalid_status");
    assert_error(&app.get(&app.admin_token, &app.api("/conversations/meta?status=bogus")).await, 422, "invalid_status");
    assert_error(
        &app.get(&app.admin_token, &app.api("/conversations?assignee_type=everyone")).await,
        422,
        "invalid_assignee_type",
    );
    assert_error(&app.get(&app.admin_token, &app.api("/conversations?page=x")).await, 400, "invalid_query");
    let (_, all) = app.get(&app.admin_token, &app.api("/conversations?status=all")).await;
    assert_eq!(all["data"]["meta"]["all_count"], 1);
    app.stop().await;
}

#[tokio::test]
async fn showing_a_conversation_gives_its_contact_inbox_and_status() {
    let app = TestApp::spawn().await;
    let (v, c) = app.visitor_with_conversation().await;
    app.visitor_says(&v, c, "Hi there").await;
    let shown = app.conversation(&app.admin_token, c).await;
    assert_eq!(shown["id"], c);
    assert_eq!(shown["status"], "open");
    assert_eq!(shown["meta"]["sender"]["id"], v.contact_id);
    assert_eq!(shown["account_id"], 1);
    assert_eq!(shown["last_non_activity_message"]["content"], "Hi there");
    assert_eq!(shown["unread_count"], 1);
    assert_error(&app.get(&app.admin_token, &app.api("/conversations/999999")).await, 404, "not_found");
    assert_error(&app.get(&app.admin_token, &app.api("/conversations/not-a-number")).await, 404, "not_found");
    app.stop().await;
}

async fn toggle(app: &TestApp, c: i64, body: Option<Value>) -> (u16, Value) {
    let mut req = app
        .http
        .post(app.api(&format!("/conversations/{c}/toggle_status")))
        .header("api_access_token", &app.admin_token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req.send().await.expect("send");
    (res.status().as_u16(), res.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn toggle_status_sets_a_named_status_and_swaps_open_and_resolved_without_one() {
    let app = TestApp::spawn().await;
    let (_, c) = app.visitor_with_conversation().await;
    let status_now = || async { app.conversation(&app.admin_token, c).await["status"].clone() };

    let (code, body) = toggle(&app, c, Some(json!({"status": "resolved"}))).await;
    assert_eq!(code, 200);
    assert_eq!(body["payload"]["current_status"], "resolved");
    assert_eq!(body["payload"]["conversation_id"], c);
    assert_eq!(status_now().await, "resolved");
    assert_eq!(toggle(&app, c, Some(json!({"status": "open"}))).await.1["payload"]["current_status"], "open");
    assert_eq!(status_now().await, "open");
    assert_eq!(toggle(&app, c, Some(json!({}))).await.1["payload"]["current_status"], "resolved");
    assert_eq!(status_now().await, "resolved");
    assert_eq!(toggle(&app, c, None).await.1["payload"]["current_status"], "open");
    assert_eq!(status_now().await, "open");
    assert_eq!(toggle(&app, c, Some(json!({"status": "pending"}))).await.1["payload"]["current_status"], "pending");

    assert_error(&toggle(&app, c, Some(json!({"status": "closed"}))).await, 422, "invalid_status");
    assert_error(&toggle(&app, c, Some(json!({"status": 1}))).await, 400, "invalid_type");
    assert_eq!(status_now().await, "pending");
    app.stop().await;
}

#[tokio::test]
async fn a_conversation_can_be_assigned_to_a_member_and_unassigned_with_null() {
    let app = TestApp::spawn().await;
    let (_, c) = app.visitor_with_conversation().await;
    let (anna, _) = app.create_user(1, "anna@example.com", Role::Agent).await;
    let url = app.api(&format!("/conversations/{c}/assignments"));
    let (status, assignee) = app.post(&app.admin_token, &url, json!({"assignee_id": anna})).await;
    assert_eq!(status, 200);
    assert_eq!(assignee["id"], anna);
    assert_eq!(assignee["name"], "anna");
    let shown = app.conversation(&app.admin_token, c).await;
    assert_eq!(shown["assignee_id"], anna);
    assert_eq!(shown["meta"]["assignee"]["id"], anna);

    let (status, none) = app.post(&app.admin_token, &url, json!({"assignee_id": null})).await;
    assert_eq!(status, 200);
    assert!(none.is_null(), "{none}");
    assert!(app.conversation(&app.admin_token, c).await["assignee_id"].is_null());
    app.stop().await;
}

#[tokio::test]
async fn assigning_to_someone_outside_the_account_is_refused_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let (_, c) = app.visitor_with_conversation().await;
    let (anna, _) = app.create_user(1, "anna@example.com", Role::Agent).await;
    let other = app::testing::create_account(app.app(), "Other").await.expect("account");
    let (outsider, _) = app.create_user(other.0, "eve@other.example", Role::Administrator).await;
    let url = app.api(&format!("/conversations/{c}/assignments"));
    assert_eq!(app.post(&app.admin_token, &url, json!({"assignee_id": anna})).await.0, 200);
    let seq = app.conversation(&app.admin_token, c).await["seq"].clone();

    assert_error(&app.post(&app.admin_token, &url, json!({"assignee_id": outsider})).await, 404, "not_found");
    assert_error(&app.post(&app.admin_token, &url, json!({"assignee_id": 999_999})).await, 404, "not_found");
    assert_error(&app.post(&app.admin_token, &url, json!({"assignee_id": "anna"})).await, 400, "invalid_type");
    let shown = app.conversation(&app.admin_token, c).await;
    assert_eq!(shown["assignee_id"], anna);
    assert_eq!(shown["seq"], seq, "no event was written");
    app.stop().await;
}

#[tokio::test]
async fn replying_to_an_unassigned_conversation_assigns_it_to_the_replier() {
    let app = TestApp::spawn().await;
    let (v, c) = app.visitor_with_conversation().await;
    app.visitor_says(&v, c, "Help?").await;
    let (anna, anna_token) = app.create_user(1, "anna@example.com", Role::Agent).await;
    // An internal comment is not a reply: it assigns nobody.
    app.agent_says(&anna_token, c, "I'll take this one", true).await;
    assert!(app.conversation(&app.admin_token, c).await["assignee_id"].is_null());
    app.agent_says(&anna_token, c, "Sure, what do you need?", false).await;
    assert_eq!(app.conversation(&app.admin_token, c).await["assignee_id"], anna);
    // A later reply by someone else keeps the assignee.
    app.agent_says(&app.admin_token, c, "Adding to that…", false).await;
    assert_eq!(app.conversation(&app.admin_token, c).await["assignee_id"], anna);
    app.stop().await;
}

#[tokio::test]
async fn agents_see_private_comments_in_the_message_list_marked_private() {
    let app = TestApp::spawn().await;
    let (v, c) = app.visitor_with_conversation().await;
    app.visitor_says(&v, c, "Question").await;
    app.agent_says(&app.admin_token, c, "note to self", true).await;
    let messages = app.agent_messages(&app.admin_token, c).await;
    let note = messages.iter().find(|m| m["content"] == "note to self").expect("the comment is listed");
    assert_eq!(note["private"], true);
    assert_eq!(note["message_type"], 1);
    let question = messages.iter().find(|m| m["content"] == "Question").expect("the question is listed");
    assert_eq!(question["private"], false);
    app.stop().await;
}

#[tokio::test]
async fn bad_agent_messages_are_refused_with_clear_codes_and_not_stored() {
    let app = TestApp::spawn().await;
    let (_, c) = app.visitor_with_conversation().await;
    let url = app.api(&format!("/conversations/{c}/messages"));
    assert_error(&app.post(&app.admin_token, &url, json!({"content": "  "})).await, 422, "empty_message");
    let as_contact = json!({"content": "spoof", "message_type": "incoming"});
    assert_error(&app.post(&app.admin_token, &url, as_contact).await, 422, "invalid_message_type");
    assert_error(&app.post(&app.admin_token, &url, json!({"content": ["x"]})).await, 400, "invalid_type");
    assert_error(&app.post_raw(Some(&app.admin_token), &url, "{\"content\":").await, 400, "malformed_json");
    assert!(app.agent_messages(&app.admin_token, c).await.is_empty());
    app.stop().await;
}

#[tokio::test]
async fn contacts_can_be_listed_searched_by_name_or_email_and_shown() {
    let app = TestApp::spawn().await;
    let (status, ada) = app
        .send(
            Method::POST,
            &app.client_api("/contacts"),
            Some(json!({"name": "Ada Lovelace", "email": "ada@example.com"})),
        )
        .await;
    assert_eq!(status, 200, "{ada}");
    let (_, grace) = app
        .send(
            Method::POST,
            &app.client_api("/contacts"),
            Some(json!({"name": "Grace Hopper", "email": "grace@navy.example"})),
        )
        .await;
    let anonymous = app.visitor().await;

    let (status, list) = app.get(&app.admin_token, &app.api("/contacts")).await;
    assert_eq!(status, 200);
    assert_eq!(list["meta"]["count"], 3);
    assert_eq!(list["payload"].as_array().map(Vec::len), Some(3));

    let a = &app;
    let search = |q: &str| {
        let url = a.api(&format!("/contacts/search?q={q}"));
        async move { a.get(&a.admin_token, &url).await }
    };
    let found = |r: &Value| -> Vec<Value> {
        r["payload"].as_array().expect("payload").iter().map(|c| c["id"].clone()).collect()
    };
    assert_eq!(found(&search("lovelace").await.1), [ada["id"].clone()]);
    assert_eq!(found(&search("NAVY.example").await.1), [grace["id"].clone()]);
    assert_eq!(search("nobody-like-this").await.1["meta"]["count"], 0);
    // LIKE wildcards are text, not patterns.
    assert_eq!(search("%25").await.1["meta"]["count"], 0);

    let (status, shown) = app.get(&app.admin_token, &app.api(&format!("/contacts/{}", ada["id"]))).await;
    assert_eq!(status, 200);
    assert_eq!(shown["payload"]["name"], "Ada Lovelace");
    assert_eq!(shown["payload"]["email"], "ada@example.com");
    let (_, anon) = app.get(&app.admin_token, &app.api(&format!("/contacts/{}", anonymous.contact_id))).await;
    // Unnamed: an empty name, which clients show in their own language.
    assert_eq!(anon["payload"]["name"], "");
    assert_error(&app.get(&app.admin_token, &app.api("/contacts/999999")).await, 404, "not_found");
    app.stop().await;
}

/// A unique rule broken through the API answers with its named conflict, in
/// the same words on both databases: never an index name or driver text.
#[tokio::test]
async fn conflicts_are_named_and_worded_alike_on_both_databases() {
    let app = TestApp::spawn().await;
    let (v, c) = app.visitor_with_conversation().await;
    let inbox = app.conversation(&app.admin_token, c).await["inbox_id"].clone();
    let start = json!({"source_id": v.source_id, "inbox_id": inbox});
    let second = app.post(&app.admin_token, &app.api("/conversations"), start.clone()).await;
    assert_error(&second, 409, "conversation_already_open");
    assert_eq!(second.1["message"], "This contact already has an open conversation in this inbox.");

    let toggle = app.api(&format!("/conversations/{c}/toggle_status"));
    assert_eq!(app.post(&app.admin_token, &toggle, json!({"status": "resolved"})).await.0, 200);
    let (status, newer) = app.post(&app.admin_token, &app.api("/conversations"), start).await;
    assert_eq!(status, 200, "{newer}");
    let reopen = app.post(&app.admin_token, &toggle, json!({"status": "open"})).await;
    assert_error(&reopen, 409, "conversation_already_open");
    assert_eq!(reopen.1["message"], "The contact has another open conversation in this inbox; close that one first.");
    assert_eq!(app.conversation(&app.admin_token, c).await["status"], "resolved", "unchanged");
    app.stop().await;
}
