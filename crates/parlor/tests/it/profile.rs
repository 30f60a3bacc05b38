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
    assert_eq!(mine["availability_status"], "busy");
    let bad = app.post(&app.admin_token, &url, json!({"profile": {"account_id": 1, "availability": "away"}})).await;
    assert_error(&bad, 422, "invalid_availability");
    let other = app.post(&app.admin_token, &url, json!({"profile": {"account_id": 999, "availability": "busy"}})).await;
    assert_error(&other, 404, "not_found");
    app.stop().await;
}
