//! The WebSocket's guards (docs/realtime.md, closing codes; threats.md #8, #30,
//! #31, #53): authentication first, strict frames, size and rate limits, and
//! cookie sessions only from Parlor's own origin.

use futures_util::SinkExt;
use serde_json::json;
use tokio_tungstenite::tungstenite::Message as WsMessage;

use crate::helpers::*;

/// Opens a socket, sends one frame, and returns the close code the server sent.
async fn close_code_after(app: &TestApp, frame: WsMessage) -> Option<u16> {
    let mut ws = app.ws().await;
    ws.send(frame).await.expect("send");
    close_code(&mut ws).await
}

#[tokio::test]
async fn an_unknown_pubsub_token_is_closed_with_4001() {
    let app = TestApp::spawn().await;
    let v = app.visitor().await;
    // The contact identifier is not the socket token, and guessed tokens fail too.
    for token in [v.source_id.clone(), "0".repeat(64), String::new()] {
        let frame = json!({"event": "authenticate", "pubsub_token": token}).to_string();
        assert_eq!(close_code_after(&app, WsMessage::text(frame)).await, Some(4001));
    }
    app.stop().await;
}

#[tokio::test]
async fn an_unknown_access_token_is_closed_with_4001_and_no_credential_with_1008() {
    let app = TestApp::spawn().await;
    let frame = json!({"event": "authenticate", "access_token": "f".repeat(64)}).to_string();
    assert_eq!(close_code_after(&app, WsMessage::text(frame)).await, Some(4001));
    // Without any token nor a session cookie: a bad frame, not a revoked one.
    assert_eq!(close_code_after(&app, WsMessage::text(r#"{"event":"authenticate"}"#)).await, Some(1008));
    app.stop().await;
}

#[tokio::test]
async fn a_ping_before_authenticating_is_closed_with_1008() {
    let app = TestApp::spawn().await;
    assert_eq!(close_code_after(&app, WsMessage::text(r#"{"event":"ping"}"#)).await, Some(1008));
    app.stop().await;
}

#[tokio::test]
async fn a_first_frame_that_is_not_json_is_closed_with_1007() {
    let app = TestApp::spawn().await;
    assert_eq!(close_code_after(&app, WsMessage::text("hello?")).await, Some(1007));
    assert_eq!(close_code_after(&app, WsMessage::text(r#"{"event": 5}"#)).await, Some(1007));
    // A frame's fields in an array's positions (threats.md #4).
    let positional = WsMessage::text(r#"["authenticate", null, "a-token"]"#);
    assert_eq!(close_code_after(&app, positional).await, Some(1007));
    app.stop().await;
}

#[tokio::test]
async fn an_unknown_event_after_authenticating_is_closed_with_1007() {
    let app = TestApp::spawn().await;
    let (mut ws, _) = app.ws_auth(json!({"event": "authenticate", "access_token": app.admin_token})).await;
    send_text(&mut ws, r#"{"event":"subscribe","conversation":1}"#).await;
    assert_eq!(close_code(&mut ws).await, Some(1007));
    app.stop().await;
}

#[tokio::test]
async fn a_binary_frame_is_closed_with_1003() {
    let app = TestApp::spawn().await;
    let frame = WsMessage::binary(json!({"event": "authenticate"}).to_string().into_bytes());
    assert_eq!(close_code_after(&app, frame).await, Some(1003));
    let v = app.visitor().await;
    let (mut ws, _) = app.ws_auth(json!({"event": "authenticate", "pubsub_token": v.pubsub_token})).await;
    ws.send(WsMessage::binary(vec![1, 2, 3])).await.expect("send");
    assert_eq!(close_code(&mut ws).await, Some(1003));
    app.stop().await;
}

#[tokio::test]
async fn a_frame_over_4096_bytes_is_closed_with_1009() {
    let app = TestApp::spawn().await;
    let big = json!({"event": "authenticate", "pubsub_token": "x".repeat(5000)}).to_string();
    assert_eq!(close_code_after(&app, WsMessage::text(big)).await, Some(1009));
    // After authenticating, too.
    let (mut ws, _) = app.ws_auth(json!({"event": "authenticate", "access_token": app.admin_token})).await;
    send_text(&mut ws, &json!({"event": "ping", "pad": "x".repeat(4100)}).to_string()).await;
    assert_eq!(close_code(&mut ws).await, Some(1009));
    app.stop().await;
}

#[tokio::test]
async fn a_frame_of_exactly_4096_bytes_is_accepted() {
    let app = TestApp::spawn().await;
    let (mut ws, _) = app.ws_auth(json!({"event": "authenticate", "access_token": app.admin_token})).await;
    let mut frame = json!({"event": "ping", "pad": ""}).to_string();
    let pad = 4096 - frame.len();
    frame = json!({"event": "ping", "pad": "x".repeat(pad)}).to_string();
    assert_eq!(frame.len(), 4096);
    send_text(&mut ws, &frame).await;
    assert_eq!(next_json(&mut ws).await["event"], "pong");
    app.stop().await;
}

#[tokio::test]
async fn a_flood_of_100_pings_is_closed_with_1008() {
    let app = TestApp::spawn().await;
    let v = app.visitor().await;
    let (mut ws, _) = app.ws_auth(json!({"event": "authenticate", "pubsub_token": v.pubsub_token})).await;
    send_text(&mut ws, r#"{"event":"ping"}"#).await;
    assert_eq!(next_json(&mut ws).await["event"], "pong", "a ping is answered");
    for _ in 0..100 {
        // The server may close before all are sent; that is the point.
        if ws.feed(WsMessage::text(r#"{"event":"ping"}"#)).await.is_err() {
            break;
        }
    }
    let _ = ws.flush().await;
    assert_eq!(close_code(&mut ws).await, Some(1008));
    app.stop().await;
}

#[tokio::test]
async fn a_cookie_session_authenticates_an_agent_socket_from_our_own_origin() {
    let app = TestApp::spawn().await;
    let session = app.login("owner@example.com", "correct horse battery").await;
    let cookie = format!("parlor_session={session}");
    let mut ws = app.ws_with(&[("cookie", &cookie), ("origin", &app.url)]).await.expect("upgrade");
    send_text(&mut ws, r#"{"event":"authenticate"}"#).await;
    let hello = next_json(&mut ws).await;
    assert_eq!(hello["event"], "authenticated", "{hello}");
    assert_eq!(hello["data"]["role"], "agent");
    let (_, c) = app.visitor_with_conversation().await;
    assert_eq!(next_event(&mut ws, "conversation.created").await["data"]["id"], c);
    app.stop().await;
}

#[tokio::test]
async fn a_cookie_session_from_another_origin_or_without_origin_is_closed_with_1008() {
    let app = TestApp::spawn().await;
    let session = app.login("owner@example.com", "correct horse battery").await;
    let cookie = format!("parlor_session={session}");
    let lookalike = app.url.replace("127.0.0.1", "localhost");
    for headers in [
        vec![("cookie", cookie.as_str()), ("origin", "http://evil.example")],
        vec![("cookie", cookie.as_str()), ("origin", "null")],
        vec![("cookie", cookie.as_str()), ("origin", lookalike.as_str())],
        vec![("cookie", cookie.as_str())],
    ] {
        let mut ws = app.ws_with(&headers).await.expect("upgrade");
        send_text(&mut ws, r#"{"event":"authenticate"}"#).await;
        assert_eq!(close_code(&mut ws).await, Some(1008), "{headers:?}");
    }
    // A token-authenticated socket needs no Origin check: a token is no ambient credential.
    let mut ws = app.ws_with(&[("origin", "http://evil.example")]).await.expect("upgrade");
    send_text(&mut ws, &json!({"event": "authenticate", "access_token": app.admin_token}).to_string()).await;
    assert_eq!(next_json(&mut ws).await["event"], "authenticated");
    app.stop().await;
}

#[tokio::test]
async fn server_shutdown_closes_authenticated_sockets_with_1001() {
    let app = TestApp::spawn().await;
    let v = app.visitor().await;
    let (mut visitor, _) = app.ws_auth(json!({"event": "authenticate", "pubsub_token": v.pubsub_token})).await;
    let (mut agent, _) = app.ws_auth(json!({"event": "authenticate", "access_token": app.admin_token})).await;
    let stopping = tokio::spawn(app.stop());
    assert_eq!(close_code(&mut visitor).await, Some(1001));
    assert_eq!(close_code(&mut agent).await, Some(1001));
    stopping.await.expect("stopped");
}

/// The per-address connection cap (threats.md: connection exhaustion) counts
/// upgraded sockets for as long as they are open, not just their HTTP request.
#[tokio::test]
async fn open_sockets_count_against_the_per_address_connection_cap_until_they_close() {
    let app = TestApp::spawn_with(|c| c.max_connections_per_ip = 3).await;
    let mut open = Vec::new();
    for _ in 0..3 {
        // Authenticated: the answer comes from the socket's own task, so the
        // upgrade is done and hyper's connection task (which ends at the
        // upgrade) is gone. A slot held by that task would be free now.
        let (ws, _) = app.ws_auth(json!({"event": "authenticate", "access_token": app.admin_token})).await;
        open.push(ws);
    }
    assert!(app.ws_with(&[]).await.is_err(), "a fourth socket from the same address was accepted");

    let mut first = open.remove(0);
    first.close(None).await.expect("close");
    drop(first);
    let mut again = None;
    for _ in 0..50 {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        if let Ok(ws) = app.ws_with(&[]).await {
            again = Some(ws);
            break;
        }
    }
    assert!(again.is_some(), "a closed socket did not give its place back");
    app.stop().await;
}
