//! Health checks, the OpenAPI document, unknown routes, and the security headers
//! every response and the agent pages carry (threats.md #11, #16, #36).

use reqwest::header::{CONTENT_SECURITY_POLICY, CONTENT_TYPE};
use serde_json::Value;

use crate::helpers::*;

async fn get(app: &TestApp, path: &str) -> reqwest::Response {
    no_redirect_client().get(format!("{}{path}", app.url)).send().await.expect("send")
}

/// The directives of a CSP, by name.
fn directive<'a>(csp: &'a str, name: &str) -> Option<Vec<&'a str>> {
    csp.split(';').map(str::trim).find_map(|d| {
        let mut parts = d.split_whitespace();
        (parts.next() == Some(name)).then(|| parts.collect())
    })
}

#[tokio::test]
async fn healthz_and_readyz_answer_ok_with_the_database_up() {
    let app = TestApp::spawn().await;
    let health = get(&app, "/healthz").await;
    assert_eq!(health.status(), 200);
    assert_eq!(health.json::<Value>().await.expect("json")["status"], "ok");
    let ready = get(&app, "/readyz").await;
    assert_eq!(ready.status(), 200);
    let ready: Value = ready.json().await.expect("json");
    assert_eq!(ready["status"], "ready");
    let backend = if app.config.database_url.is_some() { "postgres" } else { "sqlite" };
    assert_eq!(ready["database"], backend);
    app.stop().await;
}

#[tokio::test]
async fn the_openapi_document_is_3_1_and_describes_the_chat_paths() {
    let app = TestApp::spawn().await;
    let res = get(&app, "/api/openapi.json").await;
    assert_eq!(res.status(), 200);
    let doc: Value = res.json().await.expect("valid JSON");
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.1")), "{}", doc["openapi"]);
    let paths = doc["paths"].as_object().expect("paths");
    for path in [
        "/public/api/v1/inboxes/{inbox_identifier}/contacts/{contact_identifier}/conversations/{conversation_id}/messages",
        "/public/api/v1/inboxes/{inbox_identifier}/contacts",
        "/api/v1/accounts/{account_id}/conversations",
        "/api/v1/accounts/{account_id}/conversations/{conversation_id}/messages",
        "/api/v1/profile",
    ] {
        assert!(paths.contains_key(path), "{path} missing");
    }
    let messages = &paths["/public/api/v1/inboxes/{inbox_identifier}/contacts/{contact_identifier}/conversations/{conversation_id}/messages"];
    assert!(messages.get("get").is_some() && messages.get("post").is_some());
    assert!(doc["components"]["securitySchemes"]["api_access_token"].is_object());
    app.stop().await;
}

#[tokio::test]
async fn an_unknown_api_route_is_a_404_with_a_json_not_found_body() {
    let app = TestApp::spawn().await;
    // (An unknown page is an HTML page: hardening.rs.)
    for path in ["/api/v1/accounts/1/nothing-here", "/public/api/v1/whatever", "/api/nope"] {
        let res = get(&app, path).await;
        assert_eq!(res.status(), 404, "{path}");
        let kind = res.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
        assert!(kind.starts_with("application/json"), "{path}: {kind}");
        let body: Value = res.json().await.expect("json");
        assert_error(&(404, body), 404, "not_found");
    }
    app.stop().await;
}

#[tokio::test]
async fn every_kind_of_response_carries_nosniff() {
    let app = TestApp::spawn().await;
    let session = app.login("owner@example.com", "correct horse battery").await;
    let client = no_redirect_client();
    for path in ["/healthz", "/api/openapi.json", "/nope", "/login", "/app", "/widget.js", "/api/v1/profile"] {
        let res = client
            .get(format!("{}{path}", app.url))
            .header("cookie", format!("parlor_session={session}"))
            .send()
            .await
            .expect("send");
        let nosniff = res.headers().get("x-content-type-options").and_then(|v| v.to_str().ok());
        assert_eq!(nosniff, Some("nosniff"), "{path} ({})", res.status());
    }
    // Errors too.
    let res =
        app.http.post(app.client_api("/contacts")).body("{").header("content-type", "application/json").send().await;
    let res = res.expect("send");
    assert_eq!(res.status(), 400);
    assert_eq!(res.headers().get("x-content-type-options").and_then(|v| v.to_str().ok()), Some("nosniff"));
    app.stop().await;
}

#[tokio::test]
async fn the_agent_pages_have_a_csp_without_unsafe_inline_scripts_and_cannot_be_framed() {
    let app = TestApp::spawn().await;
    let session = app.login("owner@example.com", "correct horse battery").await;
    let client = no_redirect_client();
    for path in ["/login", "/app"] {
        let res = client
            .get(format!("{}{path}", app.url))
            .header("cookie", format!("parlor_session={session}"))
            .send()
            .await
            .expect("send");
        assert_eq!(res.status(), 200, "{path}");
        let csp = res.headers().get(CONTENT_SECURITY_POLICY).and_then(|v| v.to_str().ok()).expect("a CSP").to_owned();
        let scripts = directive(&csp, "script-src").or_else(|| directive(&csp, "default-src")).expect("script-src");
        assert!(!scripts.contains(&"'unsafe-inline'") && !scripts.contains(&"'unsafe-eval'"), "{path}: {csp}");
        assert!(!scripts.contains(&"*"), "{path}: {csp}");
        assert_eq!(directive(&csp, "frame-ancestors"), Some(vec!["'none'"]), "{path}: {csp}");
        let xfo = res.headers().get("x-frame-options").and_then(|v| v.to_str().ok());
        assert_eq!(xfo, Some("DENY"), "{path}");
    }
    app.stop().await;
}
