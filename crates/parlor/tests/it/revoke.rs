//! Open sockets lose the rights their credential lost (issue 11, finding 3;
//! docs/realtime.md, 4001): signing out, a session's end, a token reset and
//! being taken out of an account close them; a changed role or inbox
//! membership re-scopes them at once.

use domain::{AccountId, InboxId, Role, UserId};
use serde_json::{json, Value};

use crate::helpers::*;

const PASSWORD: &str = "correct horse battery";

/// Every text frame a socket receives until it closes, and the close code.
pub async fn until_close(ws: &mut Ws) -> (Vec<Value>, Option<u16>) {
    use futures_util::StreamExt;
    use tokio_tungstenite::tungstenite::Message as WsMessage;
    let mut frames = Vec::new();
    loop {
        let next = tokio::time::timeout(std::time::Duration::from_secs(10), ws.next()).await;
        match next.expect("closed within 10 s") {
            Some(Ok(WsMessage::Text(t))) => frames.push(serde_json::from_str(t.as_str()).expect("JSON frame")),
            Some(Ok(WsMessage::Close(frame))) => return (frames, frame.map(|f| u16::from(f.code))),
            Some(Ok(_)) => continue,
            Some(Err(_)) | None => return (frames, None),
        }
    }
}

/// Whether any of the frames carries a message with this content.
fn carries(frames: &[Value], content: &str) -> bool {
    frames.iter().any(|f| f["event"] == "message.created" && f["data"]["content"] == content)
}

/// An agent socket opened with a session cookie from Parlor's own origin.
pub async fn session_socket(app: &TestApp, session: &str) -> Ws {
    let cookie = format!("parlor_session={session}");
    let mut ws = app.ws_with(&[("cookie", &cookie), ("origin", &app.url)]).await.expect("upgrade");
    send_text(&mut ws, r#"{"event":"authenticate"}"#).await;
    assert_eq!(next_json(&mut ws).await["event"], "authenticated");
    ws
}

async fn logout(app: &TestApp, session: &str) {
    let res = no_redirect_client()
        .post(format!("{}/logout", app.url))
        .header("cookie", format!("parlor_session={session}"))
        .header("origin", &app.url)
        .send()
        .await
        .expect("send");
    assert!(res.status().is_redirection(), "{}", res.status());
}

#[tokio::test]
async fn signing_out_closes_that_sessions_sockets_with_4001_and_no_other() {
    let app = TestApp::spawn().await;
    let (_, conversation) = app.visitor_with_conversation().await;
    let session = app.login("owner@example.com", PASSWORD).await;
    let other_session = app.login("owner@example.com", PASSWORD).await;
    let mut signed_out = session_socket(&app, &session).await;
    let mut other = session_socket(&app, &other_session).await;
    let (mut by_token, _) = app.ws_auth(json!({"event": "authenticate", "access_token": app.admin_token})).await;

    logout(&app, &session).await;
    app.agent_says(&app.admin_token, conversation, "after sign-out", true).await;
    let (frames, code) = until_close(&mut signed_out).await;
    assert_eq!(code, Some(4001));
    assert!(!carries(&frames, "after sign-out"), "a signed-out socket got the comment: {frames:?}");
    // The same user's other session and its token go on.
    for ws in [&mut other, &mut by_token] {
        assert_eq!(next_event(ws, "message.created").await["data"]["content"], "after sign-out");
    }
    app.stop().await;
}

#[tokio::test]
async fn a_session_past_its_end_gets_no_more_events_and_closes_with_4001() {
    let (app, clock) = TestApp::spawn_on_manual_clock(|_| {}).await;
    let (_, conversation) = app.visitor_with_conversation().await;
    let session = app.login("owner@example.com", PASSWORD).await;
    let mut ws = session_socket(&app, &session).await;
    clock.advance(app::auth::SESSION_DAYS * 24 * 3600 * 1000 + 1);
    app.agent_says(&app.admin_token, conversation, "after the end", true).await;
    let (frames, code) = until_close(&mut ws).await;
    assert_eq!(code, Some(4001));
    assert!(!carries(&frames, "after the end"), "{frames:?}");
    app.stop().await;
}

#[tokio::test]
async fn resetting_a_token_closes_the_sockets_opened_with_it() {
    let app = TestApp::spawn().await;
    let (_, conversation) = app.visitor_with_conversation().await;
    let (agent_id, agent_token) = app.create_user(1, "berta@example.com", Role::Agent).await;
    let auth = |token: &str| json!({"event": "authenticate", "access_token": token});
    let (mut own, _) = app.ws_auth(auth(&app.admin_token)).await;
    let (mut agents, _) = app.ws_auth(auth(&agent_token)).await;
    let mut by_session = session_socket(&app, &app.login("owner@example.com", PASSWORD).await).await;

    // Your own, from the profile: the token's sockets close, the session's stay.
    let (status, me) =
        app.post(&app.admin_token, &format!("{}/api/v1/profile/reset_access_token", app.url), json!({})).await;
    assert_eq!(status, 200, "{me}");
    let new_token = me["access_token"].as_str().expect("the new token").to_owned();
    assert_eq!(until_close(&mut own).await.1, Some(4001));
    app.agent_says(&new_token, conversation, "with the new token", false).await;
    assert_eq!(next_event(&mut by_session, "message.created").await["data"]["content"], "with the new token");

    // A teammate's, by an administrator.
    let url = format!("{}/api/v1/accounts/1/agents/{agent_id}/reset_access_token", app.url);
    let (status, body) = app.post(&new_token, &url, json!({})).await;
    assert_eq!(status, 200, "{body}");
    let (frames, code) = until_close(&mut agents).await;
    assert_eq!(code, Some(4001), "{frames:?}");
    app.stop().await;
}

#[tokio::test]
async fn a_changed_membership_or_role_rescopes_open_sockets_and_leaving_the_account_closes_them() {
    let app = TestApp::spawn().await;
    let (agent_id, agent_token) = app.create_user(1, "berta@example.com", Role::Agent).await;
    let (second_inbox, second_token) = app.new_inbox(1, "Second site").await;
    let (_, first) = app.visitor_with_conversation().await;
    let (_, second) = app.conversation_in(&second_token).await;
    let (mut ws, _) = app.ws_auth(json!({"event": "authenticate", "access_token": agent_token})).await;
    let (account, user) = (AccountId(1), UserId(agent_id));
    let first_inbox = app.conversation(&app.admin_token, first).await["inbox_id"].as_i64().expect("inbox id");
    assert_ne!(first_inbox, second_inbox);

    app::testing::leave_inbox(app.app(), account, InboxId(first_inbox), user).await.expect("leave");
    assert_eq!(next_event(&mut ws, "access.changed").await["data"]["role"], "agent");
    app.agent_says(&app.admin_token, first, "in the inbox left", true).await;
    app.agent_says(&app.admin_token, second, "in the inbox kept", true).await;
    // In order: the first inbox's comment would come before the second's.
    assert_eq!(next_event(&mut ws, "message.created").await["data"]["content"], "in the inbox kept");

    app::testing::set_role(app.app(), account, user, Role::Administrator).await.expect("role");
    assert_eq!(next_event(&mut ws, "access.changed").await["data"]["role"], "administrator");
    app.agent_says(&app.admin_token, first, "seen as administrator", true).await;
    assert_eq!(next_event(&mut ws, "message.created").await["data"]["content"], "seen as administrator");

    app::testing::remove_from_account(app.app(), account, user).await.expect("remove");
    app.agent_says(&app.admin_token, first, "after leaving", true).await;
    let (frames, code) = until_close(&mut ws).await;
    assert_eq!(code, Some(4001));
    assert!(!carries(&frames, "after leaving"), "{frames:?}");
    app.stop().await;
}

#[tokio::test]
async fn a_change_to_another_user_leaves_a_socket_as_it_was() {
    let app = TestApp::spawn().await;
    let (_, conversation) = app.visitor_with_conversation().await;
    let (agent_id, _) = app.create_user(1, "berta@example.com", Role::Agent).await;
    let (mut ws, _) = app.ws_auth(json!({"event": "authenticate", "access_token": app.admin_token})).await;
    app::testing::remove_from_account(app.app(), AccountId(1), UserId(agent_id)).await.expect("remove");
    app.agent_says(&app.admin_token, conversation, "still here", true).await;
    let next = next_json(&mut ws).await;
    assert_eq!(
        (next["event"].as_str(), next["data"]["content"].as_str()),
        (Some("message.created"), Some("still here"))
    );
    app.stop().await;
}
