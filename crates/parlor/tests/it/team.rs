//! The team as an administrator runs it (issue 12, A1): agents added with a
//! one-time setup link, changed and removed; setup links that work once;
//! inbox members whose change reaches open sockets at once.

use domain::Role;
use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::*;
use crate::revoke::{session_socket, until_close};

/// The token of a setup URL (`…/setup/<token>`).
fn token_of(url: &Value) -> String {
    url.as_str().and_then(|u| u.rsplit('/').next()).expect("a setup url").to_owned()
}

async fn setup_page(app: &TestApp, token: &str) -> (u16, String) {
    let res = app.http.get(format!("{}/setup/{token}", app.url)).send().await.expect("send");
    (res.status().as_u16(), res.text().await.expect("body"))
}

/// Posts the setup form; the status and, on success, the new session.
async fn use_link(app: &TestApp, token: &str, password: &str, confirm: &str) -> (u16, Option<String>) {
    let res = no_redirect_client()
        .post(format!("{}/setup/{token}", app.url))
        .header("origin", &app.url)
        .form(&[("password", password), ("confirm", confirm)])
        .send()
        .await
        .expect("send");
    (res.status().as_u16(), session_from(&res))
}

async fn sign_in_status(app: &TestApp, email: &str, password: &str) -> u16 {
    let res = no_redirect_client()
        .post(format!("{}/login", app.url))
        .form(&[("email", email), ("password", password)])
        .send()
        .await
        .expect("send");
    res.status().as_u16()
}

async fn invite(app: &TestApp, email: &str, role: &str) -> Value {
    let (status, body) = app
        .post(&app.admin_token, &app.api("/agents"), json!({"name": "Nina Neu", "email": email, "role": role}))
        .await;
    assert_eq!(status, 200, "{body}");
    body
}

#[tokio::test]
async fn an_invited_agent_chooses_a_password_once_through_the_setup_link() {
    let app = TestApp::spawn().await;
    let added = invite(&app, "nina@example.com", "agent").await;
    assert_eq!((added["role"].as_str(), added["confirmed"].as_bool()), (Some("agent"), Some(false)), "{added}");
    assert_eq!(added["availability"], "online", "the default choice");
    assert_eq!(added["availability_status"], "offline", "never connected: shown offline");
    let token = token_of(&added["setup_url"]);
    assert_eq!(token.len(), 64, "256 random bits");

    // No password signs in before the link is used, the empty one included.
    for guess in ["", "correct horse battery"] {
        assert_eq!(sign_in_status(&app, "nina@example.com", guess).await, 401);
    }
    let (status, page) = setup_page(&app, &token).await;
    assert_eq!(status, 200);
    assert!(page.contains("Nina Neu") && page.contains("nina@example.com"), "{page}");

    // Mismatch and weak passwords: the form again, the link still unused.
    assert_eq!(use_link(&app, &token, "long enough 1", "long enough 2").await.0, 422);
    assert_eq!(use_link(&app, &token, "short", "short").await.0, 422);
    let (status, session) = use_link(&app, &token, "a good new password", "a good new password").await;
    assert_eq!(status, 303);
    let session = session.expect("signed in by the link");
    let inbox = no_redirect_client()
        .get(format!("{}/app", app.url))
        .header("cookie", format!("parlor_session={session}"))
        .send()
        .await
        .expect("send");
    assert_eq!(inbox.status(), 200);
    assert_eq!(sign_in_status(&app, "nina@example.com", "a good new password").await, 303);

    // Used: the page says so, a second use fails, the password stays.
    let (status, page) = setup_page(&app, &token).await;
    assert_eq!(status, 404);
    assert!(page.contains("data-testid=\"setup-gone\""), "{page}");
    assert_eq!(use_link(&app, &token, "another password", "another password").await.0, 404);
    assert_eq!(sign_in_status(&app, "nina@example.com", "a good new password").await, 303);
    let (_, agents) = app.get(&app.admin_token, &app.api("/agents")).await;
    let nina = agents.as_array().expect("list").iter().find(|a| a["email"] == "nina@example.com").cloned();
    assert_eq!(nina.expect("listed")["confirmed"], true);
    // Anything that is not a token is not looked up; a made-up one is unknown.
    assert_eq!(setup_page(&app, "../../etc/passwd").await.0, 404);
    assert_eq!(setup_page(&app, &"0".repeat(64)).await.0, 404);
    app.stop().await;
}

#[tokio::test]
async fn two_racing_uses_of_one_setup_link_let_exactly_one_through() {
    let app = TestApp::spawn().await;
    let token = token_of(&invite(&app, "race@example.com", "agent").await["setup_url"]);
    let (a, b) = tokio::join!(
        use_link(&app, &token, "first password!", "first password!"),
        use_link(&app, &token, "second password", "second password"),
    );
    let mut statuses = [a.0, b.0];
    statuses.sort();
    assert_eq!(statuses, [303, 404]);
    let first = sign_in_status(&app, "race@example.com", "first password!").await;
    let second = sign_in_status(&app, "race@example.com", "second password").await;
    assert_eq!([first, second].iter().filter(|s| **s == 303).count(), 1, "{first} {second}");
    app.stop().await;
}

#[tokio::test]
async fn adding_someone_who_has_a_user_adds_them_without_a_new_password() {
    let app = TestApp::spawn().await;
    let other = app::testing::create_account(app.app(), "Other").await.expect("account");
    let (eve, eve_token) = app.create_user(other.0, "eve@other.example", Role::Administrator).await;
    let added = invite(&app, "EVE@other.example", "agent").await;
    assert_eq!(added["id"], eve);
    assert_eq!(added["setup_url"], Value::Null);
    assert_eq!(added["confirmed"], true);
    assert_eq!(sign_in_status(&app, "eve@other.example", "correct horse battery").await, 303);
    let (status, _) = app.get(&eve_token, &app.api("/conversations")).await;
    assert_eq!(status, 200, "Eve works in account 1 now");
    let again =
        app.post(&app.admin_token, &app.api("/agents"), json!({"name": "Eve", "email": "eve@other.example"})).await;
    assert_error(&again, 409, "already_member");
    // Her password is hers: account 1's administrator cannot reset it.
    let link = app.post(&app.admin_token, &app.api(&format!("/agents/{eve}/setup_link")), json!({})).await;
    assert_error(&link, 403, "forbidden");
    app.stop().await;
}

#[tokio::test]
async fn bad_agent_input_gets_a_clear_error_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let (_, anna_token) = app.create_user(1, "anna@example.com", Role::Agent).await;
    let cases = [
        (json!({"name": "X", "email": "not an email"}), "invalid_email"),
        (json!({"name": "", "email": "x@example.com"}), "invalid_name"),
        (json!({"name": "X", "email": "x@example.com", "role": "owner"}), "invalid_role"),
    ];
    for (body, code) in cases {
        let got = app.post(&app.admin_token, &app.api("/agents"), body.clone()).await;
        assert_error(&got, 422, code);
    }
    let by_agent = app.post(&anna_token, &app.api("/agents"), json!({"name": "X", "email": "x@example.com"})).await;
    assert_error(&by_agent, 403, "forbidden");
    let (_, agents) = app.get(&anna_token, &app.api("/agents")).await;
    let emails: Vec<&Value> = agents.as_array().expect("list").iter().map(|a| &a["email"]).collect();
    assert!(emails.contains(&&json!("owner@example.com")), "agents may list their team: {agents}");
    assert!(!emails.contains(&&json!("x@example.com")), "nothing was added: {agents}");
    app.stop().await;
}

#[tokio::test]
async fn an_administrator_changes_roles_and_availability_but_never_the_last_administrator() {
    let app = TestApp::spawn().await;
    let (anna, anna_token) = app.create_user(1, "anna@example.com", Role::Agent).await;
    let (_, owner) = app.get(&app.admin_token, &app.api("/agents")).await;
    let id_of = |email: &str| {
        owner.as_array().expect("list").iter().find(|a| a["email"] == email).expect("listed")["id"]
            .as_i64()
            .expect("id")
    };
    let (first_admin, owner) = (id_of(app::bootstrap::ADMIN_EMAIL), id_of("owner@example.com"));
    let url = app.api(&format!("/agents/{anna}"));
    let (status, body) = app
        .send_as(&app.admin_token, Method::PATCH, &url, json!({"role": "administrator", "availability": "busy"}))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!((body["role"].as_str(), body["availability"].as_str()), (Some("administrator"), Some("busy")));
    // Anna is an administrator now: she sees every inbox and may add agents.
    let (status, _) = app.post(&anna_token, &app.api("/agents"), json!({"name": "B", "email": "b@example.com"})).await;
    assert_eq!(status, 200);

    let got = app.send_as(&app.admin_token, Method::PATCH, &url, json!({"availability": "away"})).await;
    assert_error(&got, 422, "invalid_availability");
    app.send_as(&app.admin_token, Method::PATCH, &url, json!({"role": "agent"})).await;
    let first = app.api(&format!("/agents/{first_admin}"));
    assert_eq!(app.send_as(&app.admin_token, Method::PATCH, &first, json!({"role": "agent"})).await.0, 200);
    let last = app
        .send_as(&app.admin_token, Method::PATCH, &app.api(&format!("/agents/{owner}")), json!({"role": "agent"}))
        .await;
    assert_error(&last, 422, "last_administrator");
    let by_agent =
        app.send_as(&anna_token, Method::PATCH, &app.api(&format!("/agents/{owner}")), json!({"role": "agent"})).await;
    assert_error(&by_agent, 403, "forbidden");
    app.stop().await;
}

#[tokio::test]
async fn removing_an_agent_unassigns_their_open_conversations_and_closes_their_sockets() {
    let app = TestApp::spawn().await;
    let (anna, anna_token) = app.create_user(1, "anna@example.com", Role::Agent).await;
    let (_, open) = app.visitor_with_conversation().await;
    let (_, closed) = app.visitor_with_conversation().await;
    for c in [open, closed] {
        let got = app
            .post(&app.admin_token, &app.api(&format!("/conversations/{c}/assignments")), json!({"assignee_id": anna}))
            .await;
        assert_eq!(got.0, 200, "{}", got.1);
    }
    app.post(
        &app.admin_token,
        &app.api(&format!("/conversations/{closed}/toggle_status")),
        json!({"status": "resolved"}),
    )
    .await;
    let session = app.login("anna@example.com", "correct horse battery").await;
    let mut socket = session_socket(&app, &session).await;

    let (status, _) =
        app.send_as(&app.admin_token, Method::DELETE, &app.api(&format!("/agents/{anna}")), json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(until_close(&mut socket).await.1, Some(4001));
    let c = app.conversation(&app.admin_token, open).await;
    assert_eq!(c["meta"]["assignee"], Value::Null, "{c}");
    let lines = app.agent_messages(&app.admin_token, open).await;
    assert_eq!(activity_count(&lines, "assignee_removed"), 1);
    // A resolved conversation keeps its history as it was.
    assert_eq!(app.conversation(&app.admin_token, closed).await["meta"]["assignee"]["id"], anna);
    let (status, _) = app.get(&anna_token, &app.api("/conversations")).await;
    assert_eq!(status, 404, "no longer in the account");

    let (_, me) = app.get(&app.admin_token, &format!("{}/api/v1/profile", app.url)).await;
    let me = me["id"].as_i64().expect("id");
    let got = app.send_as(&app.admin_token, Method::DELETE, &app.api(&format!("/agents/{me}")), json!({})).await;
    assert_error(&got, 422, "cannot_remove_self");
    app.stop().await;
}

#[tokio::test]
async fn inbox_members_are_listed_added_replaced_and_removed_and_sockets_follow_at_once() {
    let app = TestApp::spawn().await;
    let (anna, anna_token) = app.create_user(1, "anna@example.com", Role::Agent).await;
    let (sales, _) = app.new_inbox(1, "Sales").await;
    let members_of = |body: &Value| -> Vec<i64> {
        let mut ids: Vec<i64> =
            body["payload"].as_array().expect("payload").iter().filter_map(|m| m["id"].as_i64()).collect();
        ids.sort();
        ids
    };
    let (_, before) = app.get(&app.admin_token, &app.api(&format!("/inbox_members/{sales}"))).await;
    assert!(members_of(&before).contains(&anna), "{before}");

    let (mut ws, _) = app.ws_auth(json!({"event": "authenticate", "access_token": anna_token})).await;
    // Recorded beside the socket's start, not before it: wait for it.
    let mut seen = Value::Null;
    for _ in 0..100 {
        let (_, agents) = app.get(&app.admin_token, &app.api("/agents")).await;
        seen = agents.as_array().expect("list").iter().find(|a| a["id"] == anna).expect("anna")["last_seen_at"].clone();
        if seen.is_i64() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(seen.as_i64().is_some_and(|s| s > 0), "a socket records when the agent was last seen: {seen}");
    let url = app.api("/inbox_members");
    let (status, after) =
        app.send_as(&app.admin_token, Method::DELETE, &url, json!({"inbox_id": sales, "user_ids": [anna]})).await;
    assert_eq!(status, 200, "{after}");
    assert!(!members_of(&after).contains(&anna));
    assert_eq!(next_event(&mut ws, "access.changed").await["event"], "access.changed");
    let (status, _) = app.get(&anna_token, &app.api(&format!("/inboxes/{sales}"))).await;
    assert_eq!(status, 404);

    let (status, after) =
        app.post(&app.admin_token, &url, json!({"inbox_id": sales.to_string(), "user_ids": [anna]})).await;
    assert_eq!(status, 200);
    assert!(members_of(&after).contains(&anna));
    assert_eq!(next_event(&mut ws, "access.changed").await["event"], "access.changed");

    let (status, after) =
        app.send_as(&app.admin_token, Method::PATCH, &url, json!({"inbox_id": sales, "user_ids": [anna]})).await;
    assert_eq!(status, 200);
    assert_eq!(members_of(&after), vec![anna], "PATCH replaces the set");

    // Someone from another account cannot be added; nothing changes.
    let other = app::testing::create_account(app.app(), "Other").await.expect("account");
    let (eve, eve_token) = app.create_user(other.0, "eve@other.example", Role::Administrator).await;
    let got = app.post(&app.admin_token, &url, json!({"inbox_id": sales, "user_ids": [anna, eve]})).await;
    assert_error(&got, 422, "invalid_user");
    let (_, now) = app.get(&app.admin_token, &app.api(&format!("/inbox_members/{sales}"))).await;
    assert_eq!(members_of(&now), vec![anna]);
    // Nor may an agent, or another account's administrator, change them.
    let got = app.post(&anna_token, &url, json!({"inbox_id": sales, "user_ids": [anna]})).await;
    assert_error(&got, 403, "forbidden");
    let got = app.post(&eve_token, &url, json!({"inbox_id": sales, "user_ids": [eve]})).await;
    assert_error(&got, 404, "not_found");
    app.stop().await;
}

#[tokio::test]
async fn the_operator_resets_a_lost_password_with_a_one_time_link_that_ends_other_sessions() {
    let app = TestApp::spawn().await;
    let old_session = app.login("owner@example.com", "correct horse battery").await;
    let mut old_socket = session_socket(&app, &old_session).await;
    let (_, token) = app
        .app()
        .reset_password_by_email(&domain::EmailAddress::parse("owner@example.com").expect("email"))
        .await
        .expect("reset");
    let (status, page) = setup_page(&app, &token).await;
    assert_eq!(status, 200);
    assert!(page.contains("Choose a new password"), "{page}");
    let (status, _) = use_link(&app, &token, "brand new secret", "brand new secret").await;
    assert_eq!(status, 303);
    assert_eq!(until_close(&mut old_socket).await.1, Some(4001), "the old session's socket closes");
    let res = no_redirect_client()
        .get(format!("{}/app", app.url))
        .header("cookie", format!("parlor_session={old_session}"))
        .send()
        .await
        .expect("send");
    assert!(res.status().is_redirection(), "the old session ended");
    assert_eq!(sign_in_status(&app, "owner@example.com", "correct horse battery").await, 401);
    assert_eq!(sign_in_status(&app, "owner@example.com", "brand new secret").await, 303);
    app.stop().await;
}

#[tokio::test]
async fn the_settings_pages_need_a_session_and_show_the_team_only_to_administrators() {
    let app = TestApp::spawn().await;
    app.create_user(1, "anna@example.com", Role::Agent).await;
    let get = |path: &'static str, session: Option<String>| {
        let client = no_redirect_client();
        let url = format!("{}{path}", app.url);
        async move {
            let mut req = client.get(url);
            if let Some(s) = session {
                req = req.header("cookie", format!("parlor_session={s}"));
            }
            let res = req.send().await.expect("send");
            (res.status().as_u16(), res.text().await.unwrap_or_default())
        }
    };
    assert_eq!(get("/app/settings/agents", None).await.0, 303);
    assert_eq!(get("/app/profile", None).await.0, 303);
    let owner = app.login("owner@example.com", "correct horse battery").await;
    let (status, page) = get("/app/settings/agents", Some(owner.clone())).await;
    assert_eq!(status, 200);
    assert!(page.contains("data-testid=\"nav-agents\"") && !page.contains("settings-admin-only"));
    assert_eq!(get("/app/settings/inboxes/9999", Some(owner.clone())).await.0, 404);
    let (status, _) = get("/app/settings/embed", Some(owner)).await;
    assert_eq!(status, 303, "to the first inbox's snippet");

    let anna = app.login("anna@example.com", "correct horse battery").await;
    let (status, page) = get("/app/settings/agents", Some(anna.clone())).await;
    assert_eq!(status, 200);
    assert!(page.contains("settings-admin-only") && !page.contains("data-testid=\"nav-agents\""), "{page}");
    let (status, page) = get("/app/profile", Some(anna)).await;
    assert_eq!(status, 200);
    assert!(!page.contains("settings-admin-only"));
    app.stop().await;
}

#[tokio::test]
async fn a_user_in_two_accounts_picks_one_for_the_socket_and_the_inbox_page() {
    let app = TestApp::spawn().await;
    let other = app::testing::create_account(app.app(), "Second shop").await.expect("account");
    let (_, their_token) = app.create_user(other.0, "boss@second.example", Role::Administrator).await;
    let (_, website) = app.new_inbox(other.0, "Second website").await;
    // The owner of account 1 joins account 2 as an agent.
    let base2 = format!("{}/api/v1/accounts/{}", app.url, other.0);
    let got = app
        .post(&their_token, &format!("{base2}/agents"), json!({"name": "Owner", "email": "owner@example.com"}))
        .await;
    assert_eq!(got.0, 200, "{}", got.1);

    let (mut second, hello) =
        app.ws_auth(json!({"event": "authenticate", "access_token": app.admin_token, "account_id": other.0})).await;
    assert_eq!(hello["account_id"], other.0, "{hello}");
    let (mut first, hello) = app.ws_auth(json!({"event": "authenticate", "access_token": app.admin_token})).await;
    assert_eq!(hello["account_id"], 1, "the first account by default");
    let (_, c2) = app.conversation_in(&website).await;
    let created = next_event(&mut second, "conversation.created").await;
    assert_eq!(created["data"]["id"], c2);
    // Account 1's socket hears nothing of account 2: the next thing it sees
    // is account 1's own conversation.
    let (_, c1) = app.visitor_with_conversation().await;
    let seen = next_event(&mut first, "conversation.created").await;
    assert_eq!(seen["data"]["id"], c1);
    assert_eq!(seen["data"]["account_id"], 1);

    // Not a member of the account named: 4001.
    let third = app::testing::create_account(app.app(), "Third").await.expect("account");
    let mut ws = app.ws().await;
    send_text(
        &mut ws,
        &json!({"event": "authenticate", "access_token": app.admin_token, "account_id": third.0}).to_string(),
    )
    .await;
    assert_eq!(close_code(&mut ws).await, Some(4001));

    // The inbox page: the account asked for, with a switcher; a stranger's account → the first.
    let session = app.login("owner@example.com", "correct horse battery").await;
    let page = |q: String| {
        let client = no_redirect_client();
        let url = format!("{}/app{q}", app.url);
        let cookie = format!("parlor_session={session}");
        async move {
            let res = client.get(url).header("cookie", cookie).send().await.expect("send");
            (res.status().as_u16(), res.text().await.unwrap_or_default())
        }
    };
    let (status, html) = page(format!("?account={}", other.0)).await;
    assert_eq!(status, 200);
    assert!(html.contains(&format!("data-account-id=\"{}\"", other.0)), "the second account's inbox");
    assert!(html.contains("data-testid=\"account-switcher\"") && html.contains("Second shop"));
    assert_eq!(page(format!("?account={}", third.0)).await.0, 303);
    app.stop().await;
}
