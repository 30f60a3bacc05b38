//! An inbox's settings as an administrator edits them (issue 12, C1):
//! Chatwoot's `PATCH inboxes/{id}`, every value parsed, and what visitors see
//! at their next page load: greeting, colour, reply time, which sites may
//! embed the widget and call the Client API.

use domain::Role;
use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::*;

async fn inbox_id(app: &TestApp) -> i64 {
    app.get(&app.admin_token, &app.api("/inboxes")).await.1["payload"][0]["id"].as_i64().expect("inbox")
}

async fn patch(app: &TestApp, token: &str, id: i64, body: Value) -> (u16, Value) {
    app.send_as(token, Method::PATCH, &app.api(&format!("/inboxes/{id}")), body).await
}

/// The widget frame page: status, CSP and body.
pub async fn frame(base: &str, website_token: &str) -> (u16, String, String) {
    let res = reqwest::get(format!("{base}/widget/frame?website_token={website_token}&lang=en")).await.expect("send");
    let csp = res.headers().get("content-security-policy").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    (res.status().as_u16(), csp, res.text().await.expect("body"))
}

#[tokio::test]
async fn an_administrator_edits_an_inbox_and_the_widget_shows_it_at_its_next_load() {
    let app = TestApp::spawn().await;
    let id = inbox_id(&app).await;
    let (_, _, before) = frame(&app.url, &app.website_token).await;
    assert!(!before.contains("widget-greeting"), "no greeting by default");

    let body = json!({
        "name": "Support <EU>",
        "greeting_enabled": true,
        "greeting_message": "Hallo! <b>We</b> answer within minutes.",
        "timezone": "Europe/Berlin",
        "lock_to_single_conversation": true,
        "channel": {"widget_color": "#D0021B", "welcome_title": "Hi from Berlin", "welcome_tagline": "Ask away",
                    "reply_time": "in_a_few_hours", "website_url": "https://shop.example.com",
                    "allowed_domains": "Shop.Example.com, *.example.org"},
    });
    let (status, inbox) = patch(&app, &app.admin_token, id, body).await;
    assert_eq!(status, 200, "{inbox}");
    assert_eq!(inbox["name"], "Support <EU>");
    assert_eq!(inbox["widget_color"], "#d0021b");
    assert_eq!(inbox["greeting_enabled"], true);
    assert_eq!(inbox["timezone"], "Europe/Berlin");
    assert_eq!(inbox["reply_time"], "in_a_few_hours");
    assert_eq!(inbox["allowed_domains"], "shop.example.com,*.example.org");
    let (_, shown) = app.get(&app.admin_token, &app.api(&format!("/inboxes/{id}"))).await;
    assert_eq!(shown, inbox);

    // The Client API and the frame read the new settings (the cache forgot the old).
    let (_, public) = app.send(Method::GET, &app.client_api(""), None).await;
    assert_eq!(public["greeting_message"], "Hallo! <b>We</b> answer within minutes.");
    assert_eq!(public["timezone"], "Europe/Berlin");
    let (status, csp, page) = frame(&app.url, &app.website_token).await;
    assert_eq!(status, 200);
    assert!(page.contains("Hallo! &#60;b&#62;We&#60;/b&#62; answer within minutes."), "escaped greeting: {page}");
    assert!(page.contains("Hi from Berlin") && page.contains("Support &#60;EU&#62;"));
    assert!(page.contains("Typically replies in a few hours"));
    assert!(
        csp.contains("frame-ancestors 'self' https://shop.example.com http://shop.example.com https://*.example.org"),
        "{csp}"
    );

    // A partial patch keeps the rest; switching the greeting off hides it.
    let (_, inbox) = patch(&app, &app.admin_token, id, json!({"greeting_enabled": false})).await;
    assert_eq!(inbox["widget_color"], "#d0021b");
    let (_, _, page) = frame(&app.url, &app.website_token).await;
    assert!(!page.contains("widget-greeting"));
    app.stop().await;
}

#[tokio::test]
async fn bad_inbox_settings_get_a_clear_error_and_change_nothing() {
    let app = TestApp::spawn().await;
    let id = inbox_id(&app).await;
    let (_, before) = app.get(&app.admin_token, &app.api(&format!("/inboxes/{id}"))).await;
    let cases = [
        (json!({"channel": {"widget_color": "red; background: url(x)"}}), "invalid_color"),
        (json!({"channel": {"allowed_domains": "shop.example.com, 'unsafe-inline'"}}), "invalid_allowed_domains"),
        (json!({"channel": {"allowed_domains": "a.com; script-src *"}}), "invalid_allowed_domains"),
        (json!({"channel": {"reply_time": "soon"}}), "invalid_reply_time"),
        (json!({"channel": {"website_url": "javascript:alert(1)"}}), "invalid_website_url"),
        (json!({"timezone": "../../etc/passwd"}), "invalid_timezone"),
        (json!({"greeting_message": "x".repeat(1001)}), "invalid_setting"),
        (json!({"name": ""}), "invalid_name"),
    ];
    for (body, code) in cases {
        let got = patch(&app, &app.admin_token, id, body.clone()).await;
        assert_error(&got, 422, code);
    }
    assert_error(&patch(&app, &app.admin_token, id, json!({"greeting_enabled": "maybe"})).await, 400, "invalid_type");
    let (_, after) = app.get(&app.admin_token, &app.api(&format!("/inboxes/{id}"))).await;
    assert_eq!(after, before);

    let (_, anna) = app.create_user(1, "anna@example.com", Role::Agent).await;
    assert_error(&patch(&app, &anna, id, json!({"name": "Mine"})).await, 403, "forbidden");
    assert_error(&patch(&app, &app.admin_token, 9999, json!({"name": "Ghost"})).await, 404, "not_found");
    app.stop().await;
}

#[tokio::test]
async fn the_client_api_refuses_a_site_the_inbox_does_not_allow_and_answers_cors_for_one_it_does() {
    let app = TestApp::spawn().await;
    let id = inbox_id(&app).await;
    let call = |origin: Option<&'static str>| {
        let mut req = app.http.get(app.client_api(""));
        if let Some(o) = origin {
            req = req.header("origin", o);
        }
        async move {
            let res = req.send().await.expect("send");
            let allow =
                res.headers().get("access-control-allow-origin").and_then(|v| v.to_str().ok()).map(str::to_owned);
            (res.status().as_u16(), allow)
        }
    };
    // No list: any site, as before.
    assert_eq!(call(Some("https://anyone.test")).await, (200, Some("https://anyone.test".into())));
    patch(&app, &app.admin_token, id, json!({"channel": {"allowed_domains": "shop.example.com"}})).await;
    assert_eq!(call(Some("https://shop.example.com")).await, (200, Some("https://shop.example.com".into())));
    assert_eq!(call(Some("https://evil.test")).await.0, 403);
    assert_eq!(call(Some("https://shop.example.com.evil.test")).await.0, 403);
    assert_eq!(call(None).await, (200, None), "servers and apps send no Origin");
    let (v, _) = app.visitor_with_conversation().await;
    let res = app
        .http
        .post(app.client_api(&format!("/contacts/{}/conversations", v.source_id)))
        .header("origin", "https://evil.test")
        .json(&json!({}))
        .send()
        .await
        .expect("send");
    assert_eq!(res.status(), 403);
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["code"], "origin_not_allowed");
    // Parlor's own pages (the widget frame) always pass.
    let own = app.http.get(app.client_api("")).header("origin", &app.url).send().await.expect("send");
    assert_eq!(own.status(), 200);
    // A preflight from an allowed site.
    let pre = app
        .http
        .request(Method::OPTIONS, app.client_api("/contacts"))
        .header("origin", "https://shop.example.com")
        .header("access-control-request-method", "POST")
        .send()
        .await
        .expect("send");
    assert_eq!(pre.status(), 204);
    assert!(pre.headers().get("access-control-allow-methods").is_some());
    app.stop().await;
}
