//! Jobs, through the first one: a snooze with an end opens the conversation
//! again. The tests drive the runner with a clock of their own
//! (`App::run_due_jobs(now)`); one shows the server's own runner doing it.

use serde_json::{json, Value};

use crate::helpers::*;

const HOUR: i64 = 3600;

/// Runs the jobs due `secs` from now, with the test's clock.
async fn run_jobs_in(app: &TestApp, secs: i64) -> usize {
    app.app().run_due_jobs((now_secs() + secs) * 1000).await.expect("run jobs")
}

async fn snooze(app: &TestApp, conversation: i64, body: Value) -> (u16, Value) {
    app.post(&app.admin_token, &app.api(&format!("/conversations/{conversation}/toggle_status")), body).await
}

/// The activity lines of a kind in a conversation, as the agent sees them.
async fn activities(app: &TestApp, conversation: i64, kind: &str) -> usize {
    activity_count(&app.agent_messages(&app.admin_token, conversation).await, kind)
}

#[tokio::test]
async fn a_snooze_with_an_end_opens_the_conversation_once_when_it_is_due() {
    let app = TestApp::spawn().await;
    let (_, c) = app.visitor_with_conversation().await;
    let until = now_secs() + HOUR;
    let (status, body) = snooze(&app, c, json!({"status": "snoozed", "snoozed_until": until})).await;
    assert_eq!((status, &body["payload"]["current_status"]), (200, &json!("snoozed")), "{body}");
    assert_eq!(app.conversation(&app.admin_token, c).await["snoozed_until"], until);
    let (mut agent, _) = app.ws_auth(json!({"event": "authenticate", "access_token": app.admin_token})).await;

    assert_eq!(run_jobs_in(&app, 0).await, 0, "not due yet");
    assert_eq!(app.conversation(&app.admin_token, c).await["status"], "snoozed");

    assert_eq!(run_jobs_in(&app, 2 * HOUR).await, 1);
    let conversation = app.conversation(&app.admin_token, c).await;
    assert_eq!(conversation["status"], "open");
    assert_eq!(conversation["snoozed_until"], Value::Null);
    assert_eq!(activities(&app, c, "snooze_ended").await, 1);
    let event = next_event(&mut agent, "conversation.status_changed").await;
    assert_eq!((event["data"]["id"].as_i64(), &event["data"]["status"]), (Some(c), &json!("open")));

    // Done means gone: running again finds nothing and writes nothing.
    assert_eq!(run_jobs_in(&app, 3 * HOUR).await, 0);
    assert_eq!(activities(&app, c, "snooze_ended").await, 1);
    assert_eq!(app::testing::pending_jobs(app.app(), domain::AccountId(1)).await.expect("count"), 0);
    app.stop().await;
}

#[tokio::test]
async fn a_snooze_changed_or_ended_by_hand_is_left_alone_by_the_old_job() {
    let app = TestApp::spawn().await;
    let (_, later) = app.visitor_with_conversation().await;
    let (_, reopened) = app.visitor_with_conversation().await;
    let now = now_secs();
    assert_eq!(snooze(&app, later, json!({"status": "snoozed", "snoozed_until": now + HOUR})).await.0, 200);
    assert_eq!(snooze(&app, later, json!({"status": "snoozed", "snoozed_until": now + 3 * HOUR})).await.0, 200);
    assert_eq!(snooze(&app, reopened, json!({"status": "snoozed", "snoozed_until": now + HOUR})).await.0, 200);
    assert_eq!(snooze(&app, reopened, json!({"status": "open"})).await.0, 200);

    run_jobs_in(&app, 2 * HOUR).await;
    assert_eq!(app.conversation(&app.admin_token, later).await["status"], "snoozed", "snoozed for longer now");
    assert_eq!(activities(&app, reopened, "snooze_ended").await, 0, "opened by hand already");

    run_jobs_in(&app, 4 * HOUR).await;
    assert_eq!(app.conversation(&app.admin_token, later).await["status"], "open");
    assert_eq!(activities(&app, later, "snooze_ended").await, 1);
    app.stop().await;
}

#[tokio::test]
async fn a_bad_snooze_end_is_a_clear_422_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let (_, c) = app.visitor_with_conversation().await;
    let now = now_secs();
    for body in [
        json!({"status": "snoozed", "snoozed_until": now - 1}),
        json!({"status": "snoozed", "snoozed_until": now + 400 * 24 * HOUR}),
        json!({"status": "snoozed", "snoozed_until": i64::MAX}),
        json!({"status": "snoozed", "snoozed_until": i64::MIN}),
        json!({"status": "resolved", "snoozed_until": now + HOUR}),
    ] {
        assert_error(&snooze(&app, c, body.clone()).await, 422, "invalid_snoozed_until");
    }
    assert_error(&snooze(&app, c, json!({"status": "snoozed", "snoozed_until": "soon"})).await, 400, "invalid_type");
    assert_eq!(app.conversation(&app.admin_token, c).await["status"], "open");
    assert_eq!(app.agent_messages(&app.admin_token, c).await.len(), 0, "no activity line");
    assert_eq!(app::testing::pending_jobs(app.app(), domain::AccountId(1)).await.expect("count"), 0);
    app.stop().await;
}

#[tokio::test]
async fn a_visitor_writing_ends_a_snooze() {
    let app = TestApp::spawn().await;
    let (v, c) = app.visitor_with_conversation().await;
    assert_eq!(snooze(&app, c, json!({"status": "snoozed"})).await.0, 200);
    assert_eq!(app.conversation(&app.admin_token, c).await["snoozed_until"], Value::Null);
    app.visitor_says(&v, c, "are you there?").await;
    assert_eq!(app.conversation(&app.admin_token, c).await["status"], "open");
    assert_eq!(activities(&app, c, "reopened_by_visitor").await, 1);
    app.stop().await;
}

/// The server's own runner, on the real clock: the snooze ends within a couple
/// of seconds of its time without anyone calling it.
#[tokio::test]
async fn the_server_runs_due_jobs_by_itself() {
    let app = TestApp::spawn().await;
    let (_, c) = app.visitor_with_conversation().await;
    let (mut agent, _) = app.ws_auth(json!({"event": "authenticate", "access_token": app.admin_token})).await;
    assert_eq!(snooze(&app, c, json!({"status": "snoozed", "snoozed_until": now_secs() + 1})).await.0, 200);
    reopened_by_the_runner(&app, &mut agent, c).await;
    app.stop().await;
}

/// The server's own runner reads the app's clock too: moving a test's clock
/// past a snooze's end is enough for it to end.
#[tokio::test]
async fn the_servers_runner_follows_the_apps_clock() {
    let clock = app::testing::ManualClock::starting_at(now_secs() * 1000);
    let shared = clock.shared();
    let app = TestApp::spawn_with(move |c| c.clock = shared).await;
    let (_, c) = app.visitor_with_conversation().await;
    let (mut agent, _) = app.ws_auth(json!({"event": "authenticate", "access_token": app.admin_token})).await;
    let until = now_secs() + 30 * 24 * HOUR; // a month ahead of the wall clock
    assert_eq!(snooze(&app, c, json!({"status": "snoozed", "snoozed_until": until})).await.0, 200);
    clock.advance(31 * 24 * HOUR * 1000);
    reopened_by_the_runner(&app, &mut agent, c).await;
    app.stop().await;
}

/// Waits for the agent's socket to hear the conversation open again (the test
/// fails after 10 s without a frame), then checks the one activity line.
async fn reopened_by_the_runner(app: &TestApp, agent: &mut Ws, c: i64) {
    loop {
        let event = next_event(agent, "conversation.status_changed").await;
        if event["data"]["status"] == "open" {
            break;
        }
    }
    assert_eq!(activities(app, c, "snooze_ended").await, 1);
}
