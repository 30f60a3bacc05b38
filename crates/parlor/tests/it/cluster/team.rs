//! Working together across processes (issue 13): viewers, assignment limits
//! and the bot takeover hold with two `parlor` processes on one PostgreSQL
//! and NATS (see cluster.rs for what these tests need).

use serde_json::json;

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
