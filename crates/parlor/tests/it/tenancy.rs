//! Who may see what (threats.md #7): another account's user gets 404 on every
//! endpoint of account 1 and changes nothing, a user cannot name an account it
//! is not in, and an agent only sees the inboxes it is a member of.

use domain::Role;
use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::*;

/// A second account with an administrator; returns (account id, token).
async fn other_account(app: &TestApp) -> (i64, String) {
    let other = app::testing::create_account(app.app(), "Other").await.expect("account");
    let (_, token) = app.create_user(other.0, "eve@other.example", Role::Administrator).await;
    (other.0, token)
}

/// Everything an agent can do to one conversation, contact and inbox.
fn endpoints(
    base: &str,
    conversation: i64,
    contact: i64,
    inbox: i64,
    team: i64,
    label: i64,
) -> Vec<(Method, String, Option<Value>)> {
    let c = format!("{base}/conversations/{conversation}");
    let t = format!("{base}/teams/{team}");
    let l = format!("{base}/labels/{label}");
    let contact_labels = format!("{base}/contacts/{contact}/labels");
    vec![
        (Method::GET, format!("{base}/labels"), None),
        (Method::POST, format!("{base}/labels"), Some(json!({"title": "moles"}))),
        (Method::GET, l.clone(), None),
        (Method::PATCH, l.clone(), Some(json!({"title": "hijacked"}))),
        (Method::GET, format!("{c}/labels"), None),
        (Method::POST, format!("{c}/labels"), Some(json!({"labels": []}))),
        (Method::GET, contact_labels.clone(), None),
        (Method::POST, contact_labels, Some(json!({"labels": []}))),
        (Method::GET, format!("{base}/conversations?labels[]=vip"), None),
        (Method::DELETE, l, None),
        (Method::GET, format!("{base}/notifications"), None),
        (Method::POST, format!("{base}/notifications/read_all"), Some(json!({}))),
        (Method::PATCH, format!("{base}/notifications/1"), Some(json!({}))),
        (Method::DELETE, format!("{base}/notifications/1"), None),
        (Method::GET, format!("{base}/notification_settings"), None),
        (Method::PUT, format!("{base}/notification_settings"), Some(json!({"selected_push_flags": []}))),
        (Method::GET, format!("{base}/teams"), None),
        (Method::POST, format!("{base}/teams"), Some(json!({"name": "Moles"}))),
        (Method::GET, t.clone(), None),
        (Method::PATCH, t.clone(), Some(json!({"name": "Hijacked"}))),
        (Method::GET, format!("{t}/team_members"), None),
        (Method::POST, format!("{t}/team_members"), Some(json!({"user_ids": []}))),
        (Method::PATCH, format!("{t}/team_members"), Some(json!({"user_ids": []}))),
        (Method::DELETE, format!("{t}/team_members"), Some(json!({"user_ids": []}))),
        (Method::DELETE, t.clone(), None),
        (Method::POST, format!("{c}/assignments"), Some(json!({"team_id": team}))),
        (Method::GET, format!("{base}/conversations?team_id={team}"), None),
        (Method::GET, format!("{base}/conversations"), None),
        (Method::GET, format!("{base}/conversations?status=all"), None),
        (Method::GET, format!("{base}/conversations/meta"), None),
        (Method::GET, c.clone(), None),
        (Method::GET, format!("{c}/messages"), None),
        (Method::POST, format!("{c}/messages"), Some(json!({"content": "intruder"}))),
        (Method::POST, format!("{c}/messages"), Some(json!({"content": "intruder note", "private": true}))),
        (Method::POST, format!("{c}/toggle_status"), Some(json!({"status": "resolved"}))),
        (Method::POST, format!("{c}/assignments"), Some(json!({"assignee_id": null}))),
        (Method::POST, format!("{c}/toggle_typing_status"), Some(json!({"typing_status": "on"}))),
        (Method::POST, format!("{c}/update_last_seen"), Some(json!({}))),
        (Method::GET, format!("{base}/contacts"), None),
        (Method::GET, format!("{base}/contacts/search?q=a"), None),
        (Method::GET, format!("{base}/contacts/{contact}"), None),
        (Method::GET, format!("{base}/inboxes"), None),
        (Method::GET, format!("{base}/inboxes/{inbox}"), None),
        (Method::POST, format!("{base}/inboxes"), Some(json!({"name": "Hijack"}))),
        (Method::POST, format!("{base}/conversations"), Some(json!({"source_id": "x", "inbox_id": inbox}))),
        (Method::PATCH, format!("{base}/inboxes/{inbox}"), Some(json!({"name": "Hijacked"}))),
        (Method::DELETE, format!("{base}/inboxes/{inbox}/avatar"), None),
        (Method::GET, format!("{base}/inboxes/{inbox}/greeter"), None),
        (
            Method::PATCH,
            format!("{base}/inboxes/{inbox}/greeter"),
            Some(json!({"enabled": true, "greeting": "Mine now"})),
        ),
        (Method::POST, format!("{base}/inboxes/{inbox}/greeter/avatar"), Some(json!({}))),
        (Method::DELETE, format!("{base}/inboxes/{inbox}/greeter/avatar"), None),
        (Method::GET, format!("{base}/inbox_members/{inbox}"), None),
        (Method::POST, format!("{base}/inbox_members"), Some(json!({"inbox_id": inbox, "user_ids": []}))),
        (Method::PATCH, format!("{base}/inbox_members"), Some(json!({"inbox_id": inbox, "user_ids": []}))),
        (Method::DELETE, format!("{base}/inbox_members"), Some(json!({"inbox_id": inbox, "user_ids": []}))),
        (Method::GET, format!("{base}/agents"), None),
        (Method::POST, format!("{base}/agents"), Some(json!({"name": "Mole", "email": "mole@example.com"}))),
    ]
}

async fn call(app: &TestApp, token: &str, method: Method, url: &str, body: Option<Value>) -> (u16, Value) {
    let mut req = app.http.request(method, url).header("api_access_token", token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req.send().await.expect("send");
    (res.status().as_u16(), res.json().await.unwrap_or(Value::Null))
}

/// What an administrator of the account sees of one conversation and the account.
async fn snapshot(app: &TestApp, token: &str, account: i64, conversation: i64) -> Value {
    let base = format!("{}/api/v1/accounts/{account}", app.url);
    let (_, c) = app.get(token, &format!("{base}/conversations/{conversation}")).await;
    let (_, m) = app.get(token, &format!("{base}/conversations/{conversation}/messages")).await;
    let (_, i) = app.get(token, &format!("{base}/inboxes")).await;
    let (_, agents) = app.get(token, &format!("{base}/agents")).await;
    let (_, labels) = app.get(token, &format!("{base}/labels")).await;
    let inbox_names: Vec<Value> =
        i["payload"].as_array().map(|l| l.iter().map(|x| x["name"].clone()).collect()).unwrap_or_default();
    json!({
        "status": c["status"], "assignee": c["assignee_id"], "seq": c["seq"], "seen": c["agent_last_seen_at"],
        "labels": c["labels"], "account_labels": labels["payload"],
        "messages": m["payload"].as_array().map(Vec::len), "inboxes": inbox_names, "agents": agents,
    })
}

#[tokio::test]
async fn a_user_of_another_account_gets_404_on_every_endpoint_of_account_1_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let (v, c) = app.visitor_with_conversation().await;
    app.visitor_says(&v, c, "account 1 data").await;
    let inbox = app.get(&app.admin_token, &app.api("/inboxes")).await.1["payload"][0]["id"].as_i64().expect("inbox");
    let (_, eve) = other_account(&app).await;
    let team =
        app.post(&app.admin_token, &app.api("/teams"), json!({"name": "Sales"})).await.1["id"].as_i64().expect("team");
    let label =
        app.post(&app.admin_token, &app.api("/labels"), json!({"title": "vip"})).await.1["id"].as_i64().expect("label");
    let tag = app.api(&format!("/conversations/{c}/labels"));
    assert_eq!(app.post(&app.admin_token, &tag, json!({"labels": ["vip"]})).await.0, 200);
    let before = snapshot(&app, &app.admin_token, 1, c).await;

    for (method, url, body) in endpoints(&app.api(""), c, v.contact_id, inbox, team, label) {
        let got = call(&app, &eve, method.clone(), &url, body).await;
        assert_eq!(got.0, 404, "{method} {url} answered {}", got.1);
        assert_eq!(got.1["code"], "not_found", "{method} {url}");
    }
    assert_eq!(snapshot(&app, &app.admin_token, 1, c).await, before);
    let (_, contacts) = app.get(&app.admin_token, &app.api("/contacts")).await;
    assert_eq!(contacts["meta"]["count"], 1);
    app.stop().await;
}

#[tokio::test]
async fn a_user_of_account_1_naming_account_2_gets_404_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let (other, eve) = other_account(&app).await;
    let (inbox, token) = app.new_inbox(other, "Other website").await;
    let (_, c) = app.conversation_in(&token).await;
    let contact = app.get(&eve, &format!("{}/api/v1/accounts/{other}/conversations/{c}", app.url)).await.1["meta"]
        ["sender"]["id"]
        .as_i64()
        .expect("contact");
    let their_labels = format!("{}/api/v1/accounts/{other}/labels", app.url);
    let label = app.post(&eve, &their_labels, json!({"title": "theirs"})).await.1["id"].as_i64().expect("label");
    let before = snapshot(&app, &eve, other, c).await;
    assert_eq!(before["messages"], 1, "{before}");

    let base = format!("{}/api/v1/accounts/{other}", app.url);
    let team =
        app.post(&eve, &format!("{base}/teams"), json!({"name": "Theirs"})).await.1["id"].as_i64().expect("team");
    for (method, url, body) in endpoints(&base, c, contact, inbox, team, label) {
        let got = call(&app, &app.admin_token, method.clone(), &url, body).await;
        assert_eq!(got.0, 404, "{method} {url} answered {}", got.1);
        assert_eq!(got.1["code"], "not_found", "{method} {url}");
    }
    assert_eq!(snapshot(&app, &eve, other, c).await, before);
    // And an account that does not exist answers the same.
    let ghost =
        call(&app, &app.admin_token, Method::GET, &format!("{}/api/v1/accounts/999/conversations", app.url), None)
            .await;
    let real = call(&app, &app.admin_token, Method::GET, &format!("{base}/conversations"), None).await;
    assert_eq!(ghost, real);
    app.stop().await;
}

#[tokio::test]
async fn each_account_lists_only_its_own_conversations_contacts_and_inboxes() {
    let app = TestApp::spawn().await;
    let (v1, c1) = app.visitor_with_conversation().await;
    let (other, eve) = other_account(&app).await;
    let (_, token) = app.new_inbox(other, "Other website").await;
    app.conversation_in(&token).await;

    let (_, mine) = app.get(&app.admin_token, &app.api("/conversations?status=all")).await;
    let listed: Vec<&Value> = mine["data"]["payload"].as_array().expect("payload").iter().collect();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["id"], c1);
    assert_eq!(listed[0]["account_id"], 1);
    let (_, contacts) = app.get(&app.admin_token, &app.api("/contacts")).await;
    assert_eq!(contacts["meta"]["count"], 1);
    assert_eq!(contacts["payload"][0]["id"], v1.contact_id);

    let base = format!("{}/api/v1/accounts/{other}", app.url);
    let (_, theirs) = app.get(&eve, &format!("{base}/conversations?status=all")).await;
    assert_eq!(theirs["data"]["meta"]["all_count"], 1);
    assert_eq!(theirs["data"]["payload"][0]["account_id"], other);
    let (_, inboxes) = app.get(&eve, &format!("{base}/inboxes")).await;
    let tokens: Vec<&Value> =
        inboxes["payload"].as_array().expect("payload").iter().map(|i| &i["website_token"]).collect();
    assert_eq!(tokens, [&json!(token)]);
    app.stop().await;
}

#[tokio::test]
async fn an_agent_does_not_see_conversations_of_an_inbox_it_is_not_a_member_of() {
    let app = TestApp::spawn().await;
    let (anna, anna_token) = app.create_user(1, "anna@example.com", Role::Agent).await;
    let (_, visible) = app.visitor_with_conversation().await;
    let (sales, sales_token) = app.new_inbox(1, "Sales").await;
    app.sql(&format!("DELETE FROM inbox_members WHERE inbox_id = {sales} AND user_id = {anna}")).await;
    let (_, hidden) = app.conversation_in(&sales_token).await;
    let contact = app.conversation(&app.admin_token, hidden).await["meta"]["sender"]["id"].as_i64().expect("contact");
    let before = snapshot(&app, &app.admin_token, 1, hidden).await;

    // The list, its counts and the inbox list leave the Sales inbox out.
    let (status, list) = app.get(&anna_token, &app.api("/conversations?status=all")).await;
    assert_eq!(status, 200);
    let ids: Vec<&Value> = list["data"]["payload"].as_array().expect("payload").iter().map(|c| &c["id"]).collect();
    assert_eq!(ids, [&json!(visible)]);
    assert_eq!(list["data"]["meta"]["all_count"], 1);
    let (_, meta) = app.get(&anna_token, &app.api("/conversations/meta")).await;
    assert_eq!(meta["meta"]["all_count"], 1);
    let (_, inboxes) = app.get(&anna_token, &app.api("/inboxes")).await;
    assert!(inboxes["payload"].as_array().expect("payload").iter().all(|i| i["id"] != sales), "{inboxes}");
    let (_, filtered) = app.get(&anna_token, &app.api(&format!("/conversations?status=all&inbox_id={sales}"))).await;
    assert_eq!(filtered["data"]["meta"]["all_count"], 0);

    // Nor the contacts who only wrote there: not in the list, not by search
    // (name, email or page attributes), not by id. Parlor differs from
    // Chatwoot here, where every agent sees every contact (README).
    app.sql(&format!("UPDATE contacts SET name = 'Sally Sales', email = 'sally@example.com' WHERE id = {contact}"))
        .await;
    let (_, contacts) = app.get(&anna_token, &app.api("/contacts")).await;
    let listed: Vec<&Value> = contacts["payload"].as_array().expect("payload").iter().map(|c| &c["id"]).collect();
    assert!(!listed.contains(&&json!(contact)), "{contacts}");
    let own = app.conversation(&anna_token, visible).await["meta"]["sender"]["id"].clone();
    assert!(listed.contains(&&own), "Anna's own inbox's contact is listed: {contacts}");
    assert_eq!(contacts["meta"]["count"].as_i64(), Some(listed.len() as i64));
    for q in ["Sally", "sally@example.com"] {
        let (_, found) = app.get(&anna_token, &app.api(&format!("/contacts/search?q={q}"))).await;
        assert_eq!(found["meta"]["count"], 0, "{q}: {found}");
        let (_, admin_found) = app.get(&app.admin_token, &app.api(&format!("/contacts/search?q={q}"))).await;
        assert_eq!(admin_found["meta"]["count"], 1, "the administrator finds {q}");
    }

    // Every endpoint naming the conversation, the inbox or its contact answers
    // as if it did not exist (the lists were checked above).
    for (method, url, body) in endpoints(&app.api(""), hidden, contact, sales, 0, 0) {
        let names_it = url.contains(&format!("/conversations/{hidden}"))
            || url.ends_with(&format!("/contacts/{contact}"))
            || url.contains(&format!("/contacts/{contact}/"))
            || url.ends_with(&format!("/inboxes/{sales}"))
            || url.ends_with(&format!("/inboxes/{sales}/avatar"))
            || url.contains(&format!("/inboxes/{sales}/greeter"))
            || url.contains("/inbox_members")
            || (method == Method::POST && url.ends_with("/conversations"));
        if names_it {
            let got = call(&app, &anna_token, method.clone(), &url, body).await;
            assert_eq!(got.0, 404, "{method} {url} answered {}", got.1);
            assert_eq!(got.1["code"], "not_found");
        }
    }
    let assign = app.api(&format!("/conversations/{hidden}/assignments"));
    let got = app.post(&app.admin_token, &assign, json!({"assignee_id": anna})).await;
    assert_error(&got, 422, "invalid_assignee");
    assert_eq!(snapshot(&app, &app.admin_token, 1, hidden).await, before);

    // The administrator sees both; Anna still works in her own inbox.
    let (_, all) = app.get(&app.admin_token, &app.api("/conversations?status=all")).await;
    assert_eq!(all["data"]["meta"]["all_count"], 2);
    assert_eq!(app.get(&anna_token, &app.api(&format!("/conversations/{visible}"))).await.0, 200);
    app.stop().await;
}

#[tokio::test]
async fn another_accounts_ids_under_my_own_account_path_are_404_and_change_nothing() {
    let app = TestApp::spawn().await;
    app.visitor_with_conversation().await;
    let (other, eve) = other_account(&app).await;
    let (their_inbox, their_token) = app.new_inbox(other, "Other website").await;
    let (their_visitor, their_conversation) = app.conversation_in(&their_token).await;
    let before = snapshot(&app, &eve, other, their_conversation).await;

    let contact = app.api(&format!("/contacts/{}", their_visitor.contact_id));
    assert_error(&app.get(&app.admin_token, &contact).await, 404, "not_found");
    assert_error(&app.get(&app.admin_token, &app.api(&format!("/inboxes/{their_inbox}"))).await, 404, "not_found");
    let (status, filtered) =
        app.get(&app.admin_token, &app.api(&format!("/conversations?status=all&inbox_id={their_inbox}"))).await;
    assert_eq!(status, 200);
    assert_eq!(filtered["data"]["meta"]["all_count"], 0, "{filtered}");
    let start =
        json!({"source_id": their_visitor.source_id, "inbox_id": their_inbox, "message": {"content": "hijack"}});
    assert_error(&app.post(&app.admin_token, &app.api("/conversations"), start).await, 404, "not_found");
    // Their agents, inbox and team through my account's team routes.
    let their_base = format!("{}/api/v1/accounts/{other}", app.url);
    let their_team =
        app.post(&eve, &format!("{their_base}/teams"), json!({"name": "Theirs"})).await.1["id"].as_i64().expect("team");
    let eve_id = app.get(&eve, &format!("{}/api/v1/profile", app.url)).await.1["id"].as_i64().expect("id");
    let mine = |path: String| app.api(&path);
    let team_calls = [
        (Method::PATCH, mine(format!("/agents/{eve_id}")), json!({"role": "agent"})),
        (Method::DELETE, mine(format!("/agents/{eve_id}")), json!({})),
        (Method::POST, mine(format!("/agents/{eve_id}/setup_link")), json!({})),
        (Method::POST, mine(format!("/agents/{eve_id}/reset_access_token")), json!({})),
        (Method::PATCH, mine(format!("/inboxes/{their_inbox}")), json!({"name": "Hijacked"})),
        (Method::DELETE, mine(format!("/inboxes/{their_inbox}/avatar")), json!({})),
        (Method::GET, mine(format!("/inbox_members/{their_inbox}")), json!({})),
        (Method::POST, mine("/inbox_members".into()), json!({"inbox_id": their_inbox, "user_ids": [1]})),
        (Method::DELETE, mine("/inbox_members".into()), json!({"inbox_id": their_inbox, "user_ids": [eve_id]})),
        (Method::GET, mine(format!("/teams/{their_team}")), json!({})),
        (Method::PATCH, mine(format!("/teams/{their_team}")), json!({"name": "Hijacked"})),
        (Method::DELETE, mine(format!("/teams/{their_team}")), json!({})),
        (Method::GET, mine(format!("/teams/{their_team}/team_members")), json!({})),
        (Method::PATCH, mine(format!("/teams/{their_team}/team_members")), json!({"user_ids": [1]})),
    ];
    for (method, url, body) in team_calls {
        let got = app.send_as(&app.admin_token, method.clone(), &url, body).await;
        assert_error(&got, 404, "not_found");
    }

    // My conversation cannot be given to their team, nor Eve join mine.
    let (_, mine_conversation) = app.visitor_with_conversation().await;
    let give = app.api(&format!("/conversations/{mine_conversation}/assignments"));
    assert_error(&app.post(&app.admin_token, &give, json!({"team_id": their_team})).await, 422, "invalid_team");
    let my_team =
        app.post(&app.admin_token, &app.api("/teams"), json!({"name": "Mine"})).await.1["id"].as_i64().expect("team");
    let join = app.api(&format!("/teams/{my_team}/team_members"));
    assert_error(&app.post(&app.admin_token, &join, json!({"user_ids": [eve_id]})).await, 422, "invalid_user_ids");
    let (_, their_members) = app.get(&eve, &format!("{their_base}/teams/{their_team}")).await;
    assert_eq!(their_members["name"], "Theirs");

    assert_eq!(snapshot(&app, &eve, other, their_conversation).await, before);
    let (_, theirs) = app.get(&eve, &format!("{}/api/v1/accounts/{other}/conversations?status=all", app.url)).await;
    assert_eq!(theirs["data"]["meta"]["all_count"], 1);
    app.stop().await;
}

#[tokio::test]
async fn a_contact_identifier_only_works_under_its_own_inboxs_token() {
    let app = TestApp::spawn().await;
    let (v, c) = app.visitor_with_conversation().await;
    let (_, same_account_token) = app.new_inbox(1, "Second website").await;
    let (other, _) = other_account(&app).await;
    let (_, other_account_token) = app.new_inbox(other, "Other website").await;

    for token in [same_account_token, other_account_token] {
        let base = format!("{}/public/api/v1/inboxes/{token}/contacts/{}", app.url, v.source_id);
        assert_error(&app.send(Method::GET, &base, None).await, 404, "not_found");
        assert_error(&app.send(Method::GET, &format!("{base}/conversations"), None).await, 404, "not_found");
        let url = format!("{base}/conversations/{c}/messages");
        assert_error(&app.send(Method::GET, &url, None).await, 404, "not_found");
        assert_error(
            &app.send(Method::POST, &url, Some(json!({"content": "via the wrong inbox"}))).await,
            404,
            "not_found",
        );
    }
    assert!(app.visitor_messages(&v, c).await.is_empty());
    app.stop().await;
}
