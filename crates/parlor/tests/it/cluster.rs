//! Several `parlor` processes on one PostgreSQL database, joined by NATS (X4).
//! These tests need PostgreSQL (PARLOR_TEST_DATABASE_URL) and a nats-server
//! (PARLOR_TEST_NATS_URL, default nats://127.0.0.1:4222); `scripts/test` runs them
//! in its PostgreSQL pass and starts both. Without them they fail, never skip.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use futures_util::SinkExt;
use serde_json::{json, Value};
use sqlx::Connection;
use tokio_tungstenite::tungstenite::Message as WsMessage;

use crate::helpers::*;

// Working together across processes (issue 13).
mod team;

fn nats_url() -> String {
    std::env::var("PARLOR_TEST_NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into())
}

/// A fresh PostgreSQL database; panics with a clear message without one.
async fn shared_database() -> (tempfile_dir::TempDir, String) {
    let (dir, url) = fresh_database().await;
    let url = url.expect("cluster tests need PostgreSQL: set PARLOR_TEST_DATABASE_URL (scripts/test does)");
    (dir, url)
}

/// Process A in this test process (with the owner's token), process B beside it.
async fn two_processes() -> (TestApp, parlor::Server, tempfile_dir::TempDir) {
    let (dir, url) = shared_database().await;
    let a = TestApp::spawn_on(dir, Some(url), |c| c.nats_url = Some(nats_url())).await;
    let b_dir = tempfile_dir::TempDir::new();
    let mut config = a.config.clone();
    config.data_dir = b_dir.0.clone();
    let b = parlor::start(&config).await.expect("start process B");
    (a, b, b_dir)
}

fn ws_url(base: &str) -> String {
    format!("{}/ws", base.replace("http://", "ws://"))
}

async fn socket(base: &str, auth: Value) -> (Ws, Value) {
    let (mut ws, _) = tokio_tungstenite::connect_async(ws_url(base)).await.expect("connect");
    ws.send(WsMessage::text(auth.to_string())).await.expect("send auth");
    let hello = next_json(&mut ws).await;
    assert_eq!(hello["event"], "authenticated", "{hello}");
    (ws, hello["data"].clone())
}

async fn agent_says_on(http: &reqwest::Client, base: &str, token: &str, conversation: i64, text: &str) -> Value {
    let res = http
        .post(format!("{base}/api/v1/accounts/1/conversations/{conversation}/messages"))
        .header("api_access_token", token)
        .json(&json!({"content": text}))
        .send()
        .await
        .expect("send");
    assert_eq!(res.status(), 200);
    res.json().await.expect("json")
}

#[tokio::test]
async fn a_visitor_on_one_process_and_an_agent_on_another_chat_live_with_typing_and_presence() {
    let (a, b, _b_dir) = two_processes().await;
    let (mut agent, _) = socket(&b.url(), json!({"event": "authenticate", "access_token": a.admin_token})).await;
    let (v, conversation) = a.visitor_with_conversation().await;
    let created = next_event(&mut agent, "conversation.created").await;
    assert_eq!(created["data"]["id"], conversation);

    let (mut visitor, _) = socket(&a.url, json!({"event": "authenticate", "pubsub_token": v.pubsub_token})).await;
    a.visitor_says(&v, conversation, "Hallo from process A").await;
    let got = next_event(&mut agent, "message.created").await;
    assert_eq!(got["data"]["content"], "Hallo from process A");
    // The message travelled with its event (bus.rs): what B's socket shows is
    // exactly what the database holds.
    let stored = a.agent_messages(&a.admin_token, conversation).await;
    let stored = stored.iter().find(|m| m["id"] == got["data"]["id"]).expect("stored");
    assert_eq!(&got["data"], stored);
    // The same for a message sent over the visitor's socket on A.
    let frame =
        json!({"event": "message", "conversation": conversation, "content": "Over A's socket", "echo_id": "c-1"});
    send_text(&mut visitor, &frame.to_string()).await;
    assert_eq!(next_event(&mut visitor, "message.ack").await["data"]["content"], "Over A's socket");
    assert_eq!(next_event(&mut agent, "message.created").await["data"]["content"], "Over A's socket");

    let typing = a.conv_path(&v, conversation, "/toggle_typing");
    let res = a.http.post(typing).json(&json!({"typing_status": "on"})).send().await.expect("send");
    assert_eq!(res.status(), 200);
    let on = next_event(&mut agent, "conversation.typing_on").await;
    assert_eq!(on["data"]["user"]["type"], "contact");

    let res = a
        .http
        .post(format!("{}/api/v1/accounts/1/conversations/{conversation}/toggle_typing_status", b.url()))
        .header("api_access_token", &a.admin_token)
        .json(&json!({"typing_status": "on"}))
        .send()
        .await
        .expect("send");
    assert_eq!(res.status(), 200);
    let agent_typing = next_event(&mut visitor, "conversation.typing_on").await;
    assert_eq!(agent_typing["data"]["user"]["type"], "user");

    agent_says_on(&a.http, &b.url(), &a.admin_token, conversation, "Answer from process B").await;
    let reply = loop {
        let f = next_event(&mut visitor, "message.created").await;
        if f["data"]["message_type"] == 1 {
            break f;
        }
    };
    assert_eq!(reply["data"]["content"], "Answer from process B");

    // Presence crosses too: an agent connecting to B sees the visitor of A
    // online, then offline once its socket closes.
    let contact = v.contact_id.to_string();
    let (mut watcher, _) = socket(&b.url(), json!({"event": "authenticate", "access_token": a.admin_token})).await;
    // Changes reach the other process within a batch or two: the first
    // (full) update or one soon after says online.
    let everyone = next_event(&mut watcher, "presence.update").await;
    assert_eq!(everyone["data"]["full"], true);
    let mut state = everyone["data"]["contacts"][&contact].clone();
    while state != "online" {
        state = next_event(&mut watcher, "presence.update").await["data"]["contacts"][&contact].clone();
    }
    visitor.close(None).await.expect("close");
    while state != "offline" {
        state = next_event(&mut watcher, "presence.update").await["data"]["contacts"][&contact].clone();
    }
    b.stop().await;
    a.stop().await;
}

#[tokio::test]
async fn a_visitor_reconnecting_to_another_process_resumes_without_loss() {
    let (a, b, _b_dir) = two_processes().await;
    let (v, conversation) = a.visitor_with_conversation().await;
    let (mut visitor, hello) = socket(&a.url, json!({"event": "authenticate", "pubsub_token": v.pubsub_token})).await;
    let cursor = hello["cursors"][conversation.to_string()].as_i64().expect("cursor");
    drop(visitor.close(None).await);

    // While the visitor is away, the agent writes through the other process.
    for text in ["first", "second", "third"] {
        agent_says_on(&a.http, &b.url(), &a.admin_token, conversation, text).await;
    }
    let since = json!({ conversation.to_string(): cursor });
    let (mut visitor, _) =
        socket(&b.url(), json!({"event": "authenticate", "pubsub_token": v.pubsub_token, "since": since})).await;
    let mut texts = Vec::new();
    while texts.len() < 3 {
        let f = next_event(&mut visitor, "message.created").await;
        if f["data"]["message_type"] == 1 {
            texts.push(f["data"]["content"].as_str().unwrap_or_default().to_owned());
        }
    }
    assert_eq!(texts, ["first", "second", "third"]);
    // A barrier instead of a silent wait: the next message is the one sent
    // now, so none of the three came twice (replayed and live) before it.
    agent_says_on(&a.http, &b.url(), &a.admin_token, conversation, "barrier").await;
    let next = loop {
        let f = next_event(&mut visitor, "message.created").await;
        if f["data"]["message_type"] == 1 {
            break f;
        }
    };
    assert_eq!(next["data"]["content"], "barrier", "a message came twice: {next}");
    b.stop().await;
    a.stop().await;
}

/// A `parlor serve` child process on the shared database.
struct ChildServer {
    child: Child,
    url: String,
    _dir: tempfile_dir::TempDir,
}

impl Drop for ChildServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn spawn_child(database_url: &str) -> ChildServer {
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("free port").local_addr().expect("addr").port();
    let dir = tempfile_dir::TempDir::new();
    let mut child = Command::new(env!("CARGO_BIN_EXE_parlor"))
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .arg("--data-dir")
        .arg(&dir.0)
        .env("PARLOR_DATABASE_URL", database_url)
        .env("PARLOR_NATS_URL", nats_url())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn parlor");
    let url = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    for _ in 0..200 {
        if let Ok(res) = http.get(format!("{url}/readyz")).send().await {
            if res.status() == 200 {
                return ChildServer { child, url, _dir: dir };
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("the child parlor process did not become ready");
}

#[tokio::test]
async fn killing_a_process_mid_conversation_loses_nothing() {
    let (dir, url) = shared_database().await;
    let b = TestApp::spawn_on(dir, Some(url.clone()), |c| c.nats_url = Some(nats_url())).await;
    let mut a = spawn_child(&url).await;

    let (mut agent, _) = socket(&b.url, json!({"event": "authenticate", "access_token": b.admin_token})).await;
    let contact: Value = b
        .http
        .post(format!("{}/public/api/v1/inboxes/{}/contacts", a.url, b.website_token))
        .json(&json!({}))
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    let source = contact["source_id"].as_str().expect("source_id").to_owned();
    let pubsub = contact["pubsub_token"].as_str().expect("pubsub_token").to_owned();
    let conv_url =
        |base: &str| format!("{base}/public/api/v1/inboxes/{}/contacts/{source}/conversations", b.website_token);
    let conversation: Value =
        b.http.post(conv_url(&a.url)).json(&json!({})).send().await.expect("send").json().await.expect("json");
    let conversation = conversation["id"].as_i64().expect("id");
    let (mut visitor, _) = socket(&a.url, json!({"event": "authenticate", "pubsub_token": pubsub})).await;

    let say = |base: String, text: &'static str| {
        let http = b.http.clone();
        let url = format!("{}/{conversation}/messages", conv_url(&base));
        async move {
            let res = http.post(url).json(&json!({"content": text})).send().await.expect("send");
            assert_eq!(res.status(), 200);
        }
    };
    say(a.url.clone(), "one").await;
    assert_eq!(next_event(&mut agent, "message.created").await["data"]["content"], "one");
    b.agent_says(&b.admin_token, conversation, "two", false).await;
    let two = loop {
        let f = next_event(&mut visitor, "message.created").await;
        if f["data"]["content"] == "two" {
            break f;
        }
    };
    let cursor = two["seq"].as_i64().expect("seq");

    // Process A dies without a goodbye; the visitor's socket breaks.
    a.child.kill().expect("kill");
    let _ = a.child.wait();
    b.agent_says(&b.admin_token, conversation, "three", false).await;

    // The widget reconnects to the surviving process and resumes.
    let since = json!({ conversation.to_string(): cursor });
    let (mut visitor, _) =
        socket(&b.url, json!({"event": "authenticate", "pubsub_token": pubsub, "since": since})).await;
    let mut resumed = Vec::new();
    while !resumed.contains(&"three".to_owned()) {
        let f = next_event(&mut visitor, "message.created").await;
        resumed.push(f["data"]["content"].as_str().unwrap_or_default().to_owned());
    }
    assert!(!resumed.contains(&"two".to_owned()), "already seen before the crash: {resumed:?}");
    say(b.url.clone(), "four").await;
    let mut seen = Vec::new();
    while !seen.contains(&"four".to_owned()) {
        let f = next_event(&mut agent, "message.created").await;
        seen.push(f["data"]["content"].as_str().unwrap_or_default().to_owned());
    }
    assert_eq!(seen.iter().filter(|t| *t == "three").count(), 1, "{seen:?}");
    let messages = b.agent_messages(&b.admin_token, conversation).await;
    let texts: Vec<&str> =
        messages.iter().filter(|m| m["message_type"] != 2).filter_map(|m| m["content"].as_str()).collect();
    assert_eq!(texts, ["one", "two", "three", "four"]);
    b.stop().await;
}

/// Due jobs polled by two processes at once run once each; a job whose runner
/// died mid-transaction (its connection gone before the commit) is run by
/// another process afterwards, not lost and not run twice.
#[tokio::test]
async fn due_jobs_run_once_across_processes_and_survive_a_runner_dying() {
    use sqlx::Executor;
    let (a, b, _b_dir) = two_processes().await;
    let until = now_secs() + 3600;
    let mut conversations = Vec::new();
    for _ in 0..30 {
        let (_, c) = a.visitor_with_conversation().await;
        let url = a.api(&format!("/conversations/{c}/toggle_status"));
        assert_eq!(a.post(&a.admin_token, &url, json!({"status": "snoozed", "snoozed_until": until})).await.0, 200);
        conversations.push(c);
    }
    // A third runner claims the first job the way the store does, then dies.
    let url = a.config.database_url.clone().expect("postgres");
    let mut dying = sqlx::PgConnection::connect(&url).await.expect("connect");
    dying.execute("BEGIN").await.expect("begin");
    let held: i64 = sqlx::query_scalar("SELECT id FROM jobs ORDER BY id LIMIT 1 FOR UPDATE")
        .fetch_one(&mut dying)
        .await
        .expect("claim one job");

    let due = (until + 60) * 1000;
    let (ran_a, ran_b) = tokio::join!(a.app().run_due_jobs(due), b.app.run_due_jobs(due));
    let (ran_a, ran_b) = (ran_a.expect("A runs jobs"), ran_b.expect("B runs jobs"));
    assert_eq!(ran_a + ran_b, 29, "every job but the held one, each once (A {ran_a}, B {ran_b})");

    drop(dying); // the connection closes without a commit, as when a process is killed
    let mut rerun = 0;
    for _ in 0..50 {
        // PostgreSQL ends the dead session's transaction as it notices the close.
        rerun += b.app.run_due_jobs(due).await.expect("B runs jobs");
        if rerun > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(rerun, 1, "job {held} ran after its runner died");

    for c in conversations {
        let messages = a.agent_messages(&a.admin_token, c).await;
        assert_eq!(activity_count(&messages, "snooze_ended"), 1, "conversation {c}: {messages:?}");
        assert_eq!(a.conversation(&a.admin_token, c).await["status"], "open");
    }
    assert_eq!(app::testing::pending_jobs(a.app(), domain::AccountId(1)).await.expect("count"), 0);
    b.stop().await;
    a.stop().await;
}

/// Ends every session Parlor has open on its database, as a PostgreSQL restart
/// or an administrator would.
async fn terminate_parlor_sessions(url: &str) {
    let mut admin = sqlx::PgConnection::connect(url).await.expect("connect");
    let ended: Vec<bool> = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid()",
    )
    .fetch_all(&mut admin)
    .await
    .expect("terminate");
    assert!(!ended.is_empty(), "Parlor had no session to end");
    let _ = admin.close().await;
}

/// Pooled connections are not pinged before each use (a round trip per query),
/// only after they idled: a process whose PostgreSQL sessions were all ended
/// serves every request again once they idled, and meanwhile a request on a
/// dead connection is a 503 to retry, never a 500 or a lost or doubled message.
#[tokio::test]
async fn postgresql_ending_every_session_costs_at_most_a_retry() {
    let (dir, url) = shared_database().await;
    let app = TestApp::spawn_on(dir, Some(url.clone()), |_| {}).await;
    let (v, conversation) = app.visitor_with_conversation().await;
    app.visitor_says(&v, conversation, "before").await;

    // Idle connections are checked before use: nothing fails.
    terminate_parlor_sessions(&url).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let (status, _) = app.get(&app.admin_token, &app.api("/conversations/meta")).await;
    assert_eq!(status, 200, "an agent request after the sessions ended");
    app.visitor_says(&v, conversation, "after a pause").await;

    // Right away: a request may meet a dead connection once per pooled
    // connection; it is told to retry, and a retried message is stored once.
    terminate_parlor_sessions(&url).await;
    let url_messages = app.conv_path(&v, conversation, "/messages");
    for i in 0..5 {
        let body = json!({"content": format!("burst {i}"), "echo_id": format!("burst-{i}")});
        let mut attempts = 0;
        loop {
            attempts += 1;
            let (status, answer) = app.send(reqwest::Method::POST, &url_messages, Some(body.clone())).await;
            if status == 200 {
                break;
            }
            assert_eq!((status, answer["code"].as_str()), (503, Some("unavailable")), "{answer}");
            assert!(attempts < 20, "message {i} never went through");
        }
        let (status, answer) = app.get(&app.admin_token, &app.api("/conversations/meta")).await;
        assert!(status == 200 || status == 503, "{status} {answer}");
    }
    let contents: Vec<String> = app
        .visitor_messages(&v, conversation)
        .await
        .iter()
        .filter_map(|m| m["content"].as_str().map(str::to_owned))
        .collect();
    let burst: Vec<&String> = contents.iter().filter(|c| c.starts_with("burst")).collect();
    assert_eq!(burst, ["burst 0", "burst 1", "burst 2", "burst 3", "burst 4"], "each once, in order: {contents:?}");
    app.stop().await;
}

/// A leased job (an effect outside the database) whose runner's process went
/// away holding the lease: another process takes it once the lease ran out,
/// and sends with the same idempotency key. The lease lives in the shared
/// database, so a process that was killed leaves it exactly as this one does.
#[tokio::test]
async fn a_leased_job_moves_to_another_process_when_its_runner_is_gone() {
    use crate::receiver::{Answer, Receiver};
    let (a, b, _b_dir) = two_processes().await;
    let receiver = Receiver::start(Answer::Ok).await;
    let t = now_secs() * 1000 + 3_600_000; // ahead of both servers' own runners
    let account = domain::AccountId(1);
    let key = app::testing::enqueue_probe(a.app(), account, &receiver.url, t).await.expect("enqueue");
    let held = app::testing::lease_and_die(a.app(), "process-a", t).await.expect("lease").expect("a due job");
    a.stop().await;

    let lease = app::jobs::LEASE;
    assert_eq!(b.app.run_due_jobs(t + lease - 1).await.expect("B runs jobs"), 0, "A's lease still holds");
    assert!(receiver.requests().is_empty());
    assert_eq!(b.app.run_due_jobs(t + lease).await.expect("B runs jobs"), 1, "job {} after A's lease", held.id);
    assert_eq!(receiver.requests(), [key]);
    assert_eq!(app::testing::pending_jobs(&b.app, account).await.expect("count"), 0);
    b.stop().await;
}

#[tokio::test]
async fn signing_out_or_resetting_a_token_on_one_process_closes_the_sockets_on_another() {
    let (a, b, _b_dir) = two_processes().await;
    let b_url = format!("http://{}", b.addr);
    let res = no_redirect_client()
        .post(format!("{b_url}/login"))
        .form(&[("email", "owner@example.com"), ("password", "correct horse battery")])
        .send()
        .await
        .expect("sign in on B");
    let session = session_from(&res).expect("a session cookie");
    let mut by_session = crate::revoke::session_socket(&a, &session).await;
    let (mut by_token, _) = socket(&a.url, json!({"event": "authenticate", "access_token": a.admin_token})).await;

    let out = no_redirect_client()
        .post(format!("{b_url}/logout"))
        .header("cookie", format!("parlor_session={session}"))
        .header("origin", &b_url)
        .send()
        .await
        .expect("sign out on B");
    assert!(out.status().is_redirection(), "{}", out.status());
    assert_eq!(crate::revoke::until_close(&mut by_session).await.1, Some(4001));

    let res = reqwest::Client::new()
        .post(format!("{b_url}/api/v1/profile/reset_access_token"))
        .header("api_access_token", &a.admin_token)
        .send()
        .await
        .expect("reset on B");
    assert_eq!(res.status(), 200);
    assert_eq!(crate::revoke::until_close(&mut by_token).await.1, Some(4001));
    b.stop().await;
    a.stop().await;
}

#[tokio::test]
async fn an_inbox_edited_on_one_process_is_read_afresh_on_another_and_members_follow() {
    let (a, b, _b_dir) = two_processes().await;
    let b_url = format!("http://{}", b.addr);
    // A has the inbox in memory now.
    let (_, _, page) = crate::inbox_settings::frame(&a.url, &a.website_token).await;
    assert!(!page.contains("Greetings from B"));
    let (anna, anna_token) = a.create_user(1, "anna@example.com", domain::Role::Agent).await;
    let (mut on_a, _) = socket(&a.url, json!({"event": "authenticate", "access_token": anna_token})).await;

    let http = reqwest::Client::new();
    let inbox = http
        .get(format!("{b_url}/api/v1/accounts/1/inboxes"))
        .header("api_access_token", &a.admin_token)
        .send()
        .await
        .expect("send")
        .json::<Value>()
        .await
        .expect("json")["payload"][0]["id"]
        .as_i64()
        .expect("inbox");
    let res = http
        .patch(format!("{b_url}/api/v1/accounts/1/inboxes/{inbox}"))
        .header("api_access_token", &a.admin_token)
        .json(&json!({"greeting_enabled": true, "greeting_message": "Greetings from B"}))
        .send()
        .await
        .expect("patch on B");
    assert_eq!(res.status(), 200);
    let mut seen = false;
    for _ in 0..50 {
        let (_, _, page) = crate::inbox_settings::frame(&a.url, &a.website_token).await;
        if page.contains("Greetings from B") {
            seen = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(seen, "process A forgot its copy of the inbox");

    let res = http
        .delete(format!("{b_url}/api/v1/accounts/1/inbox_members"))
        .header("api_access_token", &a.admin_token)
        .json(&json!({"inbox_id": inbox, "user_ids": [anna]}))
        .send()
        .await
        .expect("remove on B");
    assert_eq!(res.status(), 200);
    assert_eq!(next_event(&mut on_a, "access.changed").await["event"], "access.changed");
    b.stop().await;
    a.stop().await;
}
