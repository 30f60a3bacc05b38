//! `parlor admin create-user`, `create-account`, `reset-token` and `reset-password`, run as the
//! real binary against the test's database: one JSON line on stdout, a
//! working token, clear failures; and the token resets of the API.

use serde_json::Value;

use crate::helpers::*;

/// The result of one run: exit success, stdout lines, stderr.
struct Run {
    ok: bool,
    lines: Vec<String>,
    stderr: String,
}

impl Run {
    /// The only stdout line, parsed.
    fn json(&self) -> Value {
        assert_eq!(self.lines.len(), 1, "exactly one line on stdout: {:?}; stderr: {}", self.lines, self.stderr);
        serde_json::from_str(&self.lines[0]).unwrap_or_else(|e| panic!("{e}: {}", self.lines[0]))
    }
}

/// Runs `parlor --data-dir DIR admin create-user …` on a data folder, with
/// `PARLOR_DATABASE_URL` when the tests run on PostgreSQL.
async fn create_user(data_dir: &std::path::Path, database_url: Option<&str>, args: &[&str]) -> Run {
    run_admin(data_dir, database_url, "create-user", args).await
}

async fn run_admin(data_dir: &std::path::Path, database_url: Option<&str>, command: &str, args: &[&str]) -> Run {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_parlor"));
    cmd.arg("--data-dir").arg(data_dir).args(["admin", command]).args(args);
    for var in ["PARLOR_DATABASE_URL", "PARLOR_NATS_URL", "PARLOR_LISTEN", "PARLOR_DATA_DIR"] {
        cmd.env_remove(var);
    }
    if let Some(url) = database_url {
        cmd.env("PARLOR_DATABASE_URL", url);
    }
    let out = cmd.output().await.expect("run the parlor binary");
    let stdout = String::from_utf8(out.stdout).expect("UTF-8 stdout");
    Run {
        ok: out.status.success(),
        lines: stdout.lines().map(str::to_owned).collect(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

async fn create_on(app: &TestApp, args: &[&str]) -> Run {
    create_user(&app.config.data_dir, app.config.database_url.as_deref(), args).await
}

fn user_args<'a>(email: &'a str, password: &'a str) -> Vec<&'a str> {
    vec!["--account", "1", "--email", email, "--name", "Berta Agent", "--password", password, "--role", "agent"]
}

async fn profile(app: &TestApp, token: &str) -> (u16, Value) {
    app.get(token, &format!("{}/api/v1/profile", app.url)).await
}

#[tokio::test]
async fn create_user_prints_one_json_line_whose_token_works_while_the_server_runs() {
    let app = TestApp::spawn().await;
    let run = create_on(&app, &user_args("berta@example.com", "a long enough password")).await;
    assert!(run.ok, "{}", run.stderr);
    let created = run.json();
    let token = created["access_token"].as_str().expect("access_token");
    assert_eq!(created["account_id"], 1);
    assert!(created["user_id"].as_i64().is_some_and(|id| id > 0), "{created}");
    assert_eq!(created.as_object().map(|o| o.len()), Some(3), "only user_id, account_id, access_token: {created}");

    // The running server, on the same database, knows the new user at once.
    let (status, me) = profile(&app, token).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["id"], created["user_id"]);
    assert_eq!(me["email"], "berta@example.com");
    assert_eq!(me["name"], "Berta Agent");
    assert_eq!(me["role"], "agent");
    // And the password signs in.
    app.login("berta@example.com", "a long enough password").await;
    app.stop().await;
}

#[tokio::test]
async fn a_duplicate_email_exits_non_zero_with_an_email_taken_line_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let first = create_on(&app, &user_args("berta@example.com", "first password")).await;
    assert!(first.ok, "{}", first.stderr);
    let token = first.json()["access_token"].as_str().expect("token").to_owned();

    let again = create_on(&app, &user_args("Berta@Example.com", "second password")).await;
    assert!(!again.ok, "a duplicate must fail");
    let error = again.json();
    assert_eq!(error["code"], "email_taken", "{error}");
    assert!(error["message"].as_str().is_some_and(|m| !m.is_empty()));
    assert!(error.get("access_token").is_none());

    // The first user is untouched: same token, same password.
    assert_eq!(profile(&app, &token).await.0, 200);
    app.login("berta@example.com", "first password").await;
    let res = no_redirect_client()
        .post(format!("{}/login", app.url))
        .form(&[("email", "berta@example.com"), ("password", "second password")])
        .send()
        .await
        .expect("send");
    assert_eq!(res.status(), 401, "the second password was not stored");
    app.stop().await;
}

#[tokio::test]
async fn create_user_works_on_a_fresh_data_folder() {
    let (dir, database_url) = fresh_database().await;
    let run = create_user(&dir.0, database_url.as_deref(), &user_args("first@example.com", "first password")).await;
    assert!(run.ok, "{}", run.stderr);
    let created = run.json();
    assert_eq!(created["account_id"], 1);
    let token = created["access_token"].as_str().expect("token").to_owned();

    // A server started afterwards on the same folder/database accepts the token.
    let app = TestApp::spawn_on(dir, database_url, |_| {}).await;
    let (status, me) = profile(&app, &token).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["email"], "first@example.com");
    assert_eq!(me["account_id"], 1);
    // Account 1 got its website inbox too.
    let (_, inboxes) = app.get(&token, &app.api("/inboxes")).await;
    assert_eq!(inboxes["payload"].as_array().map(Vec::len), Some(1), "{inboxes}");
    app.stop().await;
}

#[tokio::test]
async fn bad_arguments_exit_non_zero_with_a_clear_code_and_create_nothing() {
    let app = TestApp::spawn().await;
    let cases: [(Vec<&str>, &str); 4] = [
        (user_args("not-an-email", "long enough password"), "invalid_email"),
        (user_args("carl@example.com", "short"), "weak_password"),
        (
            vec![
                "--account",
                "1",
                "--email",
                "carl@example.com",
                "--name",
                "Carl",
                "--password",
                "long enough",
                "--role",
                "boss",
            ],
            "invalid_role",
        ),
        (
            vec!["--account", "99", "--email", "carl@example.com", "--name", "Carl", "--password", "long enough"],
            "account_not_found",
        ),
    ];
    for (args, code) in cases {
        let run = create_on(&app, &args).await;
        assert!(!run.ok, "{args:?} must fail");
        assert_eq!(run.json()["code"], code, "{args:?}");
    }
    // None of them created carl: the address is still free.
    let run = create_on(&app, &user_args("carl@example.com", "long enough password")).await;
    assert!(run.ok, "{:?} {}", run.lines, run.stderr);
    app.stop().await;
}

async fn admin_on(app: &TestApp, command: &str, args: &[&str]) -> Run {
    run_admin(&app.config.data_dir, app.config.database_url.as_deref(), command, args).await
}

#[tokio::test]
async fn create_account_makes_a_second_workspace_its_users_live_in() {
    let app = TestApp::spawn().await;
    let run = admin_on(&app, "create-account", &["--name", "Second Shop"]).await;
    assert!(run.ok, "{}", run.stderr);
    let account = run.json()["account_id"].as_i64().expect("account_id");
    assert_ne!(account, 1);
    let account_arg = account.to_string();
    let args = [
        "--account",
        &account_arg,
        "--email",
        "zora@example.com",
        "--name",
        "Zora",
        "--password",
        "a long enough password",
        "--role",
        "administrator",
    ];
    let created = create_on(&app, &args).await.json();
    let token = created["access_token"].as_str().expect("token").to_owned();
    let (status, inboxes) = app.get(&token, &format!("{}/api/v1/accounts/{account}/inboxes", app.url)).await;
    assert_eq!((status, inboxes["payload"].as_array().map(Vec::len)), (200, Some(0)), "an empty workspace");
    assert_error(&app.get(&token, &format!("{}/api/v1/accounts/1/inboxes", app.url)).await, 404, "not_found");
    let bad = admin_on(&app, "create-account", &["--name", "  "]).await;
    assert!(!bad.ok);
    assert_eq!(bad.json()["code"], "invalid_name");
    app.stop().await;
}

#[tokio::test]
async fn reset_token_on_the_command_line_stops_the_old_token() {
    let app = TestApp::spawn().await;
    let (_, old) = app.create_user(1, "yara@example.com", domain::Role::Agent).await;
    assert_eq!(profile(&app, &old).await.0, 200);
    let run = admin_on(&app, "reset-token", &["--email", "Yara@Example.com"]).await;
    assert!(run.ok, "{}", run.stderr);
    let new = run.json()["access_token"].as_str().expect("token").to_owned();
    assert_error(&profile(&app, &old).await, 401, "unauthorized");
    assert_eq!(profile(&app, &new).await.0, 200);
    let unknown = admin_on(&app, "reset-token", &["--email", "nobody@example.com"]).await;
    assert!(!unknown.ok);
    assert_eq!(unknown.json()["code"], "user_not_found");
    app.stop().await;
}

#[tokio::test]
async fn a_token_reset_from_another_process_closes_its_sockets_at_their_next_check() {
    // The command line is another process with no bus to the server: the
    // server's sockets find out at their periodic check (one ping apart).
    let app = TestApp::spawn_with(|c| c.ws_ping_every = std::time::Duration::from_millis(300)).await;
    let (_, token) = app.create_user(1, "yara@example.com", domain::Role::Agent).await;
    let (mut ws, _) = app.ws_auth(serde_json::json!({"event": "authenticate", "access_token": token})).await;
    let run = admin_on(&app, "reset-token", &["--email", "yara@example.com"]).await;
    assert!(run.ok, "{}", run.stderr);
    assert_eq!(crate::revoke::until_close(&mut ws).await.1, Some(4001));
    app.stop().await;
}

#[tokio::test]
async fn a_user_resets_their_own_token_and_an_administrator_an_agents() {
    let app = TestApp::spawn().await;
    let (agent_id, agent) = app.create_user(1, "xena@example.com", domain::Role::Agent).await;
    let reset = |token: &str, url: String| {
        let (app, token) = (&app, token.to_owned());
        async move { app.post(&token, &url, serde_json::json!({})).await }
    };
    // Their own: the answer carries the new token once; the old one stops.
    let (status, me) = reset(&agent, format!("{}/api/v1/profile/reset_access_token", app.url)).await;
    assert_eq!(status, 200, "{me}");
    let agent2 = me["access_token"].as_str().expect("access_token").to_owned();
    assert_error(&profile(&app, &agent).await, 401, "unauthorized");
    assert!(profile(&app, &agent2).await.1.get("access_token").is_none(), "the profile never shows a token");

    // An administrator resets the agent's; an agent may not reset another's.
    let url = |user: i64| format!("{}/api/v1/accounts/1/agents/{user}/reset_access_token", app.url);
    assert_error(&reset(&agent2, url(1)).await, 403, "forbidden");
    let (status, body) = reset(&app.admin_token, url(agent_id)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["id"], agent_id);
    let agent3 = body["access_token"].as_str().expect("access_token").to_owned();
    assert_error(&profile(&app, &agent2).await, 401, "unauthorized");
    assert_eq!(profile(&app, &agent3).await.0, 200);
    // Not in this account: not found. In another account too: forbidden.
    assert_error(&reset(&app.admin_token, url(999_999)).await, 404, "not_found");
    let second =
        admin_on(&app, "create-account", &["--name", "Other"]).await.json()["account_id"].as_i64().expect("id");
    app.sql(&format!(
        "INSERT INTO account_users (account_id, user_id, role, created_at) VALUES ({second}, {agent_id}, 'agent', 0)"
    ))
    .await;
    assert_error(&reset(&app.admin_token, url(agent_id)).await, 403, "forbidden");
    assert_eq!(profile(&app, &agent3).await.0, 200, "refused: the token still works");
    app.stop().await;
}

#[tokio::test]
async fn reset_password_prints_a_one_time_setup_link_that_works_once() {
    let app = TestApp::spawn().await;
    let out = admin_on(&app, "reset-password", &["--email", "owner@example.com"]).await;
    assert!(out.ok, "{}", out.stderr);
    let line = out.json();
    let url = line["setup_url"].as_str().expect("setup_url");
    assert!(url.starts_with("http://") && url.contains("/setup/"), "{url}");
    let token = url.rsplit('/').next().expect("token");
    let post = || {
        no_redirect_client()
            .post(format!("{}/setup/{token}", app.url))
            .form(&[("password", "from the cli link"), ("confirm", "from the cli link")])
            .send()
    };
    assert_eq!(post().await.expect("send").status(), 303);
    assert_eq!(post().await.expect("send").status(), 404, "a second use");
    app.login("owner@example.com", "from the cli link").await;

    let unknown = admin_on(&app, "reset-password", &["--email", "nobody@example.com"]).await;
    assert!(!unknown.ok);
    assert_eq!(unknown.json()["code"], "user_not_found");
    app.stop().await;
}
