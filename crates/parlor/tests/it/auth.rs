//! Signing in and out of the agent pages (threats.md #34, #35, #53): uniform
//! failures, the session cookie, the login rate limit, CSRF on cookie-authenticated
//! writes, and logout ending the session.

use domain::Role;
use reqwest::header::{CONTENT_TYPE, LOCATION, SET_COOKIE};
use serde_json::{json, Value};

use crate::helpers::*;

const PASSWORD: &str = "correct horse battery";

async fn login_attempt(app: &TestApp, email: &str, password: &str) -> reqwest::Response {
    no_redirect_client()
        .post(format!("{}/login", app.url))
        .form(&[("email", email), ("password", password)])
        .send()
        .await
        .expect("send")
}

fn cookie(session: &str) -> String {
    format!("parlor_session={session}")
}

/// GET with a session cookie and no redirects followed.
async fn get_with_session(app: &TestApp, path: &str, session: &str) -> reqwest::Response {
    no_redirect_client().get(format!("{}{path}", app.url)).header("cookie", cookie(session)).send().await.expect("send")
}

/// A cookie-authenticated POST of JSON with an optional Origin.
async fn post_with_session(url: &str, session: &str, origin: Option<&str>, body: Value) -> (u16, Value) {
    let mut req = no_redirect_client().post(url).header("cookie", cookie(session)).json(&body);
    if let Some(o) = origin {
        req = req.header("origin", o);
    }
    let res = req.send().await.expect("send");
    (res.status().as_u16(), res.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_email_get_the_same_answer() {
    let app = TestApp::spawn().await;
    app.create_user(1, "anna@example.com", Role::Agent).await;
    let wrong = login_attempt(&app, "anna@example.com", "not the password").await;
    let unknown = login_attempt(&app, "nobody@example.com", "not the password").await;
    let (wrong_status, unknown_status) = (wrong.status(), unknown.status());
    assert!(wrong.headers().get(SET_COOKIE).is_none() && unknown.headers().get(SET_COOKIE).is_none());
    // The form shows back what was typed; apart from that the pages are identical.
    let wrong_body = wrong.text().await.expect("body").replace("anna@example.com", "EMAIL");
    let unknown_body = unknown.text().await.expect("body").replace("nobody@example.com", "EMAIL");
    assert_eq!(wrong_status, 401);
    assert_eq!(wrong_status, unknown_status);
    assert_eq!(wrong_body, unknown_body);
    assert!(wrong_body.contains("login-error"), "the page says the sign-in failed");
    app.stop().await;
}

#[tokio::test]
async fn a_correct_login_sets_an_httponly_samesite_session_cookie_and_redirects_to_the_inbox() {
    let app = TestApp::spawn().await;
    app.create_user(1, "anna@example.com", Role::Agent).await;
    let res = login_attempt(&app, "Anna@Example.com ", PASSWORD).await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers().get(LOCATION).and_then(|v| v.to_str().ok()), Some("/app"));
    let set = res.headers().get(SET_COOKIE).and_then(|v| v.to_str().ok()).expect("Set-Cookie").to_owned();
    let attributes: Vec<String> = set.split(';').map(|a| a.trim().to_ascii_lowercase()).collect();
    assert!(attributes.iter().any(|a| a == "httponly"), "{set}");
    assert!(attributes.iter().any(|a| a == "samesite=lax" || a == "samesite=strict"), "{set}");
    assert!(attributes.iter().any(|a| a == "path=/"), "{set}");
    let session = session_from(&res).expect("session");
    assert!(session.len() >= 32, "a long random session id");

    let page = get_with_session(&app, "/app", &session).await;
    assert_eq!(page.status(), 200);
    app.stop().await;
}

#[tokio::test]
async fn the_inbox_page_without_a_valid_session_redirects_to_login() {
    let app = TestApp::spawn().await;
    let res = no_redirect_client().get(format!("{}/app", app.url)).send().await.expect("send");
    assert!(res.status().is_redirection(), "{}", res.status());
    assert_eq!(res.headers().get(LOCATION).and_then(|v| v.to_str().ok()), Some("/login"));
    let forged = get_with_session(&app, "/app", &"a".repeat(64)).await;
    assert!(forged.status().is_redirection());
    assert_eq!(forged.headers().get(LOCATION).and_then(|v| v.to_str().ok()), Some("/login"));
    app.stop().await;
}

#[tokio::test]
async fn with_a_session_the_inbox_page_is_an_html_page() {
    let app = TestApp::spawn().await;
    let session = app.login("owner@example.com", PASSWORD).await;
    let res = get_with_session(&app, "/app", &session).await;
    assert_eq!(res.status(), 200);
    let kind = res.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    assert!(kind.starts_with("text/html"), "{kind}");
    let html = res.text().await.expect("body");
    assert!(html.contains("<html"), "an HTML page");
    app.stop().await;
}

#[tokio::test]
async fn the_fourth_login_attempt_in_a_minute_is_rate_limited_even_with_the_right_password() {
    let app = TestApp::spawn_with(|c| c.rate_limit_login_per_minute = 3).await;
    app.create_user(1, "anna@example.com", Role::Agent).await;
    for _ in 0..3 {
        assert_eq!(login_attempt(&app, "anna@example.com", "guess").await.status(), 401);
    }
    let limited = login_attempt(&app, "anna@example.com", PASSWORD).await;
    assert_eq!(limited.status(), 429);
    assert!(limited.headers().get(SET_COOKIE).is_none(), "no session while limited");
    // The limit holds per client address, for other emails too.
    assert_eq!(login_attempt(&app, "owner@example.com", PASSWORD).await.status(), 429);
    app.stop().await;
}

#[tokio::test]
async fn a_login_form_posted_from_another_origin_is_refused() {
    let app = TestApp::spawn().await;
    let res = no_redirect_client()
        .post(format!("{}/login", app.url))
        .header("origin", "http://evil.example")
        .form(&[("email", "owner@example.com"), ("password", PASSWORD)])
        .send()
        .await
        .expect("send");
    assert_eq!(res.status(), 403);
    assert!(res.headers().get(SET_COOKIE).is_none());
    app.stop().await;
}

#[tokio::test]
async fn a_cookie_authenticated_write_from_another_origin_is_403_cross_origin() {
    let app = TestApp::spawn().await;
    let (_, c) = app.visitor_with_conversation().await;
    let session = app.login("owner@example.com", PASSWORD).await;
    let url = app.api(&format!("/conversations/{c}/messages"));
    for origin in [Some("http://evil.example"), Some("null"), None] {
        let got = post_with_session(&url, &session, origin, json!({"content": "forged by another site"})).await;
        assert_error(&got, 403, "cross_origin");
    }
    let status_url = app.api(&format!("/conversations/{c}/toggle_status"));
    let got =
        post_with_session(&status_url, &session, Some("http://evil.example"), json!({"status": "resolved"})).await;
    assert_error(&got, 403, "cross_origin");
    assert!(app.agent_messages(&app.admin_token, c).await.is_empty());
    assert_eq!(app.conversation(&app.admin_token, c).await["status"], "open");

    // From our own pages the same request works.
    let (status, sent) = post_with_session(&url, &session, Some(&app.url), json!({"content": "from the inbox"})).await;
    assert_eq!(status, 200, "{sent}");
    let stored = app.agent_messages(&app.admin_token, c).await;
    assert!(stored.iter().any(|m| m["content"] == "from the inbox"), "{stored:?}");
    // Reads need no Origin.
    let res = get_with_session(&app, "/api/v1/profile", &session).await;
    assert_eq!(res.status(), 200);
    app.stop().await;
}

#[tokio::test]
async fn logout_ends_the_session_so_the_old_cookie_no_longer_works() {
    let app = TestApp::spawn().await;
    let session = app.login("owner@example.com", PASSWORD).await;
    assert_eq!(get_with_session(&app, "/api/v1/profile", &session).await.status(), 200);

    // A logout posted by another site is refused and ends nothing.
    let forged = no_redirect_client()
        .post(format!("{}/logout", app.url))
        .header("cookie", cookie(&session))
        .header("origin", "http://evil.example")
        .send()
        .await
        .expect("send");
    assert_eq!(forged.status(), 403);
    assert_eq!(get_with_session(&app, "/api/v1/profile", &session).await.status(), 200);

    let res = no_redirect_client()
        .post(format!("{}/logout", app.url))
        .header("cookie", cookie(&session))
        .header("origin", &app.url)
        .send()
        .await
        .expect("send");
    assert!(res.status().is_redirection(), "{}", res.status());
    assert_eq!(res.headers().get(LOCATION).and_then(|v| v.to_str().ok()), Some("/login"));
    let cleared = res.headers().get(SET_COOKIE).and_then(|v| v.to_str().ok()).unwrap_or("").to_ascii_lowercase();
    assert!(cleared.contains("max-age=0"), "{cleared}");

    let res = get_with_session(&app, "/api/v1/profile", &session).await;
    assert_eq!(res.status(), 401);
    let body: Value = res.json().await.expect("json");
    assert_error(&(401, body), 401, "unauthorized");
    let page = get_with_session(&app, "/app", &session).await;
    assert_eq!(page.headers().get(LOCATION).and_then(|v| v.to_str().ok()), Some("/login"));
    let mut ws = app.ws_with(&[("cookie", &cookie(&session)), ("origin", &app.url)]).await.expect("upgrade");
    send_text(&mut ws, r#"{"event":"authenticate"}"#).await;
    assert_eq!(close_code(&mut ws).await, Some(4001));
    app.stop().await;
}

#[tokio::test]
async fn signing_in_again_replaces_the_session_id() {
    let app = TestApp::spawn().await;
    let first = app.login("owner@example.com", PASSWORD).await;
    let res = no_redirect_client()
        .post(format!("{}/login", app.url))
        .header("cookie", cookie(&first))
        .form(&[("email", "owner@example.com"), ("password", PASSWORD)])
        .send()
        .await
        .expect("send");
    assert_eq!(res.status(), 303);
    let second = session_from(&res).expect("a new session");
    assert_ne!(first, second);
    assert_eq!(get_with_session(&app, "/api/v1/profile", &first).await.status(), 401);
    assert_eq!(get_with_session(&app, "/api/v1/profile", &second).await.status(), 200);
    app.stop().await;
}

/// An agent endpoint reads the cookie's user together with its role and inboxes
/// in the path's account (one statement, web/src/extract.rs). It must still tell
/// no session (401) from not in this account (404), and keep an agent to its
/// inboxes.
#[tokio::test]
async fn a_session_works_only_in_its_own_account_its_own_inboxes_and_until_logout() {
    let app = TestApp::spawn().await;
    let (anna, _) = app.create_user(1, "anna@example.com", Role::Agent).await;
    let (_, visible) = app.visitor_with_conversation().await;
    let (sales, sales_token) = app.new_inbox(1, "Sales").await;
    app.sql(&format!("DELETE FROM inbox_members WHERE inbox_id = {sales} AND user_id = {anna}")).await;
    let (_, hidden) = app.conversation_in(&sales_token).await;
    let other = app::testing::create_account(app.app(), "Other").await.expect("account");
    let session = app.login("anna@example.com", PASSWORD).await;

    let res = get_with_session(&app, "/api/v1/accounts/1/conversations?status=all", &session).await;
    assert_eq!(res.status(), 200);
    let list: Value = res.json().await.expect("json");
    let ids: Vec<&Value> = list["data"]["payload"].as_array().expect("payload").iter().map(|c| &c["id"]).collect();
    assert_eq!(ids, [&json!(visible)], "only the inbox Anna is a member of");
    let res = get_with_session(&app, &format!("/api/v1/accounts/1/conversations/{hidden}"), &session).await;
    assert_eq!(res.status(), 404);
    let res = get_with_session(&app, &format!("/api/v1/accounts/{}/conversations", other.0), &session).await;
    assert_eq!(res.status(), 404, "another account is not found, not unauthorized");
    let res = get_with_session(&app, "/api/v1/accounts/1/conversations", "no-such-session").await;
    assert_eq!(res.status(), 401);

    let res = no_redirect_client()
        .post(format!("{}/logout", app.url))
        .header("cookie", cookie(&session))
        .header("origin", &app.url)
        .send()
        .await
        .expect("send");
    assert!(res.status().is_redirection(), "{}", res.status());
    let res = get_with_session(&app, "/api/v1/accounts/1/conversations", &session).await;
    assert_eq!(res.status(), 401);
    app.stop().await;
}

/// Sessions expire by the app's clock, the one every use case reads: a test
/// moves it by hand instead of waiting two weeks.
#[tokio::test]
async fn a_session_ends_after_its_days_by_the_apps_clock() {
    let clock = app::testing::ManualClock::starting_at(now_secs() * 1000);
    let shared = clock.shared();
    let app = TestApp::spawn_with(move |c| c.clock = shared).await;
    let session = app.login("owner@example.com", PASSWORD).await;
    let lifetime = app::auth::SESSION_DAYS * 24 * 3600 * 1000;
    clock.advance(lifetime - 1000);
    assert_eq!(get_with_session(&app, "/app", &session).await.status(), 200, "still valid a second before its end");
    clock.advance(1000);
    let expired = get_with_session(&app, "/app", &session).await;
    assert_eq!(expired.headers().get(LOCATION).and_then(|v| v.to_str().ok()), Some("/login"), "expired");
    app.stop().await;
}
