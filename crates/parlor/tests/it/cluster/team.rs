//! Working together across processes (issue 13): viewers, assignment limits
//! and the bot takeover hold with two `parlor` processes on one PostgreSQL
//! and NATS (see cluster.rs for what these tests need).

use domain::Role;
use reqwest::Method;
use serde_json::{json, Value};

use super::{socket, two_processes};
use crate::helpers::*;

#[tokio::test]
async fn an_agent_viewing_on_one_process_is_seen_and_guarded_against_on_another() {
    let (a, b, _b_dir) = two_processes().await;
    let (anna, anna_token) = a.create_user(1, "anna@example.com", domain::Role::Agent).await;
    let (_, conversation) = a.visitor_with_conversation().await;
    let (mut on_a, _) = socket(&a.url, json!({"event": "authenticate", "access_token": anna_token})).await;
    let (mut on_b, _) = socket(&b.url(), json!({"event": "authenticate", "access_token": a.admin_token})).await;
    let frame = json!({"event": "viewing", "conversation": conversation, "composing": "reply"});
    send_text(&mut on_a, &frame.to_string()).await;
    loop {
        let update = next_event(&mut on_b, "viewers.update").await;
        if update["data"]["conversations"][conversation.to_string()] == json!([{"id": anna, "composing": "reply"}]) {
            break;
        }
    }
    let url = format!("{}/api/v1/accounts/1/conversations/{conversation}/messages", b.url());
    let res = a
        .http
        .post(&url)
        .header("api_access_token", &a.admin_token)
        .json(&json!({"content": "Mine", "check_collision": true}))
        .send()
        .await
        .expect("send");
    assert_eq!(res.status(), 409);
    // Anna's tab closes on A: B hears that nobody is there any more.
    drop(on_a);
    loop {
        let update = next_event(&mut on_b, "viewers.update").await;
        if update["data"]["conversations"][conversation.to_string()] == json!([]) {
            break;
        }
    }
    b.stop().await;
    a.stop().await;
}

/// A new visitor and conversation through `base`'s Client API; the
/// conversation's id.
async fn conversation_on(a: &TestApp, base: &str) -> (String, i64) {
    let inbox = format!("{base}/public/api/v1/inboxes/{}", a.website_token);
    let res = a.http.post(format!("{inbox}/contacts")).json(&json!({})).send().await.expect("send");
    assert_eq!(res.status(), 200);
    let source = res.json::<Value>().await.expect("json")["source_id"].as_str().expect("source_id").to_owned();
    let res = a.http.post(format!("{inbox}/contacts/{source}/conversations")).json(&json!({})).send().await;
    let c: Value = res.expect("send").json().await.expect("json");
    (source, c["id"].as_i64().expect("conversation id"))
}

/// The conversations of `ids` assigned to someone, once a moment passed
/// without change (assignment runs after commit, on either process).
async fn settled_assignees(a: &TestApp, ids: &[i64]) -> Vec<(i64, i64)> {
    let mut last = Vec::new();
    let mut still = 0;
    while still < 10 {
        let mut now = Vec::new();
        for id in ids {
            if let Some(user) = a.conversation(&a.admin_token, *id).await["meta"]["assignee"]["id"].as_i64() {
                now.push((*id, user));
            }
        }
        still = if now == last { still + 1 } else { 0 };
        last = now;
        tokio::time::sleep(std::time::Duration::from_millis(30)).await;
    }
    last
}

#[tokio::test]
async fn two_processes_assigning_at_once_never_push_an_agent_past_the_limit() {
    let (a, b, _b_dir) = two_processes().await;
    let (anna, anna_token) = a.create_user(1, "anna@example.com", Role::Agent).await;
    // Online on both processes, so each of them may choose her.
    let auth = json!({"event": "authenticate", "access_token": anna_token});
    let (_on_a, _) = socket(&a.url, auth.clone()).await;
    let (_on_b, _) = socket(&b.url(), auth).await;
    let body = json!({"enable_auto_assignment": true, "auto_assignment_config": {"max_assignment_limit": 2}});
    let (status, saved) = a.send_as(&a.admin_token, Method::PATCH, &a.api("/inboxes/1"), body).await;
    assert_eq!(status, 200, "{saved}");

    // Eight visitors start at once, half on each process.
    let b_url = b.url();
    let starts = (0..8).map(|i| conversation_on(&a, if i % 2 == 0 { &a.url } else { &b_url }));
    let ids: Vec<i64> = futures_util::future::join_all(starts).await.into_iter().map(|(_, id)| id).collect();
    let assigned = settled_assignees(&a, &ids).await;
    assert_eq!(assigned.len(), 2, "two within her limit, the rest wait: {assigned:?}");
    assert!(assigned.iter().all(|(_, user)| *user == anna));

    // She closes one, on process B: exactly one waiting conversation is hers next.
    let close = format!("{}/api/v1/accounts/1/conversations/{}/toggle_status", b.url(), assigned[0].0);
    let res = a.http.post(close).header("api_access_token", &anna_token).json(&json!({"status": "resolved"}));
    assert_eq!(res.send().await.expect("send").status(), 200);
    let open: Vec<i64> = ids.iter().copied().filter(|id| *id != assigned[0].0).collect();
    let now = settled_assignees(&a, &open).await;
    assert_eq!(now.len(), 2, "back at her limit, not past it: {now:?}");
    assert!(now.contains(&assigned[1]));
    b.stop().await;
    a.stop().await;
}

#[tokio::test]
async fn a_takeover_racing_a_reply_and_a_visitor_across_processes_leaves_one_owner_and_no_bot_message() {
    let (a, b, _b_dir) = two_processes().await;
    let (anna, anna_token) = a.create_user(1, "anna@example.com", Role::Agent).await;
    let greeter = json!({"enabled": true, "name": "Robo", "greeting": "Hi, a person joins soon."});
    let (status, saved) = a.send_as(&a.admin_token, Method::PATCH, &a.api("/inboxes/1/greeter"), greeter).await;
    assert_eq!(status, 200, "{saved}");
    let me = a.get(&a.admin_token, &format!("{}/api/v1/profile", a.url)).await.1["id"].as_i64().expect("me");

    // Straight after the start (the greeting's job may not have run yet): the
    // owner takes over on A, Anna replies on B (which takes over too), the
    // visitor writes on B.
    let (source, conversation) = conversation_on(&a, &a.url).await;
    let assign = a.api(&format!("/conversations/{conversation}/assignments"));
    let reply = format!("{}/api/v1/accounts/1/conversations/{conversation}/messages", b.url());
    let visitor = format!(
        "{}/public/api/v1/inboxes/{}/contacts/{source}/conversations/{conversation}/messages",
        b.url(),
        a.website_token
    );
    let (took, replied, wrote) = tokio::join!(
        a.post(&a.admin_token, &assign, json!({"assignee_id": me})),
        a.http.post(&reply).header("api_access_token", &anna_token).json(&json!({"content": "Anna here"})).send(),
        a.http.post(&visitor).json(&json!({"content": "Hello?"})).send(),
    );
    assert!(took.0 == 200 || (took.0 == 409 && took.1["code"] == "already_taken_over"), "{took:?}");
    assert_eq!(replied.expect("reply").status(), 200, "a reply goes through whoever won");
    assert_eq!(wrote.expect("visitor").status(), 200);

    // Whatever job was still queued has run by now, on either process.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let c = a.conversation(&a.admin_token, conversation).await;
    assert_eq!((&c["status"], &c["meta"]["agent_bot"]), (&json!("open"), &Value::Null), "{c}");
    assert!([me, anna].contains(&c["meta"]["assignee"]["id"].as_i64().expect("an owner")), "{c}");
    let messages = a.agent_messages(&a.admin_token, conversation).await;
    let took_over: Vec<&Value> =
        messages.iter().filter(|m| m["content_attributes"]["activity"] == "took_over").collect();
    assert_eq!(took_over.len(), 1, "one takeover, the other lost or came after: {messages:?}");
    let after = |m: &&Value| m["seq"].as_i64() > took_over[0]["seq"].as_i64();
    assert!(
        messages.iter().filter(after).all(|m| m["sender_type"] != "agent_bot"),
        "a bot message after the takeover: {messages:?}"
    );
    assert!(messages.iter().filter(|m| m["sender_type"] == "agent_bot").count() <= 1);
    b.stop().await;
    a.stop().await;
}
