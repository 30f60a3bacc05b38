//! A user's own profile (issue 12, A2/A3): Chatwoot's `PUT /api/v1/profile`
//! with names, signature and a password change that ends the other sessions,
//! and availability per account.

use reqwest::Method;
use serde_json::json;

use crate::helpers::*;
use crate::revoke::{session_socket, until_close};

const PASSWORD: &str = "correct horse battery";

fn profile_url(app: &TestApp) -> String {
    format!("{}/api/v1/profile", app.url)
}

#[tokio::test]
async fn names_and_signature_change_and_bad_values_get_clear_errors() {
    let app = TestApp::spawn().await;
    let url = profile_url(&app);
    let body = json!({"profile": {"name": "Olga Owner", "display_name": "Olga", "message_signature": "— Olga, Acme"}});
    let (status, p) = app.send_as(&app.admin_token, Method::PUT, &url, body).await;
    assert_eq!(status, 200, "{p}");
    assert_eq!((p["name"].as_str(), p["available_name"].as_str()), (Some("Olga Owner"), Some("Olga")));
    assert_eq!(p["message_signature"], "— Olga, Acme");
    let (_, again) = app.get(&app.admin_token, &url).await;
    assert_eq!(again["message_signature"], "— Olga, Acme");
    // Teammates see the display name.
    let (_, agents) = app.get(&app.admin_token, &app.api("/agents")).await;
    assert!(agents.as_array().expect("list").iter().any(|a| a["available_name"] == "Olga"), "{agents}");
    // An empty display name falls back to the name.
    let (_, p) = app.send_as(&app.admin_token, Method::PUT, &url, json!({"profile": {"display_name": ""}})).await;
    assert_eq!(p["available_name"], "Olga Owner");

    let cases = [
        (json!({"profile": {"name": ""}}), "invalid_name"),
        (json!({"profile": {"message_signature": "x".repeat(1001)}}), "invalid_signature"),
        (
            json!({"profile": {"password": "new password 1", "current_password": "wrong one"}}),
            "invalid_current_password",
        ),
        (json!({"profile": {"password": "short", "current_password": PASSWORD}}), "weak_password"),
        (
            json!({"profile": {"password": "new password 1", "password_confirmation": "new password 2", "current_password": PASSWORD}}),
            "password_mismatch",
        ),
    ];
    for (body, code) in cases {
        assert_error(&app.send_as(&app.admin_token, Method::PUT, &url, body).await, 422, code);
    }
    app.login("owner@example.com", PASSWORD).await;
    let (status, _) = app.send(Method::PUT, &url, Some(json!({"profile": {"name": "Nobody"}}))).await;
    assert_eq!(status, 401);
    app.stop().await;
}

#[tokio::test]
async fn a_password_change_keeps_this_session_and_ends_the_others_and_their_sockets() {
    let app = TestApp::spawn().await;
    let (v, c) = app.visitor_with_conversation().await;
    let this = app.login("owner@example.com", PASSWORD).await;
    let other = app.login("owner@example.com", PASSWORD).await;
    let mut this_socket = session_socket(&app, &this).await;
    let mut other_socket = session_socket(&app, &other).await;
    let res = app
        .http
        .put(profile_url(&app))
        .header("cookie", format!("parlor_session={this}"))
        .header("origin", &app.url)
        .json(&json!({"profile": {"current_password": PASSWORD, "password": "a fresh password", "password_confirmation": "a fresh password"}}))
        .send()
        .await
        .expect("send");
    assert_eq!(res.status(), 200);
    assert_eq!(until_close(&mut other_socket).await.1, Some(4001));
    let page = |session: String| {
        let client = no_redirect_client();
        let url = format!("{}/app", app.url);
        async move {
            client.get(url).header("cookie", format!("parlor_session={session}")).send().await.expect("send").status()
        }
    };
    assert_eq!(page(this.clone()).await, 200, "this session stays");
    assert!(page(other).await.is_redirection(), "the other session ended");
    app.login("owner@example.com", "a fresh password").await;
    // The kept session's socket is still served.
    app.visitor_says(&v, c, "still there?").await;
    let frame = next_event(&mut this_socket, "message.created").await;
    assert_eq!(frame["data"]["content"], "still there?");
    app.stop().await;
}

#[tokio::test]
async fn availability_is_set_per_account_and_shown_to_the_team() {
    let app = TestApp::spawn().await;
    let url = format!("{}/api/v1/profile/availability", app.url);
    let (status, p) =
        app.post(&app.admin_token, &url, json!({"profile": {"account_id": 1, "availability": "busy"}})).await;
    assert_eq!(status, 200, "{p}");
    assert_eq!(p["availability_status"], "busy");
    assert_eq!(p["accounts"][0]["availability_status"], "busy");
    let (_, agents) = app.get(&app.admin_token, &app.api("/agents")).await;
    let me = p["id"].clone();
    let mine = agents.as_array().expect("list").iter().find(|a| a["id"] == me).cloned().expect("listed");
    assert_eq!(mine["availability"], "busy", "the choice");
    let bad = app.post(&app.admin_token, &url, json!({"profile": {"account_id": 1, "availability": "away"}})).await;
    assert_error(&bad, 422, "invalid_availability");
    let other = app.post(&app.admin_token, &url, json!({"profile": {"account_id": 999, "availability": "busy"}})).await;
    assert_error(&other, 404, "not_found");
    app.stop().await;
}

#[tokio::test]
async fn others_see_an_agents_choice_while_connected_and_offline_some_minutes_after_the_last_socket() {
    let (app, clock) = TestApp::spawn_on_manual_clock(|_| {}).await;
    let (anna, anna_token) = app.create_user(1, "anna@example.com", domain::Role::Agent).await;
    let shown = || async {
        let (_, agents) = app.get(&app.admin_token, &app.api("/agents")).await;
        let a = agents.as_array().expect("list").iter().find(|a| a["id"] == anna).cloned().expect("anna");
        (
            a["availability"].as_str().unwrap_or("").to_owned(),
            a["availability_status"].as_str().unwrap_or("").to_owned(),
        )
    };
    assert_eq!(shown().await, ("online".into(), "offline".into()), "never connected");
    let url = format!("{}/api/v1/profile/availability", app.url);
    app.post(&anna_token, &url, json!({"profile": {"account_id": 1, "availability": "busy"}})).await;
    let (ws, _) = app.ws_auth(json!({"event": "authenticate", "access_token": anna_token})).await;
    assert_eq!(shown().await, ("busy".into(), "busy".into()), "connected: the choice");
    drop(ws);
    // The socket's close is recorded as last seen; within the grace the choice still shows.
    let mut closed = false;
    for _ in 0..50 {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        let (_, agents) = app.get(&app.admin_token, &app.api("/agents")).await;
        let online = app.app().presence().is_online(domain::AccountId(1), app::presence::Present::User { id: anna });
        if !online && agents.is_array() {
            closed = true;
            break;
        }
    }
    assert!(closed, "the socket closed");
    assert_eq!(shown().await.1, "busy", "just closed: still the choice");
    clock.advance(app::team::OFFLINE_AFTER + 1000);
    assert_eq!(shown().await, ("busy".into(), "offline".into()), "gone for a while: offline");
}

/// The `<html lang>` of a signed-in page, fetched with a session and an
/// English browser.
async fn page_lang(app: &TestApp, session: &str, path: &str) -> String {
    let res = reqwest::Client::new()
        .get(format!("{}{path}", app.url))
        .header("cookie", format!("parlor_session={session}"))
        .header("accept-language", "en-US,en;q=0.9")
        .send()
        .await
        .expect("send");
    assert_eq!(res.status(), 200);
    let html = res.text().await.expect("body");
    let start = html.find("<html lang=\"").expect("html lang") + 12;
    html[start..start + 2].to_owned()
}

#[tokio::test]
async fn the_language_chosen_on_the_profile_wins_over_the_browsers_and_bad_ones_are_refused() {
    let app = TestApp::spawn().await;
    let url = profile_url(&app);
    let session = app.login("owner@example.com", PASSWORD).await;
    assert_eq!(page_lang(&app, &session, "/app").await, "en");
    let (_, p) = app.get(&app.admin_token, &url).await;
    assert_eq!(p["ui_settings"]["locale"], "", "the browser's by default");

    let (status, p) =
        app.send_as(&app.admin_token, Method::PUT, &url, json!({"profile": {"ui_settings": {"locale": "de"}}})).await;
    assert_eq!(status, 200, "{p}");
    assert_eq!(p["ui_settings"]["locale"], "de");
    for path in ["/app", "/app/profile", "/app/settings/agents"] {
        assert_eq!(page_lang(&app, &session, path).await, "de", "{path}");
    }
    assert_eq!(page_lang(&app, &session, "/app?lang=en").await, "en", "?lang= still wins");

    for bad in ["fr", "DE ", "de-AT-x-<b>", "english"] {
        let got = app
            .send_as(&app.admin_token, Method::PUT, &url, json!({"profile": {"ui_settings": {"locale": bad}}}))
            .await;
        assert_error(&got, 422, "invalid_locale");
    }
    assert_eq!(app.get(&app.admin_token, &url).await.1["ui_settings"]["locale"], "de", "nothing changed");

    // The multipart form takes it too; empty goes back to the browser's.
    let form = reqwest::multipart::Form::new().text("profile[ui_settings][locale]", "");
    let res = reqwest::Client::new()
        .put(&url)
        .header("api_access_token", &app.admin_token)
        .multipart(form)
        .send()
        .await
        .expect("send");
    assert_eq!(res.status(), 200);
    assert_eq!(page_lang(&app, &session, "/app").await, "en");
    app.stop().await;
}
