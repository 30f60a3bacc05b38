//! What an outside probe found (issue 11), each as the attack it was: answers
//! that must be clear errors, never a 500, the same on both databases.

use serde_json::Value;

use crate::helpers::*;

async fn get_status(url: &str, token: Option<&str>) -> (u16, Value) {
    let mut req = reqwest::Client::new().get(url);
    if let Some(t) = token {
        req = req.header("api_access_token", t);
    }
    let res = req.send().await.expect("send");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn nul_bytes_and_control_characters_in_urls_are_refused_not_500s() {
    let app = TestApp::spawn().await;
    let v = app.visitor().await;
    let base = format!("{}/public/api/v1/inboxes", app.url);
    let token = &app.website_token;
    let source = &v.source_id;
    for path in [
        "/%00".to_owned(),
        "/%00/contacts/%00".to_owned(),
        format!("/{token}%00"),
        format!("/{token}/contacts/%00"),
        format!("/{token}/contacts/{source}%00/conversations"),
        format!("/%00/contacts/{source}/conversations"),
        format!("/{token}/contacts/%0A{}/conversations", &source[1..]),
    ] {
        let got = get_status(&format!("{base}{path}"), None).await;
        assert_error(&got, 404, "not_found");
    }
    let created = reqwest::Client::new().post(format!("{base}/%00/contacts")).json(&serde_json::json!({})).send();
    assert_eq!(created.await.expect("send").status(), 404);
    let frame = reqwest::get(format!("{}/widget/frame?website_token=%00", app.url)).await.expect("send");
    assert_eq!(frame.status(), 404);

    for q in ["%00", "a%0Ab", "%1B%5B31m"] {
        let got = get_status(&app.api(&format!("/contacts/search?q={q}")), Some(&app.admin_token)).await;
        assert_error(&got, 400, "invalid_query");
    }
    let got = get_status(&app.api("/conversations?status=open%00"), Some(&app.admin_token)).await;
    assert_error(&got, 400, "invalid_query");
    app.stop().await;
}

/// Text that reaches the database unparsed still never makes a 500: PostgreSQL
/// refuses a NUL in text (SQLite keeps it), and that refusal is the caller's input.
#[tokio::test]
async fn text_the_database_cannot_store_is_invalid_input() {
    let app = TestApp::spawn().await;
    match (app.app().backend(), app.app().public_inbox("a\0b").await) {
        ("sqlite", Err(app::AppError::NotFound)) => {}
        ("postgres", Err(app::AppError::Invalid(i))) => assert_eq!(i.code, "invalid_text"),
        (db, other) => panic!("a NUL in a lookup on {db}: {other:?}"),
    }
    app.stop().await;
}

/// Every error of the API is `{code, message}`, also those axum answers by
/// itself; outside the API a browser gets a page, in its language.
#[tokio::test]
async fn every_error_is_the_json_error_or_a_page() {
    let app = TestApp::spawn().await;
    let client = no_redirect_client();
    let json_error = |res: reqwest::Response, status: u16, code: &'static str| async move {
        assert_eq!(res.status().as_u16(), status);
        let kind = res.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
        assert!(kind.starts_with("application/json"), "{kind}");
        let allow = res.headers().get("allow").map(|v| v.to_str().unwrap_or("").to_owned());
        let body: Value = res.json().await.expect("a JSON body");
        assert_eq!(body["code"], code, "{body}");
        assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()), "{body}");
        allow
    };
    // A method the route lacks: 405 with the methods it has.
    let res = client.delete(app.api("/inboxes")).header("api_access_token", &app.admin_token).send().await;
    let allow = json_error(res.expect("send"), 405, "method_not_allowed").await;
    assert!(allow.is_some_and(|a| a.contains("GET") && a.contains("POST")), "Allow names the methods");
    let res = client.put(format!("{}/public/api/v1/inboxes/{}", app.url, app.website_token)).send().await;
    json_error(res.expect("send"), 405, "method_not_allowed").await;
    // Unknown API paths and a socket request that is no upgrade.
    json_error(client.get(format!("{}/api/v1/nope", app.url)).send().await.expect("send"), 404, "not_found").await;
    json_error(client.get(format!("{}/ws", app.url)).send().await.expect("send"), 400, "bad_request").await;

    // Pages: an unknown address is a page in the reader's language.
    let res = client.get(format!("{}/nope", app.url)).header("accept-language", "de").send().await.expect("send");
    assert_eq!(res.status(), 404);
    let html = res.text().await.expect("html");
    assert!(html.contains("Seite nicht gefunden") && html.contains(r#"data-status="404""#), "{html}");
    // The sign-in form posted as JSON: the sign-in page says it failed, not a bare 415.
    let res = client
        .post(format!("{}/login", app.url))
        .json(&serde_json::json!({"email": "owner@example.com", "password": "correct horse battery"}))
        .send()
        .await
        .expect("send");
    assert_eq!(res.status(), 401);
    let html = res.text().await.expect("html");
    assert!(html.contains("login-error"), "{html}");
    // A method a page lacks.
    let res = client.delete(format!("{}/app", app.url)).send().await.expect("send");
    assert_eq!(res.status(), 405);
    assert!(res.text().await.expect("html").contains("data-testid=\"error-page\""));
    app.stop().await;
}

/// A raw request that sends its head, then its body a byte at a time (or not
/// at all); returns the status line and body of the answer, and whether the
/// server then closed the connection. Fails if no answer comes.
async fn trickle(app: &TestApp, path: &str, body_bytes_to_send: usize) -> (String, Value, bool) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = app.url.trim_start_matches("http://").to_owned();
    let mut tcp = tokio::net::TcpStream::connect(&addr).await.expect("connect");
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n"
    );
    tcp.write_all(head.as_bytes()).await.expect("head");
    let (mut read, mut write) = tcp.into_split();
    let writer = tokio::spawn(async move {
        for _ in 0..body_bytes_to_send {
            if write.write_all(b" ").await.is_err() {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
        // Then silence, holding the connection open.
        tokio::time::sleep(std::time::Duration::from_secs(60)).await;
        drop(write);
    });
    // The guard against a server that never answers: far above the deadlines.
    let mut answer = Vec::new();
    let closed = tokio::time::timeout(std::time::Duration::from_secs(20), async {
        let mut buf = [0u8; 4096];
        loop {
            match read.read(&mut buf).await {
                Ok(0) | Err(_) => return true,
                Ok(n) => answer.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await
    .unwrap_or(false);
    writer.abort();
    let text = String::from_utf8_lossy(&answer).into_owned();
    assert!(!text.is_empty(), "no answer to a trickled request");
    let status = text.lines().next().unwrap_or_default().to_owned();
    let body = text.split("\r\n\r\n").nth(1).and_then(|b| serde_json::from_str(b).ok()).unwrap_or(Value::Null);
    (status, body, closed)
}

/// Slow clients (threats.md #32): a body that trickles in, or never comes, ends
/// with a 408 and a closed connection, not a task held for minutes.
#[tokio::test]
async fn a_slow_or_silent_request_body_times_out() {
    let app = TestApp::spawn_with(|c| c.request_timeout_secs = 1).await;
    let path = format!("/public/api/v1/inboxes/{}/contacts", app.website_token);
    for bytes in [1000, 0] {
        let (status, body, closed) = trickle(&app, &path, bytes).await;
        assert!(status.starts_with("HTTP/1.1 408"), "{bytes} bytes trickled: {status}");
        assert_eq!(body["code"], "request_timeout", "{body}");
        assert!(closed, "the connection is closed after the timeout");
    }
    app.stop().await;
}

async fn inbox_count(app: &TestApp) -> Option<usize> {
    app.get(&app.admin_token, &app.api("/inboxes")).await.1["payload"].as_array().map(Vec::len)
}

/// Strict on shape, lenient as Rails is (threats.md #4): no struct read from an
/// array at any depth; ids as numeric strings, booleans as "true", unknown
/// fields ignored, and bodies wrapped in their resource's name.
#[tokio::test]
async fn bodies_are_strict_on_shape_and_lenient_as_chatwoot() {
    let app = TestApp::spawn().await;
    let token = &app.admin_token;
    let inboxes = app.api("/inboxes");
    let before = inbox_count(&app).await;
    let positional = serde_json::json!({"name": "Array channel", "channel": ["web_widget", "#ff0000"]});
    assert_error(&app.post(token, &inboxes, positional).await, 400, "invalid_type");
    assert_eq!(inbox_count(&app).await, before, "no inbox from a positional channel");

    let (v, c) = app.visitor_with_conversation().await;
    let create = serde_json::json!({"inbox_id": 1, "source_id": v.source_id, "message": ["hi"]});
    assert_error(&app.post(token, &app.api("/conversations"), create).await, 400, "invalid_type");

    // Wrapped in the resource's name, with a field the payload does not know.
    let wrapped = serde_json::json!({"inbox": {"name": "Wrapped", "channel": {"type": "web_widget"}, "extra": 1}});
    let (status, inbox) = app.post(token, &inboxes, wrapped).await;
    assert_eq!((status, inbox["name"].as_str()), (200, Some("Wrapped")), "{inbox}");
    // A boolean as a string, flat and wrapped.
    let messages = app.api(&format!("/conversations/{c}/messages"));
    let (status, note) = app.post(token, &messages, serde_json::json!({"content": "a note", "private": "true"})).await;
    assert_eq!((status, note["private"].as_bool()), (200, Some(true)), "{note}");
    let wrapped = serde_json::json!({"message": {"content": "wrapped", "private": "false"}});
    let (status, reply) = app.post(token, &messages, wrapped).await;
    assert_eq!((status, reply["private"].as_bool(), reply["content"].as_str()), (200, Some(false), Some("wrapped")));
    assert!(app.visitor_messages(&v, c).await.iter().all(|m| m["content"] != "a note"), "the note stays internal");
    // An id as a numeric string.
    let me = 1; // the owner, who holds admin_token
    let assign = app.api(&format!("/conversations/{c}/assignments"));
    let (status, assignee) = app.post(token, &assign, serde_json::json!({"assignee_id": me.to_string()})).await;
    assert_eq!((status, assignee["id"].as_i64()), (200, Some(me)), "{assignee}");
    assert_error(&app.post(token, &assign, serde_json::json!({"assignee_id": "1x"})).await, 400, "invalid_type");
    app.stop().await;
}

/// A visitor's writes that are not messages (contact updates, seen markers,
/// typing) have a budget of their own: they cannot flood the database, and
/// using it up leaves the visitor's messages alone.
#[tokio::test]
async fn a_visitors_other_writes_have_a_budget_of_their_own() {
    let (app, _clock) = TestApp::spawn_on_manual_clock(|c| c.rate_limit_visitor_messages_per_second = 1).await;
    let (v, c) = app.visitor_with_conversation().await;
    let contact = format!("{}/public/api/v1/inboxes/{}/contacts/{}", app.url, app.website_token, v.source_id);
    let writes = [
        (reqwest::Method::PATCH, contact.clone(), serde_json::json!({"name": "Vera"})),
        (reqwest::Method::POST, app.conv_path(&v, c, "/update_last_seen"), serde_json::json!({})),
        (reqwest::Method::POST, app.conv_path(&v, c, "/toggle_typing"), serde_json::json!({"typing_status": "on"})),
        (reqwest::Method::POST, app.conv_path(&v, c, "/toggle_typing"), serde_json::json!({"typing_status": "off"})),
    ];
    for (method, url, body) in &writes {
        assert_eq!(app.send(method.clone(), url, Some(body.clone())).await.0, 200, "{method} {url}");
    }
    for (method, url, body) in &writes {
        assert_error(&app.send(method.clone(), url, Some(body.clone())).await, 429, "rate_limited");
    }
    app.visitor_says(&v, c, "my messages still go through").await;
    app.stop().await;
}

/// Seen markers are coalesced: one write a second per conversation and actor.
#[tokio::test]
async fn repeated_seen_markers_write_at_most_once_a_second() {
    let (app, clock) = TestApp::spawn_on_manual_clock(|_| {}).await;
    let (v, c) = app.visitor_with_conversation().await;
    let seen_at = || async { app.conversation(&app.admin_token, c).await["contact_last_seen_at"].as_i64() };
    let seen = || async { app.send(reqwest::Method::POST, &app.conv_path(&v, c, "/update_last_seen"), None).await.0 };
    let start = app::Clock::now(&*clock) / 1000;
    clock.advance(600);
    assert_eq!(seen().await, 200);
    assert_eq!(seen_at().await, Some(start), "written at start + 0.6 s");
    clock.advance(800);
    assert_eq!(seen().await, 200, "coalesced, still answered");
    assert_eq!(seen_at().await, Some(start), "0.8 s later: not written again");
    clock.advance(300);
    assert_eq!(seen().await, 200);
    assert_eq!(seen_at().await, Some(start + 1), "1.1 s after the last write: written");
    app.stop().await;
}
