//! The list's order (Chatwoot's `sort_by`): newest activity, newest or
//! oldest conversation, and the visitor waiting longest for a public reply
//! (`waiting_since`, kept by the message's own write).

use serde_json::Value;

use crate::helpers::*;

fn ids(list: &Value) -> Vec<i64> {
    list["data"]["payload"].as_array().expect("payload").iter().filter_map(|c| c["id"].as_i64()).collect()
}

async fn sorted(app: &TestApp, sort: &str) -> Vec<i64> {
    ids(&app.get(&app.admin_token, &app.api(&format!("/conversations?sort_by={sort}"))).await.1)
}

#[tokio::test]
async fn the_list_sorts_by_age_and_by_who_has_waited_longest() {
    let (app, clock) = TestApp::spawn_on_manual_clock(|_| {}).await;
    let (v1, first) = app.visitor_with_conversation().await;
    clock.advance(1_000);
    let (v2, second) = app.visitor_with_conversation().await;
    clock.advance(1_000);
    let (v3, third) = app.visitor_with_conversation().await;
    clock.advance(1_000);
    // The second waits longest, then the third; the first was answered.
    app.visitor_says(&v2, second, "I wrote first").await;
    clock.advance(1_000);
    app.visitor_says(&v3, third, "I wrote next").await;
    clock.advance(1_000);
    app.visitor_says(&v1, first, "I wrote last").await;
    clock.advance(1_000);
    app.agent_says(&app.admin_token, first, "Answered", false).await;
    // A comment is no answer, and a second message does not restart the wait.
    app.agent_says(&app.admin_token, second, "Looking into it", true).await;
    app.visitor_says(&v2, second, "Hello?").await;

    assert_eq!(sorted(&app, "waiting_since_asc").await, [second, third, first]);
    assert_eq!(sorted(&app, "sort_on_waiting_since").await, [second, third, first]);
    assert_eq!(sorted(&app, "waiting_since_desc").await, [third, second, first]);
    assert_eq!(sorted(&app, "created_at_asc").await, [first, second, third]);
    assert_eq!(sorted(&app, "created_at_desc").await, [third, second, first]);
    assert_eq!(sorted(&app, "last_activity_at_desc").await, [second, first, third]);
    let c = app.conversation(&app.admin_token, second).await;
    assert!(c["waiting_since"].is_number(), "{c}");
    assert!(app.conversation(&app.admin_token, first).await["waiting_since"].is_null());
    assert_error(&app.get(&app.admin_token, &app.api("/conversations?sort_by=priority")).await, 422, "invalid_sort_by");
    app.stop().await;
}
